"""Settings of the sample-extraction stage (and of how training draws from the samples)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from lesionbench.resampling import FITS, ResamplingSettings

#: Keys that only the training loader reads (the workflow leaves them out of the samples rule,
#: so changing them does not re-extract samples).
TRAINING_ONLY_KEYS = ("foreground_fraction",)

#: How 2.5D stacks are filled beyond the first and last slice.
STACK_PADDING = ("zeros", "edge")


@dataclass(frozen=True)
class SampleSettings:
    """Which slices of a preprocessed case become training samples, at what size and fit.

    Attributes:
        layout: name in :data:`lesionbench.samples.LAYOUTS` (``"2d"``: axial slices;
            ``"2.5d"``: each axial slice stacked with its neighbours as channels).
        size: ``(H, W)`` network input in pixels (paper 000, section 1.2: 416 x 416).
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

    layout: str = "2d"
    size: tuple[int, int] = (416, 416)
    fit: str = "pad"
    lesion_free_fraction: float = 1.0
    seed: int = 0
    min_brain_pixels: int = 0
    slice_offsets: tuple[int, ...] = (-2, -1, 0, 1)
    stack_padding: str = "zeros"
    foreground_fraction: float | None = None
    resampling: ResamplingSettings = field(default_factory=ResamplingSettings)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "SampleSettings":
        """Build from a config mapping; unknown keys and bad values raise ``ValueError``."""
        from lesionbench.samples.layouts import LAYOUTS

        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"sample settings: unknown key(s) {unknown}; valid keys are {sorted(known)}")
        if "size" in data:
            size = data["size"]
            if not isinstance(size, (list, tuple)) or len(size) != 2 or not all(_is_int(s) and s >= 1 for s in size):
                raise ValueError(f"sample settings: size must be [H, W] positive integers, got {size!r}")
            data["size"] = (int(size[0]), int(size[1]))
        if "lesion_free_fraction" in data:
            data["lesion_free_fraction"] = float(data["lesion_free_fraction"])
        for key in ("seed", "min_brain_pixels"):
            if key in data:
                if not _is_int(data[key]):
                    raise ValueError(f"sample settings: {key} must be an integer, got {data[key]!r}")
                data[key] = int(data[key])
        if "slice_offsets" in data:
            offsets = data["slice_offsets"]
            if (not isinstance(offsets, (list, tuple)) or not offsets or not all(_is_int(o) for o in offsets)
                    or 0 not in offsets or len(set(offsets)) != len(offsets)):
                raise ValueError(
                    f"sample settings: slice_offsets must be distinct integers including 0, got {offsets!r}"
                )
            data["slice_offsets"] = tuple(int(o) for o in offsets)
        fraction = data.get("foreground_fraction")
        if fraction is not None:
            if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0.0 <= fraction <= 1.0:
                raise ValueError(f"sample settings: foreground_fraction must be a number in [0, 1] or null, got {fraction!r}")
            data["foreground_fraction"] = float(fraction)
        data["resampling"] = ResamplingSettings.from_dict(data.get("resampling"), "sample settings: resampling")
        settings = cls(**data)
        if settings.layout not in LAYOUTS:
            raise ValueError(f"sample settings: unknown layout {settings.layout!r}; valid layouts are {sorted(LAYOUTS)}")
        if settings.fit not in FITS:
            raise ValueError(f"sample settings: unknown fit {settings.fit!r}; valid fits are {list(FITS)}")
        if settings.stack_padding not in STACK_PADDING:
            raise ValueError(f"sample settings: stack_padding must be one of {list(STACK_PADDING)}, "
                             f"got {settings.stack_padding!r}")
        if not 0.0 <= settings.lesion_free_fraction <= 1.0:
            raise ValueError(
                f"sample settings: lesion_free_fraction must be in [0, 1], got {settings.lesion_free_fraction}"
            )
        if settings.min_brain_pixels < 0:
            raise ValueError("sample settings: min_brain_pixels must be >= 0")
        return settings

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (for provenance and checkpoints), accepted by :meth:`from_dict`."""
        return {"layout": self.layout, "size": list(self.size), "fit": self.fit,
                "lesion_free_fraction": self.lesion_free_fraction, "seed": self.seed,
                "min_brain_pixels": self.min_brain_pixels, "slice_offsets": list(self.slice_offsets),
                "stack_padding": self.stack_padding, "foreground_fraction": self.foreground_fraction,
                "resampling": self.resampling.to_dict()}

    def geometry(self) -> dict[str, Any]:
        """What maps a preprocessed volume to network inputs and back: what prediction needs."""
        return {key: value for key, value in self.to_dict().items()
                if key in ("layout", "size", "fit", "slice_offsets", "stack_padding", "resampling")}


def _is_int(value: Any) -> bool:
    """Whether ``value`` is an integer (an integral float counts; a bool does not)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
