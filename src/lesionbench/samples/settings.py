"""Settings of the sample-extraction stage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class SampleSettings:
    """Which slices of a preprocessed case become training samples, and at what size.

    Attributes:
        layout: name in :data:`lesionbench.samples.extract.LAYOUTS` (``"2d"``: axial slices;
            ``"2.5d"``: each axial slice stacked with its neighbours as channels).
        size: ``(H, W)`` network input in pixels (paper 000, section 1.2: 416 x 416).
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
    """

    layout: str = "2d"
    size: tuple[int, int] = (416, 416)
    lesion_free_fraction: float = 1.0
    seed: int = 0
    min_brain_pixels: int = 0
    slice_offsets: tuple[int, ...] = (-2, -1, 0, 1)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "SampleSettings":
        """Build from a config mapping; unknown keys and bad values raise ``ValueError``."""
        from lesionbench.samples.extract import LAYOUTS

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
        settings = cls(**data)
        if settings.layout not in LAYOUTS:
            raise ValueError(f"sample settings: unknown layout {settings.layout!r}; valid layouts are {sorted(LAYOUTS)}")
        if not 0.0 <= settings.lesion_free_fraction <= 1.0:
            raise ValueError(
                f"sample settings: lesion_free_fraction must be in [0, 1], got {settings.lesion_free_fraction}"
            )
        if settings.min_brain_pixels < 0:
            raise ValueError("sample settings: min_brain_pixels must be >= 0")
        return settings

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (for provenance)."""
        return {"layout": self.layout, "size": list(self.size), "lesion_free_fraction": self.lesion_free_fraction,
                "seed": self.seed, "min_brain_pixels": self.min_brain_pixels,
                "slice_offsets": list(self.slice_offsets)}


def _is_int(value: Any) -> bool:
    """Whether ``value`` is an integer (an integral float counts; a bool does not)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
