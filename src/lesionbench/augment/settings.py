"""Settings of the offline augmentation stage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class AugmentSettings:
    """Seeded offline expansion of the training samples (paper 000, section 1.2).

    Attributes:
        copies: total expansion factor including the original (paper 000: 430 x 4 samples,
            so 4): each training sample is kept and ``copies - 1`` augmented versions added.
        rotations: allowed quarter-turn counts ``k`` (each copy draws one).
        max_shift_fraction: largest translation as a fraction of the image size, in
            ``[0, 0.5)``.
        seed: seed of the draws (combined with the fold number).
    """

    copies: int = 4
    rotations: tuple[int, ...] = (0, 1, 2, 3)
    max_shift_fraction: float = 0.1
    seed: int = 0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "AugmentSettings":
        """Build from a config mapping; unknown keys and bad values raise ``ValueError``."""
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"augment settings: unknown key(s) {unknown}; valid keys are {sorted(known)}")
        for key in ("copies", "seed"):
            if key in data:
                if isinstance(data[key], bool) or not isinstance(data[key], int):
                    raise ValueError(f"augment settings: {key} must be an integer, got {data[key]!r}")
        if "rotations" in data:
            rotations = data["rotations"]
            if (not isinstance(rotations, (list, tuple)) or not rotations
                    or any(isinstance(k, bool) or k not in (0, 1, 2, 3) for k in rotations)):
                raise ValueError(f"augment settings: rotations must be a non-empty list of 0, 1, 2, 3; got {rotations!r}")
            data["rotations"] = tuple(int(k) for k in rotations)
        if "max_shift_fraction" in data:
            data["max_shift_fraction"] = float(data["max_shift_fraction"])
        settings = cls(**data)
        if settings.copies < 1:
            raise ValueError(f"augment settings: copies must be >= 1, got {settings.copies}")
        if not 0.0 <= settings.max_shift_fraction < 0.5:
            raise ValueError(f"augment settings: max_shift_fraction must be in [0, 0.5), got {settings.max_shift_fraction}")
        return settings

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (for provenance)."""
        return {"copies": self.copies, "rotations": list(self.rotations),
                "max_shift_fraction": self.max_shift_fraction, "seed": self.seed}
