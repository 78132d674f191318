"""Settings of the sample-extraction stage (and of how training draws from the samples)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, StrictInt

from lesionbench.config import Number, Settings, SettingsError, choice
from lesionbench.resampling import FITS, ResamplingSettings
from lesionbench.samples.layouts import LAYOUTS

#: Keys that only the training loader reads (the workflow leaves them out of the samples rule,
#: so changing them does not re-extract samples).
TRAINING_ONLY_KEYS = ("foreground_fraction",)
#: Keys that only prediction reads (left out of the samples rule and of the stored geometry, so
#: changing them re-predicts without re-extracting samples or retraining).
PREDICTION_ONLY_KEYS = ("placement",)
#: ``samples.placement`` values of the ``3d_voi`` layout at prediction time.
PLACEMENTS = ("voi", "sliding_window")

#: How 2.5D stacks are filled beyond the first and last slice.
STACK_PADDING = ("zeros", "edge")


def _offsets(offsets: tuple[int, ...]) -> tuple[int, ...]:
    if 0 not in offsets or len(set(offsets)) != len(offsets):
        raise ValueError(f"slice_offsets must be distinct integers including 0, got {list(offsets)}")
    return offsets


class SampleSettings(Settings):
    """Which slices of a preprocessed case become training samples, at what size and fit.

    Attributes:
        layout: name in :data:`lesionbench.samples.LAYOUTS` (``"2d"``: axial slices;
            ``"2.5d"``: each axial slice stacked with its neighbours as channels; ``"3d_voi"``:
            one 3D VOI per case around the reference lesion, paper 001 section 3.2 (4)).
        size: ``(H, W)`` network input in pixels of the slice layouts (paper 000, section 1.2:
            416 x 416).
        voi: ``3d_voi`` only: ``(D, H, W)`` VOI size in voxels of the preprocessed grid
            (paper 001: 64 x 64 x 64 at 1 mm).
        placement: ``3d_voi`` only, at prediction: ``"voi"`` predicts the VOI placed from the
            reference lesion, as in training (paper 001's protocol: an oracle localisation that
            needs the reference); ``"sliding_window"`` predicts the whole volume with MONAI's
            sliding-window inferer (Gaussian weighting), so scans without a reference work.
        fit: how a cropped slice is fitted to ``size`` keeping its physical aspect
            (:data:`lesionbench.resampling.FITS`): ``"pad"`` (scale to fit, zero-pad),
            ``"crop"`` (scale to cover, centre-crop) or ``"stretch"`` (each axis on its own).
        lesion_free_fraction: fraction, in ``[0, 1]``, of the case's lesion-free slices with
            at least ``min_brain_pixels`` brain pixels that are kept (drawn with the seed);
            every slice containing lesion is always kept. 1 keeps all such slices, 0 none.
        seed: seed of that draw (combined with the case id, so cases draw independently).
        min_brain_pixels: lesion-free slices with fewer brain pixels (counted on the
            preprocessed slice, before resizing) are never kept: paper 000 (section 1.2)
            removes images whose brain extraction is incomplete.
        slice_offsets: 2.5D layout only: offsets of the stacked slices relative to the target
            slice, which must include 0 (paper 003, sections 3.5.1 and 4.4.1: the two
            preceding slices, the slice and the following one, ``(-2, -1, 0, 1)``).
        stack_padding: 2.5D: neighbours beyond the volume are ``"zeros"`` (D-UNet's
            ``data_toxn``, which paper 003 follows) or repeat the ``"edge"`` slice.
        foreground_fraction: training only: share of each batch drawn from samples that
            contain lesion (nnU-Net's foreground oversampling, 0.33 there); ``None`` draws
            every epoch as one shuffled pass over all samples.
        resampling: label method and antialiasing (the dataset's ``resampling`` section).
    """

    WHERE: ClassVar[str] = "samples"

    layout: choice("sample layout", lambda: sorted(LAYOUTS)) = "2d"  # type: ignore[valid-type]
    size: tuple[Annotated[StrictInt, Field(ge=1)], Annotated[StrictInt, Field(ge=1)]] = (416, 416)
    voi: tuple[Annotated[StrictInt, Field(ge=1)], Annotated[StrictInt, Field(ge=1)],
               Annotated[StrictInt, Field(ge=1)]] = (64, 64, 64)
    placement: Literal["voi", "sliding_window"] = "voi"
    fit: choice("fit", FITS) = "pad"  # type: ignore[valid-type]
    lesion_free_fraction: Annotated[Number, Field(ge=0.0, le=1.0)] = 1.0
    seed: Annotated[StrictInt, Field(ge=0)] = 0
    min_brain_pixels: Annotated[StrictInt, Field(ge=0)] = 0
    slice_offsets: Annotated[tuple[StrictInt, ...], Field(min_length=1), AfterValidator(_offsets)] = (-2, -1, 0, 1)
    stack_padding: Literal["zeros", "edge"] = "zeros"
    foreground_fraction: Annotated[Number, Field(ge=0.0, le=1.0)] | None = None
    resampling: ResamplingSettings = ResamplingSettings()

    def geometry(self) -> dict[str, Any]:
        """What maps a preprocessed volume to network inputs and back: what prediction needs."""
        return {key: value for key, value in self.to_dict().items()
                if key in ("layout", "size", "voi", "fit", "slice_offsets", "stack_padding", "resampling")}

    def with_input_offsets(self, offsets: Sequence[int] | None) -> SampleSettings:
        """These settings with the 2.5D stack narrowed to ``offsets`` (``network.input_offsets``).

        The stored samples are unchanged (2.5D stacks are gathered when a sample is read): a
        network that sees fewer slices of the same samples reads them with the narrowed
        offsets, in the order of :attr:`slice_offsets`. Paper 003's 2D baselines see the
        target slice alone (``[0]``, docs/paper003.md B-26), its 2.5D networks the whole stack.
        ``None`` returns the settings unchanged.

        Raises:
            SettingsError: the layout is not ``2.5d``, or ``offsets`` repeat, lack the target
                slice 0 or are not among :attr:`slice_offsets` (the message lists them).
        """
        if offsets is None:
            return self
        offsets = [int(o) for o in offsets]
        if self.layout != "2.5d":
            raise SettingsError(f"network.input_offsets: {offsets} selects slices of a 2.5D stack, but the samples "
                                f"have layout {self.layout!r}")
        stack = list(self.slice_offsets)
        if 0 not in offsets or len(set(offsets)) != len(offsets) or not set(offsets) <= set(stack):
            raise SettingsError(f"network.input_offsets: {offsets} must be distinct offsets of the samples' "
                                f"slice_offsets {stack}, including the target slice 0")
        return SampleSettings.from_dict({**self.to_dict(), "slice_offsets": [o for o in stack if o in offsets]})
