"""2.5D layout (paper 003): each slice stacked with its neighbours as channels."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lesionbench.preprocess import write_npz
from lesionbench.samples import SampleSettings, extract_samples, input_channels, network_inputs, to_network_stacks
from lesionbench.samples.slicing import stack_indices

Z, Y, X = 6, 8, 10


def _case(path, channels=2):
    """Slice z of channel c holds the constant 10 * c + z; lesion in slices 2 and 3."""
    image = np.zeros((channels, Z, Y, X), dtype=np.float32)
    for c in range(channels):
        image[c] = (10 * c + np.arange(Z, dtype=np.float32))[:, None, None]
    mask = np.zeros((Z, Y, X), dtype=np.uint8)
    mask[2:4, 3:5, 4:7] = 1
    write_npz(path, {
        "image": image, "mask": mask, "brain": np.ones((Z, Y, X), np.uint8), "spacing": np.ones(3),
        "resampled_origin": np.zeros(3), "resampled_direction": np.eye(3).ravel(),
        "resampled_size": np.array([X, Y, Z]), "crop_start": np.zeros(3, np.int64),
        "provenance": np.array(json.dumps({})),
    })
    return image, mask


def test_stack_indices_repeat_the_edge_slices():
    assert stack_indices(5, (-2, -1, 0, 1)).tolist() == [
        [0, 0, 0, 1], [0, 0, 1, 2], [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 4]]
    assert stack_indices(5, (-1, 0, 1, 2), np.array([4])).tolist() == [[3, 4, 4, 4]]


def test_samples_are_channel_major_stacks_of_the_target_and_its_neighbours(tmp_path):
    image, mask = _case(tmp_path / "c1.npz")
    settings = SampleSettings.from_dict({"layout": "2.5d", "size": [16, 20], "lesion_free_fraction": 0.0})
    out = extract_samples(tmp_path / "c1.npz", tmp_path / "out.npz", settings)
    assert out["images"].shape == (2, 8, 16, 20) and out["masks"].shape == (2, 1, 16, 20)
    assert out["slice_index"].tolist() == [2, 3] and out["has_lesion"].tolist() == [True, True]
    # target slice 2: channel 0 at slices 0, 1, 2, 3, then channel 1 (value 10 + z) at the same slices
    assert out["images"][0, :, 5, 7].tolist() == [0, 1, 2, 3, 10, 11, 12, 13]
    assert out["images"][1, :, 0, 0].tolist() == [1, 2, 3, 4, 11, 12, 13, 14]
    # the mask is the target slice's, doubled in size by nearest neighbour
    assert out["masks"][0, 0].sum() == mask[2].sum() * 4


def test_other_offsets_and_network_inputs_for_prediction(tmp_path):
    image, _ = _case(tmp_path / "c2.npz", channels=1)
    settings = SampleSettings.from_dict({"layout": "2.5d", "size": [Y, X], "slice_offsets": [-1, 0, 1, 2]})
    every = network_inputs(image, settings)
    assert every.shape == (Z, 4, Y, X) and input_channels(1, settings) == 4
    assert every[0, :, 0, 0].tolist() == [0, 0, 1, 2] and every[5, :, 0, 0].tolist() == [4, 5, 5, 5]
    out = extract_samples(tmp_path / "c2.npz", tmp_path / "o.npz", settings)
    assert np.array_equal(out["images"], every[out["slice_index"]])
    two_d = SampleSettings.from_dict({"layout": "2d", "size": [Y, X]})
    assert np.array_equal(network_inputs(image, two_d), image.transpose(1, 0, 2, 3)) and input_channels(3, two_d) == 3
    assert to_network_stacks(image, (Y, X), (0,)).shape == (Z, 1, Y, X)


@pytest.mark.parametrize("offsets", [[-1, 1], [0, 0, 1], [0.5, 0], "0,1", []])
def test_slice_offsets_must_be_distinct_integers_with_the_target(offsets):
    with pytest.raises(ValueError, match="slice_offsets must be distinct integers including 0"):
        SampleSettings.from_dict({"layout": "2.5d", "slice_offsets": offsets})
