"""``network.input_offsets``: a network that sees part of the 2.5D stack (paper 003's 2D baselines,
the target slice alone) on the samples the 2.5D networks read whole, at training, validation and
prediction, recorded in the checkpoint."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from lesionbench.config import SettingsError
from lesionbench.inference import load_model
from lesionbench.inference.predict import checkpoint_samples
from lesionbench.networks import create_network
from lesionbench.samples import CaseSamples, SampleSettings, get_layout
from lesionbench.training import ExperimentSettings, load_checkpoint, train_fold
from lesionbench.training.trainer import network_kwargs
from tests.sample_folders import write_fold

from .conftest import TRAIN, VAL, tiny_settings

STACK = {"layout": "2.5d", "slice_offsets": [-2, -1, 0, 1]}


def _settings(**network: object) -> ExperimentSettings:
    base = tiny_settings(epochs=1).to_dict()
    return ExperimentSettings.from_dict({**base, "network": {**base["network"], **network}})


@pytest.mark.parametrize(("offsets", "expected"), [
    ([0], (0,)), ([1, 0, -2], (-2, 0, 1)), ([-2, -1, 0, 1], (-2, -1, 0, 1)),
])
def test_the_stack_is_narrowed_in_its_own_order(offsets: list[int], expected: tuple[int, ...]) -> None:
    settings = SampleSettings.from_dict({**STACK, "size": [32, 32]})
    narrowed = settings.with_input_offsets(offsets)
    assert narrowed.slice_offsets == expected
    assert narrowed.to_dict() == {**settings.to_dict(), "slice_offsets": list(expected)}
    assert settings.with_input_offsets(None) is settings


@pytest.mark.parametrize(("samples", "offsets", "message"), [
    ({"layout": "2d"}, [0], "selects slices of a 2.5D stack, but the samples have layout '2d'"),
    ({"layout": "3d_voi"}, [0], "have layout '3d_voi'"),
    (STACK, [2], r"\[2\] must be distinct offsets of the samples' slice_offsets \[-2, -1, 0, 1\]"),
    (STACK, [], "must be distinct offsets"),
    (STACK, [-1], "including the target slice 0"),
])
def test_input_offsets_that_make_no_sense_are_refused(samples: dict, offsets: list[int], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        SampleSettings.from_dict(samples).with_input_offsets(offsets)


@pytest.mark.parametrize("offsets", [[0, 0], "target", [0.5], [True], []])
def test_the_setting_is_a_list_of_distinct_integers(offsets: object) -> None:
    with pytest.raises(SettingsError, match="network.input_offsets: expected a non-empty list of distinct integer"):
        _settings(input_offsets=offsets)


def test_it_is_hashed_but_never_given_to_the_constructor() -> None:
    target, stack = _settings(input_offsets=[0]), _settings()
    assert target.network.input_offsets == (0,) and stack.network.input_offsets is None
    assert "input_offsets" not in target.network.kwargs
    assert target.network.to_dict()["input_offsets"] == [0]
    assert target.training_hash() != stack.training_hash()
    assert network_kwargs(target, 1, 2)["in_channels"] == 1


class _Recorder(torch.nn.Module):
    """The real network, keeping every input it is given."""

    def __init__(self, network: torch.nn.Module, seen: list[torch.Tensor]) -> None:
        super().__init__()
        self.network, self.seen = network, seen

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append(x.detach().clone())
        return self.network(x)


def _rows(samples_dir: Path, offsets: tuple[int, ...]) -> set[bytes]:
    """Every stored 2.5D input with ``offsets``, as bytes: what the network may be given."""
    settings = SampleSettings.from_dict({**STACK, "size": [32, 32]}).with_input_offsets(offsets)
    rows = set()
    for case in (*TRAIN, *VAL):
        samples = CaseSamples(samples_dir / case)
        for target in samples.targets:
            rows.add(get_layout("2.5d").read_sample(samples, target, settings)[0].astype(np.float32).tobytes())
    return rows


def test_training_and_validation_see_the_target_slice_and_the_checkpoint_records_it(tmp_path: Path) -> None:
    samples_dir, folds = write_fold(tmp_path / "data", TRAIN, VAL, settings=STACK)
    seen: list[torch.Tensor] = []

    def factory(name: str, **kwargs: object) -> torch.nn.Module:
        return _Recorder(create_network(name, **kwargs), seen)

    train_fold(samples_dir, folds, 0, tmp_path / "model", _settings(input_offsets=[0]), device="cpu",
               network_factory=factory)
    assert seen and all(batch.shape[1] == 1 for batch in seen)
    targets = _rows(samples_dir, (0,))
    assert all(image.numpy().tobytes() in targets for batch in seen for image in batch)
    # the stored image rows themselves: offset 0 of the stack is the stored slice
    checkpoint = load_checkpoint(tmp_path / "model" / "best.pt")
    case = CaseSamples(samples_dir / "c0")
    image = get_layout("2.5d").read_sample(case, 3, checkpoint_samples(checkpoint, "best.pt"))[0]
    np.testing.assert_array_equal(image, case.images.rows(3, 4)[0])

    kwargs = checkpoint["network"]["kwargs"]
    assert kwargs["in_channels"] == 1 and "input_offsets" not in kwargs
    assert checkpoint["data"]["in_channels"] == 1
    assert checkpoint["data"]["samples"]["slice_offsets"] == [0]
    assert checkpoint["settings"]["network"]["input_offsets"] == [0]


def test_prediction_gives_the_network_the_channel_it_was_trained_on(tmp_path: Path) -> None:
    samples_dir, folds = write_fold(tmp_path / "data", TRAIN, VAL, settings=STACK)
    train_fold(samples_dir, folds, 0, tmp_path / "model", _settings(input_offsets=[0]), device="cpu")
    model, checkpoint = load_model(tmp_path / "model" / "best.pt", "cpu")
    samples = checkpoint_samples(checkpoint, tmp_path / "model" / "best.pt")
    assert samples.layout == "2.5d" and samples.slice_offsets == (0,)
    volume = np.random.default_rng(0).random((5, 1, 32, 32)).astype(np.float32)  # fitted (Z, C, H, W)
    inputs = get_layout(samples.layout).network_inputs(volume, samples)
    assert inputs.shape == (5, 1, 32, 32)
    np.testing.assert_array_equal(inputs, volume)  # slice z's input is slice z alone
    assert model(torch.from_numpy(inputs)).shape == (5, 1, 32, 32)
    # the whole stack: four channels, the target third, as the 2.5D networks see it
    stack = get_layout("2.5d").network_inputs(volume, SampleSettings.from_dict(STACK))
    np.testing.assert_array_equal(stack[:, 2], volume[:, 0])


def test_a_2d_fold_refuses_input_offsets_when_training_starts(fold: tuple[Path, Path], tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="network.input_offsets: \\[0\\] selects slices of a 2.5D stack"):
        train_fold(*fold, 0, tmp_path / "model", _settings(input_offsets=[0]), device="cpu")
