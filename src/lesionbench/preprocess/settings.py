"""Settings of the preprocessing stage (resampling, intensity normalisation, cropping)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from lesionbench.preprocess.intensity import NORMALIZERS
from lesionbench.resampling import ResamplingSettings
from lesionbench.typing import SpacingXYZ


@dataclass(frozen=True)
class PreprocessSettings:
    """What :func:`lesionbench.preprocess.preprocess_case` does to one case.

    Attributes:
        spacing: target voxel spacing ``[x, y, z]`` in mm, or ``None`` to keep the image's
            (paper 001, section 3.2 (2): 1 x 1 x 1 mm).
        window: ``[level, width]`` in HU, or ``None`` (paper 001, section 3.2 (3): L50/W100).
        normalize: name in :data:`lesionbench.preprocess.intensity.NORMALIZERS`:
            ``"window"`` maps ``level - width/2 .. level + width/2`` HU to ``[0, 1]``
            (clipped); ``"zscore"`` subtracts the mean and divides by the standard deviation
            of the brain voxels (after clipping to the window if one is given);
            ``"zscore_head"`` does the same per channel over the head found in the image
            (MRI: :mod:`lesionbench.preprocess.head`) and sets the outside to 0; ``"none"``
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

    spacing: SpacingXYZ | None = None
    window: tuple[float, float] | None = None
    normalize: str = "window"
    crop_to_brain: bool = True
    crop_margin_mm: float = 0.0
    skull_strip: bool = True
    brain_mask: bool = True
    brain_dilation_mm: float = 0.0
    resampling: ResamplingSettings = field(default_factory=ResamplingSettings)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "PreprocessSettings":
        """Build from a config mapping; unknown keys and bad values raise ``ValueError``."""
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"preprocess settings: unknown key(s) {unknown}; valid keys are {sorted(known)}")
        if data.get("spacing") is not None:
            data["spacing"] = _floats(data["spacing"], 3, "spacing", "[x, y, z] mm")
            if min(data["spacing"]) <= 0:
                raise ValueError(f"preprocess settings: spacing must be positive, got {list(data['spacing'])}")
        if data.get("window") is not None:
            data["window"] = _floats(data["window"], 2, "window", "[level, width] HU")
            if data["window"][1] <= 0:
                raise ValueError(f"preprocess settings: window width must be positive, got {data['window'][1]}")
        for key in ("crop_to_brain", "skull_strip", "brain_mask"):
            if key in data and not isinstance(data[key], bool):
                raise ValueError(f"preprocess settings: {key} must be true or false, got {data[key]!r}")
        for key in ("crop_margin_mm", "brain_dilation_mm"):
            if key in data:
                data[key] = float(data[key])
                if data[key] < 0:
                    raise ValueError(f"preprocess settings: {key} must be >= 0")
        data["resampling"] = ResamplingSettings.from_dict(data.get("resampling"), "preprocess settings: resampling")
        settings = cls(**data)
        if settings.normalize not in NORMALIZERS:
            raise ValueError(
                f"preprocess settings: unknown normalize {settings.normalize!r}; valid names are {sorted(NORMALIZERS)}"
            )
        if settings.normalize == "window" and settings.window is None:
            raise ValueError("preprocess settings: normalize 'window' needs window [level, width] HU")
        return settings

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (for provenance)."""
        out = asdict(self)
        out["resampling"] = self.resampling.to_dict()
        for key in ("spacing", "window"):
            if out[key] is not None:
                out[key] = list(out[key])
        return out


def _floats(values: Any, count: int, name: str, meaning: str) -> tuple[float, ...]:
    if not isinstance(values, (list, tuple)) or len(values) != count:
        raise ValueError(f"preprocess settings: {name} must be {meaning}, got {values!r}")
    return tuple(float(v) for v in values)
