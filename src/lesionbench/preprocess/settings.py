"""Settings of the preprocessing stage (resampling, intensity normalisation, cropping)."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field, StrictBool, model_validator

from lesionbench.config import Number, Settings, choice
from lesionbench.preprocess.inplane import InplaneSettings
from lesionbench.preprocess.intensity import NORMALIZERS
from lesionbench.resampling import ResamplingSettings

Positive = Annotated[Number, Field(gt=0.0)]
NonNegative = Annotated[Number, Field(ge=0.0)]


class PreprocessSettings(Settings):
    """What :func:`lesionbench.preprocess.preprocess_case` does to one case.

    Attributes:
        spacing: target voxel spacing ``[x, y, z]`` in mm, or ``None`` to keep the image's
            (paper 001, section 3.2 (2): 1 x 1 x 1 mm).
        inplane: crop every axial slice to a box ``[x, y]`` and resize it, on the grid at
            ``spacing`` (:class:`lesionbench.preprocess.inplane.InplaneSettings`), or ``None``;
            paper 003: ``{crop: {start: [10, 40], size: [180, 180]}, resize: [192, 192]}`` for
            ATLAS, ``{resize: [192, 192]}`` for ISLES 2015 (docs/paper003.md, B-3, B-4).
        window: ``[level, width]`` in HU, or ``None`` (paper 001, section 3.2 (3): L50/W100).
        normalize: name in :data:`lesionbench.preprocess.intensity.NORMALIZERS`:
            ``"window"`` maps ``level - width/2 .. level + width/2`` HU to ``[0, 1]``
            (clipped); ``"zscore"`` subtracts the mean and divides by the standard deviation
            of the brain voxels (after clipping to the window if one is given);
            ``"zscore_head"`` does the same per channel over the head found in the image
            (MRI: :mod:`lesionbench.preprocess.head`) and sets the outside to 0; ``"minmax"``
            maps each channel's minimum .. maximum over the brain voxels (the whole image without
            a brain mask) to ``[0, 1]`` (after clipping to the window if one is given; MRI,
            e.g. the skull-stripped T1 of ``phantom_mr``); ``"none"``
            keeps the intensities (clipped to the window if one is given), e.g. 8-bit slices
            that ingest already scaled to ``[0, 1]``.
        crop_to_brain: crop to the bounding box of the brain mask (paper 000, section 1.2).
        crop_margin_mm: margin (mm) added on every side of that box, clipped to the image.
        skull_strip: set voxels outside the brain mask to the background value of the
            normalisation (0 for window and z-score): the skull-stripped input of paper 000
            (section 1.2, "A2") and paper 001 (section 3.2 (1)).
        brain_mask: use the brain mask file; if ``False`` (or no file is given) the whole
            image counts as brain, so cropping and skull stripping do nothing.
        brain_dilation_mm: grow the brain mask by this distance (mm, a Euclidean ball on the
            resampled grid) before skull stripping and cropping, so hematomas against the
            inner table are not stripped (lesion the mask still removes is reported).
        resampling: label method and antialiasing (the dataset's ``resampling`` section,
            :class:`lesionbench.resampling.ResamplingSettings`), shared with the samples stage.
    """

    WHERE: ClassVar[str] = "preprocess"

    spacing: tuple[Positive, Positive, Positive] | None = None
    inplane: InplaneSettings | None = None
    window: tuple[Number, Positive] | None = None
    normalize: choice("normalisation", lambda: sorted(NORMALIZERS)) = "window"  # type: ignore[valid-type]
    crop_to_brain: StrictBool = True
    crop_margin_mm: NonNegative = 0.0
    skull_strip: StrictBool = True
    brain_mask: StrictBool = True
    brain_dilation_mm: NonNegative = 0.0
    resampling: ResamplingSettings = ResamplingSettings()

    @model_validator(mode="after")
    def _window_for_window_normalisation(self) -> PreprocessSettings:
        if self.normalize == "window" and self.window is None:
            raise ValueError("normalize 'window' needs window [level, width] HU")
        return self
