"""Settings of the procedural head-CT phantom (sizes in voxels, lengths in mm, HU)."""

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, Field, StrictInt, model_validator

from lesionbench.config import Number, Settings

#: In-plane field of view (mm) when ``pixel_spacing_mm`` is not given: 0.45 mm x 512.
DEFAULT_FOV_MM = 0.45 * 512


def _ordered(pair: tuple[float, float]) -> tuple[float, float]:
    if pair[0] > pair[1]:
        raise ValueError(f"low {pair[0]} is above high {pair[1]}")
    return pair


def _odd(value: int) -> int:
    if value % 2 != 1:
        raise ValueError(f"must be odd, got {value}")
    return value


class PhantomSettings(Settings):
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

    WHERE: ClassVar[str] = "phantom"

    cases: Annotated[StrictInt, Field(ge=1)] = 12
    seed: Annotated[StrictInt, Field(ge=0)] = 0
    matrix: Annotated[StrictInt, Field(ge=32, le=2048)] = 512
    slices: Annotated[StrictInt, Field(ge=1, le=512)] = 32
    slice_thickness_mm: Annotated[Number, Field(ge=0.1, le=20.0)] = 5.0
    pixel_spacing_mm: Annotated[Number, Field(ge=0.05, le=10.0)] | None = None
    lesion_free_fraction: Annotated[Number, Field(ge=0.0, le=1.0)] = 0.25
    avm_fraction: Annotated[Number, Field(ge=0.0, le=1.0)] = 0.3
    volume_range_ml: Annotated[tuple[Annotated[Number, Field(gt=0.0, le=150.0)], Annotated[Number, Field(gt=0.0, le=150.0)]],
                               AfterValidator(_ordered)] = (1.0, 80.0)
    near_skull_mm: Annotated[Number, Field(ge=0.0)] = 3.0
    irregular_solidity: Annotated[Number, Field(gt=0.0, le=1.0)] = 0.8
    intraventricular_min_ml: Annotated[Number, Field(ge=0.0)] = 0.2
    noise_hu: Annotated[tuple[Annotated[Number, Field(ge=0.0)], Annotated[Number, Field(ge=0.0)]],
                        AfterValidator(_ordered)] = (5.0, 10.0)
    blur_sigma_voxels: Annotated[Number, Field(ge=0.0)] = 0.6
    slice_subsamples: Annotated[StrictInt, Field(ge=1), AfterValidator(_odd)] = 3
    shuffled_fraction: Annotated[Number, Field(ge=0.0, le=1.0)] = 0.3

    @model_validator(mode="before")
    @classmethod
    def _without_kind(cls, data: Any) -> Any:
        """The workflow's ``source: {kind: phantom, ...}`` block names its kind; the phantom does not need it."""
        if isinstance(data, Mapping) and "kind" in data and "kind" not in cls.model_fields:
            data = {k: v for k, v in data.items() if k != "kind"}
        return data

    @model_validator(mode="after")
    def _field_of_view_holds_the_head(self) -> "PhantomSettings":
        if self.pixel_spacing * self.matrix < 200:
            raise ValueError(f"pixel_spacing_mm {self.pixel_spacing} x matrix {self.matrix} is a field of view under "
                             "200 mm, too small for the head")
        return self

    @property
    def pixel_spacing(self) -> float:
        """In-plane pixel spacing (mm), rounded to 1e-6 mm so it survives a DICOM DS string."""
        value = DEFAULT_FOV_MM / self.matrix if self.pixel_spacing_mm is None else self.pixel_spacing_mm
        return round(float(value), 6)
