"""Settings of the procedural head-CT phantom (sizes in voxels, lengths in mm, HU)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

#: In-plane field of view (mm) when ``pixel_spacing_mm`` is not given: 0.45 mm x 512.
DEFAULT_FOV_MM = 0.45 * 512


@dataclass(frozen=True)
class PhantomSettings:
    """What :func:`lesionbench.phantom.generate_case` draws from.

    Attributes:
        cases: number of cases of a dataset.
        seed: dataset seed; case ``index`` draws from ``numpy.random.default_rng([seed, index])``.
        matrix: in-plane size (rows = columns), pixels.
        slices: number of axial slices.
        slice_thickness_mm: slice thickness and spacing (mm), contiguous slices.
        pixel_spacing_mm: in-plane pixel spacing (mm); ``None`` -> ``0.45 * 512 / matrix``
            (a ~230 mm field of view at any matrix).
        lesion_free_fraction: fraction of cases without a hematoma.
        avm_fraction: fraction of the lesion cases labelled ``"avm"`` (paper 001's classes).
        volume_range_ml: ``(low, high)`` hematoma volume (mL), drawn log-uniformly.
        near_skull_mm: a lesion within this distance (mm) of the inner table is ``near_skull``.
        irregular_solidity: a lesion whose solidity (volume / convex-hull volume, on the
            voxel grid) is below this value is ``irregular`` (paper 002's subgroup).
        intraventricular_min_ml: a lesion with at least this volume (mL) inside the
            ventricles is ``intraventricular``.
        noise_hu: ``(low, high)`` of the per-case Gaussian noise sigma (HU).
        blur_sigma_voxels: in-plane partial-volume Gaussian blur sigma (voxels), applied
            before the noise.
        slice_subsamples: odd number of axial planes averaged into each slice (through-plane
            partial volume of the slice thickness; 1 = none).
        shuffled_fraction: fraction of cases whose InstanceNumber (and file order) is a random
            permutation of the spatial order.
    """

    cases: int = 12
    seed: int = 0
    matrix: int = 512
    slices: int = 32
    slice_thickness_mm: float = 5.0
    pixel_spacing_mm: float | None = None
    lesion_free_fraction: float = 0.25
    avm_fraction: float = 0.3
    volume_range_ml: tuple[float, float] = (1.0, 80.0)
    near_skull_mm: float = 3.0
    irregular_solidity: float = 0.8
    intraventricular_min_ml: float = 0.2
    noise_hu: tuple[float, float] = (5.0, 10.0)
    blur_sigma_voxels: float = 0.6
    slice_subsamples: int = 3
    shuffled_fraction: float = 0.3

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "PhantomSettings":
        """Build from a config mapping; unknown keys and bad values raise ``ValueError``."""
        data = dict(data or {})
        data.pop("kind", None)  # the workflow's ``source: {kind: phantom, ...}`` block
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"phantom settings: unknown key(s) {unknown}; valid keys are {sorted(known)}")
        converters = {
            "cases": int, "seed": int, "slice_subsamples": int, "matrix": int, "slices": int,
            "slice_thickness_mm": float, "lesion_free_fraction": float, "avm_fraction": float,
            "near_skull_mm": float, "irregular_solidity": float, "intraventricular_min_ml": float,
            "blur_sigma_voxels": float, "shuffled_fraction": float,
            "pixel_spacing_mm": lambda v: None if v is None else float(v),
            "volume_range_ml": _pair, "noise_hu": _pair,
        }
        for key, value in list(data.items()):
            try:
                data[key] = converters[key](value)
            except (TypeError, ValueError) as error:
                raise ValueError(f"phantom settings: {key} has a bad value {value!r} ({error})") from error
        settings = cls(**data)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first setting out of range."""
        checks = [
            ("cases", self.cases >= 1, ">= 1"),
            ("seed", self.seed >= 0, ">= 0"),
            ("matrix", 32 <= self.matrix <= 2048, "in [32, 2048]"),
            ("slices", 1 <= self.slices <= 512, "in [1, 512]"),
            ("slice_thickness_mm", 0.1 <= self.slice_thickness_mm <= 20, "in [0.1, 20] mm"),
            ("pixel_spacing_mm", self.pixel_spacing_mm is None or 0.05 <= self.pixel_spacing_mm <= 10,
             "None or in [0.05, 10] mm"),
            ("pixel_spacing_mm", self.pixel_spacing * self.matrix >= 200,
             "such that the field of view (matrix x spacing) is >= 200 mm and holds the head"),
            ("lesion_free_fraction", 0 <= self.lesion_free_fraction <= 1, "in [0, 1]"),
            ("avm_fraction", 0 <= self.avm_fraction <= 1, "in [0, 1]"),
            ("volume_range_ml", 0 < self.volume_range_ml[0] <= self.volume_range_ml[1] <= 150,
             "0 < low <= high <= 150 mL"),
            ("near_skull_mm", self.near_skull_mm >= 0, ">= 0"),
            ("irregular_solidity", 0 < self.irregular_solidity <= 1, "in (0, 1]"),
            ("intraventricular_min_ml", self.intraventricular_min_ml >= 0, ">= 0"),
            ("noise_hu", 0 <= self.noise_hu[0] <= self.noise_hu[1], "0 <= low <= high"),
            ("blur_sigma_voxels", self.blur_sigma_voxels >= 0, ">= 0"),
            ("slice_subsamples", self.slice_subsamples >= 1 and self.slice_subsamples % 2 == 1, "odd and >= 1"),
            ("shuffled_fraction", 0 <= self.shuffled_fraction <= 1, "in [0, 1]"),
        ]
        for key, ok, expected in checks:
            if not ok:
                raise ValueError(f"phantom settings: {key}={getattr(self, key)!r} must be {expected}")

    @property
    def pixel_spacing(self) -> float:
        """In-plane pixel spacing (mm), rounded to 1e-6 mm so it survives a DICOM DS string."""
        value = DEFAULT_FOV_MM / self.matrix if self.pixel_spacing_mm is None else self.pixel_spacing_mm
        return round(float(value), 6)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (for provenance)."""
        data = asdict(self)
        data["volume_range_ml"] = list(self.volume_range_ml)
        data["noise_hu"] = list(self.noise_hu)
        return data


def _pair(value: Any) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError("expected [low, high]")
    return float(value[0]), float(value[1])
