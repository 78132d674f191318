"""2.5D layout (paper 003): each slice stacked with its neighbours as channels, gathered on reading."""

from __future__ import annotations

import numpy as np
import pytest

from lesionbench.samples import CaseSamples, SampleSettings, extract_samples, gather_stacks, get_layout, input_channels

from tests.preprocessed_files import write_preprocessed

Z, Y, X = 6, 8, 10


def _case(path, channels=2):
    """Slice z of channel c holds the constant 10 * c + z + 1; lesion in slices 2 and 3."""
    image = np.zeros((channels, Z, Y, X), dtype=np.float32)
    for c in range(channels):
        image[c] = (10 * c + 1 + np.arange(Z, dtype=np.float32))[:, None, None]
    mask = np.zeros((Z, Y, X), dtype=np.uint8)
    mask[2:4, 3:5, 4:7] = 1
    write_preprocessed(path, image, mask, spacing=(1.0, 1.0, 1.0))
    return image, mask


def test_gather_stacks_zero_or_edge_beyond_the_volume():
    slices = np.arange(5, dtype=np.float32)[:, None, None, None] + 1  # (5, 1, 1, 1): slice z holds z + 1
    zeros = gather_stacks(slices, 0, 5, range(5), (-2, -1, 0, 1), "zeros")[:, :, 0, 0]
    assert zeros.tolist() == [[0, 0, 1, 2], [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 0]]
    edge = gather_stacks(slices, 0, 5, [0, 4], (-2, -1, 0, 1), "edge")[:, :, 0, 0]
    assert edge.tolist() == [[1, 1, 1, 2], [3, 4, 5, 5]]
    window = gather_stacks(slices[2:5], 2, 5, [3], (-1, 0, 1), "zeros")[:, :, 0, 0]  # rows 2..4 only
    assert window.tolist() == [[3, 4, 5]]
    with pytest.raises(ValueError, match="do not cover the stacks"):
        gather_stacks(slices[2:5], 2, 5, [1], (-1, 0, 1))


def test_samples_are_channel_major_stacks_of_the_target_and_its_neighbours(tmp_path):
    image, mask = _case(tmp_path / "c1.npz")
    settings = SampleSettings.from_dict({"layout": "2.5d", "size": [16, 20], "lesion_free_fraction": 0.0})
    index = extract_samples(tmp_path / "c1.npz", tmp_path / "out", settings)
    stored = CaseSamples(tmp_path / "out")
    assert stored.images.shape == (Z, 2, 16, 20) and index["targets"] == [2, 3] and index["has_lesion"] == [True, True]
    layout = get_layout("2.5d")
    first, label = layout.read_sample(stored, 2, settings)
    # target slice 2: channel 0 at slices 0, 1, 2, 3, then channel 1 (value 11 + z) at the same slices
    assert first.shape == (8, 16, 20) and first[:, 5, 7].tolist() == [1, 2, 3, 4, 11, 12, 13, 14]
    # the label is the target slice's, doubled in size: soft labels keep its area (6 pixels -> 24)
    assert label.shape == (1, 16, 20) and float(label.sum()) == pytest.approx(mask[2].sum() * 4, rel=0.01)
    edge, _ = layout.read_sample(stored, 0, settings)
    assert edge[:, 0, 0].tolist() == [0, 0, 1, 2, 0, 0, 11, 12]
    assert input_channels(2, settings) == 8 and input_channels(3, SampleSettings.from_dict({"layout": "2d"})) == 3


def test_network_inputs_for_prediction_equal_the_training_samples(tmp_path):
    _case(tmp_path / "c2.npz", channels=1)
    settings = SampleSettings.from_dict({"layout": "2.5d", "size": [Y, X], "slice_offsets": [-1, 0, 1, 2],
                                         "stack_padding": "edge"})
    extract_samples(tmp_path / "c2.npz", tmp_path / "o", settings)
    stored = CaseSamples(tmp_path / "o")
    fitted = stored.images.rows(0, Z)
    every = get_layout("2.5d").network_inputs(fitted, settings)
    assert every.shape == (Z, 4, Y, X)
    assert every[0, :, 0, 0].tolist() == [1, 1, 2, 3] and every[5, :, 0, 0].tolist() == [5, 6, 6, 6]
    for target in range(Z):
        assert np.array_equal(get_layout("2.5d").read_sample(stored, target, settings)[0], every[target])
    assert np.array_equal(get_layout("2d").network_inputs(fitted, settings), fitted)


@pytest.mark.parametrize(("offsets", "message"), [
    ([-1, 1], "slice_offsets must be distinct integers including 0"),
    ([0, 0, 1], "slice_offsets must be distinct integers including 0"),
    ([0.5, 0], r"samples.slice_offsets\[0\]: input should be a valid integer"),
    ("0,1", "samples.slice_offsets: input should be a valid list"),
    ([], "samples.slice_offsets: list should have at least 1 item"),
])
def test_slice_offsets_must_be_distinct_integers_with_the_target(offsets, message):
    with pytest.raises(ValueError, match=message):
        SampleSettings.from_dict({"layout": "2.5d", "slice_offsets": offsets})
