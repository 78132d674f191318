"""Settings of the T1 MRI stroke phantom (sizes in voxels, lengths in mm, volumes in mL)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, StrictInt, model_validator

from lesionbench.config import KeyProblem, Number, Settings
from lesionbench.phantom.mri.geometry import COHORTS, MriGrid, ShapeXYZ

#: A scanned field of view under this share of the cohort's (per axis) cuts the brain.
MIN_FOV_SHARE = 0.9


def _ordered(pair: tuple[float, float]) -> tuple[float, float]:
    if pair[0] > pair[1]:
        raise ValueError(f"low {pair[0]} is above high {pair[1]}")
    return pair


def _some_weight(weights: tuple[float, ...]) -> tuple[float, ...]:
    if sum(weights) <= 0:
        raise ValueError("the weights sum to zero")
    return weights


_Fraction = Annotated[Number, Field(ge=0.0, le=1.0)]
_Range = Annotated[tuple[Annotated[Number, Field(ge=0.0)], Annotated[Number, Field(ge=0.0)]], AfterValidator(_ordered)]
#: ``(median mL, sigma of log volume)`` of a log-normal.
_LogNormal = tuple[Annotated[Number, Field(gt=0.0)], Annotated[Number, Field(ge=0.0, le=4.0)]]
_Volume = Annotated[Number, Field(gt=0.0, le=400.0)]


class MriPhantomSettings(Settings):
    """What :func:`lesionbench.phantom.mri.render_case` draws from.

    Attributes:
        cohort: ``atlas`` (ATLAS R2.0-like: 197 x 233 x 189 at 1 mm, MNI-like, 229 cases) or
            ``isles2015`` (ISLES 2015 SISS-like: 230 x 230 x 154 at 1 mm, 28 cases).
        cases: number of cases; default: the cohort's paper-scale count.
        seed: dataset seed; case ``index`` draws from ``numpy.random.default_rng([seed,
            index, stream])`` (streams: 0 anatomy, 1 lesions, 2 acquisition), so a case does
            not depend on ``cases`` nor on the grid's size.
        shape: ``(x, y, z)`` voxels; ``null``: the cohort's shape times ``scale``.
        scale: resolution factor of a demo grid (0.5: 2 mm voxels, about 98 x 116 x 94 for
            ATLAS); ignored with ``shape``.
        spacing_mm: isotropic voxel size (mm); ``null``: the cohort's spacing / ``scale``, or with
            ``shape`` the smallest spacing whose field of view holds the cohort's.
        lesion_free_fraction: share of the cases drawn without a lesion (ATLAS and ISLES 2015
            have none).
        lesion_count_weights: relative probability of 1, 2, 3, ... lesions in a lesion case.
        cortical_fraction: share of the lesions that are cortical (MCA-territory wedges
            reaching the cortex); the others are subcortical (lacunar and deep white-matter).
        cortical_volume_ml: ``(median, sigma)``: a cortical lesion's volume is log-normal,
            ``median * exp(sigma * N(0, 1))``.
        subcortical_volume_ml: the same for the subcortical lesions.
        volume_range_ml: ``(low, high)`` a drawn lesion volume is clipped to.
        noise_fraction: ``(low, high)`` of the per-case Rician noise sigma, relative to the
            white-matter intensity, drawn uniformly.
        bias_strength: ``(low, high)``: the bias field is ``exp(b * P)``, ``P`` a random cubic
            polynomial of the position scaled to ``max |P| = 1`` over the ellipsoid inscribed
            in the field of view, ``b`` drawn uniformly (0.2: up to about +-20 % over the head).
        blur_sigma_voxels: Gaussian partial-volume blur (voxels) before bias and noise.
    """

    WHERE: ClassVar[str] = "phantom"

    cohort: Literal["atlas", "isles2015"] = "atlas"
    cases: Annotated[StrictInt, Field(ge=1)] = 229
    seed: Annotated[StrictInt, Field(ge=0)] = 0
    shape: tuple[Annotated[StrictInt, Field(ge=16, le=1024)], Annotated[StrictInt, Field(ge=16, le=1024)],
                 Annotated[StrictInt, Field(ge=16, le=1024)]] | None = None
    scale: Annotated[Number, Field(ge=0.1, le=2.0)] = 1.0
    spacing_mm: Annotated[Number, Field(ge=0.25, le=10.0)] | None = None
    lesion_free_fraction: _Fraction = 0.0
    lesion_count_weights: Annotated[tuple[Annotated[Number, Field(ge=0.0)], ...], Field(min_length=1, max_length=8),
                                    AfterValidator(_some_weight)] = (0.6, 0.25, 0.15)
    cortical_fraction: _Fraction = 0.5
    cortical_volume_ml: _LogNormal = (10.0, 1.3)
    subcortical_volume_ml: _LogNormal = (0.8, 1.0)
    volume_range_ml: Annotated[tuple[_Volume, _Volume], AfterValidator(_ordered)] = (0.02, 250.0)
    noise_fraction: _Range = (0.01, 0.035)
    bias_strength: _Range = (0.05, 0.2)
    blur_sigma_voxels: Annotated[Number, Field(ge=0.0, le=3.0)] = 0.5

    @model_validator(mode="before")
    @classmethod
    def _cohort_defaults(cls, data: Any) -> Any:
        """Drop a workflow source's ``kind`` (and ``modality: MR``); ``cases`` defaults to the
        cohort's paper-scale count."""
        if not isinstance(data, Mapping):
            return data
        if data.get("modality", "MR") != "MR":
            raise KeyProblem("modality", f"the T1 phantom is MR, not {data['modality']!r}")
        data = {k: v for k, v in data.items() if k not in ("kind", "modality")}
        cohort = COHORTS.get(str(data.get("cohort", "atlas")))
        if "cases" not in data and cohort is not None:
            data["cases"] = cohort.cases
        return data

    @model_validator(mode="after")
    def _field_of_view_holds_the_brain(self) -> MriPhantomSettings:
        if self.shape is not None and self.scale != 1.0:
            raise KeyProblem("scale", "give shape or scale, not both")
        full = COHORTS[self.cohort].fov_mm
        fov = [n * self.spacing for n in self.shape_xyz]
        if any(f < MIN_FOV_SHARE * g for f, g in zip(fov, full)):
            raise KeyProblem("spacing_mm", f"{self.shape_xyz} voxels of {self.spacing} mm are a field of view of "
                             f"{[round(f) for f in fov]} mm, under {MIN_FOV_SHARE:.0%} of the {self.cohort} "
                             f"cohort's {[round(g) for g in full]} mm: the brain would be cut")
        return self

    @property
    def shape_xyz(self) -> ShapeXYZ:
        """The grid's ``(x, y, z)`` voxels."""
        if self.shape is not None:
            return self.shape
        return tuple(max(16, round(n * self.scale)) for n in COHORTS[self.cohort].shape)  # type: ignore[return-value]

    @property
    def spacing(self) -> float:
        """The isotropic voxel size (mm), rounded to 1e-4 mm."""
        if self.spacing_mm is not None:
            return round(float(self.spacing_mm), 4)
        cohort = COHORTS[self.cohort]
        if self.shape is None:
            return round(cohort.spacing_mm / self.scale, 4)
        return round(max(f / n for f, n in zip(cohort.fov_mm, self.shape)), 4)

    def grid(self) -> MriGrid:
        """The grid every case of the dataset is drawn on (centred on the cohort's field of view)."""
        return MriGrid.centred(self.shape_xyz, self.spacing, COHORTS[self.cohort].fov_center_ras)
