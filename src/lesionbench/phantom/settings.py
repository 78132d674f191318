"""Settings of the procedural head-CT phantom (sizes in voxels, lengths in mm, HU)."""

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, Field, StrictBool, StrictInt, model_validator

from lesionbench.config import KeyProblem, Number, Settings

#: In-plane field of view (mm) when ``pixel_spacing_mm`` is not given: 0.45 mm x 512.
DEFAULT_FOV_MM = 0.45 * 512


def _ordered(pair: tuple[float, float]) -> tuple[float, float]:
    if pair[0] > pair[1]:
        raise ValueError(f"low {pair[0]} is above high {pair[1]}")
    return pair


def _quota_fits_its_block(pair: tuple[int, int]) -> tuple[int, int]:
    if pair[0] > pair[1]:
        raise ValueError(f"{pair[0]} AVM cases do not fit in a block of {pair[1]}")
    return pair


def _odd(value: int) -> int:
    if value % 2 != 1:
        raise ValueError(f"must be odd, got {value}")
    return value


_HuRange = Annotated[tuple[Annotated[Number, Field(ge=0.0, le=40.0)], Annotated[Number, Field(ge=0.0, le=40.0)]],
                     AfterValidator(_ordered)]


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
        avm_fraction: fraction of the lesion cases labelled ``"avm"`` (paper 001's classes),
            on a low-discrepancy sequence over the case index (so about, not exactly, this
            share); ignored when ``avm_quota`` is set.
        avm_quota: ``[k, n]``: exactly ``k`` AVM cases among the lesion cases of every block of
            ``n`` consecutive case indices (``0 .. n-1``, ``n .. 2n-1``, ...), the others
            ``"other"``: a permutation of each block seeded by ``(seed, block)``. ``[42, 80]``
            with ``cases: 80`` is paper 001's cohort of 42 AVM / 38 other. A case's class still
            depends on ``seed`` and its index only (not on ``cases``); ``null``: ``avm_fraction``.
        avm_texture_hu: ``(low, high)`` amplitude (HU) of an AVM hematoma's density texture
            (a smooth random field, 4-10 mm wavelengths), drawn uniformly per case.
        other_texture_hu: the same for the other hematomas (6-16 mm wavelengths). Ranges that
            overlap make the class harder to read from the hematoma's heterogeneity.
        avm_vessel_fraction: share of the AVM cases drawn with hyperdense serpiginous vessels
            around the hematoma (per case, from its generator); 1: every AVM case. Without
            vessels an AVM hematoma differs from the others by its texture only.
        supratentorial_only: keep hematomas (and AVM vessels) above the tentorium, out of the
            posterior fossa (cerebellum, brainstem, fourth ventricle), as paper 001's cohort
            (section 3.1). ``false`` draws them anywhere in the brain.
        volume_range_ml: ``(low, high)`` hematoma volume (mL), drawn log-uniformly.
        size_split_mm: equivalent-sphere diameter (mm; 30 = paper 001's 3 cm) that splits
            ``volume_range_ml`` in two log-uniform ranges: of each class's lesion cases in each
            ``avm_quota`` block, half (the larger half for an odd count; a permutation seeded by
            ``(seed, block)``) draw their volume below the sphere's volume, the others above, so
            small and large hematomas are balanced across the classes. Needs ``avm_quota``;
            ``null``: one log-uniform range.
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
    avm_quota: Annotated[tuple[Annotated[StrictInt, Field(ge=0)], Annotated[StrictInt, Field(ge=1)]],
                         AfterValidator(_quota_fits_its_block)] | None = None
    avm_texture_hu: _HuRange = (7.0, 10.0)
    other_texture_hu: _HuRange = (1.5, 3.0)
    avm_vessel_fraction: Annotated[Number, Field(ge=0.0, le=1.0)] = 1.0
    supratentorial_only: StrictBool = False
    volume_range_ml: Annotated[tuple[Annotated[Number, Field(gt=0.0, le=150.0)], Annotated[Number, Field(gt=0.0, le=150.0)]],
                               AfterValidator(_ordered)] = (1.0, 80.0)
    size_split_mm: Annotated[Number, Field(gt=0.0)] | None = None
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

    @model_validator(mode="after")
    def _size_split_inside_the_volume_range(self) -> "PhantomSettings":
        if self.size_split_mm is None:
            return self
        from lesionbench.phantom.assignment import sphere_volume_ml

        if self.avm_quota is None:
            raise KeyProblem("size_split_mm", "needs avm_quota (the blocks it balances sizes in)")
        split = sphere_volume_ml(self.size_split_mm)
        low, high = self.volume_range_ml
        if not low < split < high:
            raise KeyProblem("size_split_mm", f"a {self.size_split_mm} mm sphere ({split:.2f} mL) is not inside "
                             f"volume_range_ml ({low}, {high})")
        return self

    @model_validator(mode="after")
    def _avm_quota_fits_the_lesion_cases(self) -> "PhantomSettings":
        if self.avm_quota is None:
            return self
        from lesionbench.phantom.assignment import lesion_indices

        k, n = self.avm_quota
        for block in range(-(-self.cases // n)):
            lesions = len(lesion_indices(self.seed, block * n, (block + 1) * n, self.lesion_free_fraction))
            if lesions < k:
                raise KeyProblem("avm_quota", f"{k} AVM of {n}: cases {block * n}-{block * n + n - 1} hold only "
                                 f"{lesions} lesion cases (lesion_free_fraction {self.lesion_free_fraction})")
        return self

    @property
    def pixel_spacing(self) -> float:
        """In-plane pixel spacing (mm), rounded to 1e-6 mm so it survives a DICOM DS string."""
        value = DEFAULT_FOV_MM / self.matrix if self.pixel_spacing_mm is None else self.pixel_spacing_mm
        return round(float(value), 6)
