"""Connected-component post-processing of binary lesion masks.

A post-processing *step* is a small dict naming one registered operation and its options:

- ``{"name": "none"}``: the mask unchanged;
- ``{"name": "largest_component"}``: keep only the largest connected component;
- ``{"name": "min_volume", "min_ml": 0.5}``: remove every component smaller than ``min_ml`` mL.

Connectivity is *full*: two foreground voxels are connected when they share a face, an edge
or a corner (26 neighbours in 3D; in a one-slice volume ``(1, Y, X)`` this is 8 neighbours in
the plane). Components are labelled by :func:`scipy.ndimage.label`.

Volumes are physical: voxel count x voxel volume (the product of the image spacing, mm^3),
divided by 1000 for mL. On one grid every voxel has the same volume, so the largest component
by physical volume is also the largest by voxel count.

Each operation of :data:`OPERATIONS` decides, from the component volumes alone, which
components to keep; :func:`apply` labels the mask once and keeps those components. The
choice between the steps is made on cross-validation in :mod:`lesionbench.postprocess.select`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import SimpleITK as sitk
from scipy import ndimage

from lesionbench.typing import SpacingXYZ

#: Relative tolerance of the ``min_volume`` threshold: a component of exactly ``min_ml`` mL
#: (up to floating-point rounding of count x voxel volume) is kept.
VOLUME_RTOL = 1e-9

BoolVector = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Components:
    """The connected components of one binary mask.

    Attributes:
        labels: int ``(Z, Y, X)``; 0 is background, components are ``1..n`` in raster order
            of their first voxel.
        voxels: int ``(n,)``; voxel count of component ``i + 1``.
        voxel_ml: volume of one voxel in mL.
    """

    labels: npt.NDArray[np.integer]
    voxels: npt.NDArray[np.int64]
    voxel_ml: float

    @property
    def count(self) -> int:
        """Number of components ``n``."""
        return int(self.voxels.size)

    @property
    def volumes_ml(self) -> npt.NDArray[np.float64]:
        """float ``(n,)``; volume of each component in mL."""
        return self.voxels.astype(np.float64) * self.voxel_ml

    def keep(self, kept: BoolVector) -> npt.NDArray[np.uint8]:
        """The mask of the kept components.

        Args:
            kept: bool ``(n,)``; whether component ``i + 1`` stays.

        Returns:
            uint8 ``(Z, Y, X)`` with values 0 and 1.
        """
        lookup = np.concatenate(([False], np.asarray(kept, dtype=bool))).astype(np.uint8)
        return lookup[self.labels]


@dataclass(frozen=True)
class Operation:
    """One registered post-processing operation.

    Attributes:
        select: ``select(volumes_ml, **options)`` -> bool ``(n,)``, the components to keep,
            given float ``(n,)`` component volumes in mL.
        options: names of the options the step dict must carry (besides ``name``).
    """

    select: Callable[..., BoolVector]
    options: tuple[str, ...] = ()


def _keep_all(volumes_ml: npt.NDArray[np.float64]) -> BoolVector:
    """Every component stays."""
    return np.ones(volumes_ml.shape, dtype=bool)


def _keep_largest(volumes_ml: npt.NDArray[np.float64]) -> BoolVector:
    """Only the largest component stays; of equal ones, the first in raster order."""
    kept = np.zeros(volumes_ml.shape, dtype=bool)
    if volumes_ml.size:
        kept[int(np.argmax(volumes_ml))] = True
    return kept


def _keep_at_least(volumes_ml: npt.NDArray[np.float64], min_ml: float) -> BoolVector:
    """Components of at least ``min_ml`` mL stay (within :data:`VOLUME_RTOL`)."""
    return volumes_ml >= min_ml * (1.0 - VOLUME_RTOL)


#: step name -> operation. The order is the order of simplicity used to break ties in
#: :func:`lesionbench.postprocess.select.choose_postprocessing`.
OPERATIONS: dict[str, Operation] = {
    "none": Operation(_keep_all),
    "largest_component": Operation(_keep_largest),
    "min_volume": Operation(_keep_at_least, options=("min_ml",)),
}


def parse_step(step: Mapping[str, Any], where: str = "step") -> dict[str, Any]:
    """Check a step dict and return its canonical form.

    Options of other steps may be present as ``None`` (as in a bundle's ``model.json``) and are
    dropped.

    Args:
        step: ``{"name": ..., **options}``.
        where: what to call the step in error messages.

    Returns:
        ``{"name": name}`` or ``{"name": "min_volume", "min_ml": float}``.

    Raises:
        ValueError: naming ``where``, for an unknown name, a missing, unknown or invalid option.
    """
    if not isinstance(step, Mapping):
        raise ValueError(f"{where}: expected a dict with a 'name', got {step!r}")  # noqa: TRY004
    name = step.get("name")
    if name not in OPERATIONS:
        raise ValueError(f"{where}: unknown post-processing {name!r}; valid: {', '.join(OPERATIONS)}")
    operation = OPERATIONS[name]
    given = {key: value for key, value in step.items() if key != "name" and value is not None}
    unknown = sorted(set(given) - set(operation.options))
    missing = [key for key in operation.options if key not in given]
    if unknown or missing:
        raise ValueError(f"{where}: {name} takes option(s) {list(operation.options)}; "
                         f"unknown {unknown}, missing {missing}")
    canonical: dict[str, Any] = {"name": name}
    for key in operation.options:
        canonical[key] = _positive(given[key], f"{where}.{key}")
    return canonical


def _positive(value: Any, where: str) -> float:
    """``value`` as a finite positive float."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{where}: expected a positive number, got {value!r}")  # noqa: TRY004
    value = float(value)
    if not math.isfinite(value) or value <= 0.0:
        raise ValueError(f"{where}: expected a positive number, got {value!r}")
    return value


def step_label(step: Mapping[str, Any]) -> str:
    """A short readable name: ``none``, ``largest_component``, ``min_volume(0.5 mL)``."""
    step = parse_step(step)
    return f"min_volume({step['min_ml']:g} mL)" if step["name"] == "min_volume" else step["name"]


def label_components(mask_zyx: npt.ArrayLike, spacing_xyz: SpacingXYZ) -> Components:
    """Label the fully connected components of a binary mask.

    Args:
        mask_zyx: ``(Z, Y, X)`` mask, bool or 0/1 (any non-zero voxel is foreground).
        spacing_xyz: voxel spacing ``(x, y, z)`` in mm, as SimpleITK reports it.

    Raises:
        ValueError: if the mask is not 3D or the spacing is not three positive values.
    """
    mask = np.asarray(mask_zyx)
    if mask.ndim != 3:
        raise ValueError(f"expected a (Z, Y, X) mask, got shape {mask.shape}")
    voxel_ml = _voxel_ml(spacing_xyz)
    structure = ndimage.generate_binary_structure(3, 3)  # full connectivity: 26 neighbours
    labels, count = ndimage.label(mask != 0, structure=structure)
    voxels = np.bincount(labels.ravel(), minlength=count + 1)[1:].astype(np.int64)
    return Components(labels=labels, voxels=voxels, voxel_ml=voxel_ml)


def _voxel_ml(spacing_xyz: SpacingXYZ) -> float:
    """Volume of one voxel in mL from an ``(x, y, z)`` spacing in mm."""
    spacing = tuple(spacing_xyz)
    if len(spacing) != 3:
        raise ValueError(f"spacing {spacing} is not three values (x, y, z) in mm")
    return math.prod(_positive(s, "spacing") for s in spacing) / 1000.0


def component_volumes_ml(mask_zyx: npt.ArrayLike, spacing_xyz: SpacingXYZ) -> list[float]:
    """Volume of each connected component in mL, in raster order of their first voxel.

    Args:
        mask_zyx: ``(Z, Y, X)`` mask, bool or 0/1.
        spacing_xyz: voxel spacing ``(x, y, z)`` in mm.

    Returns:
        One volume (mL) per component; empty for an empty mask.
    """
    return [float(v) for v in label_components(mask_zyx, spacing_xyz).volumes_ml]


def component_count(mask_zyx: npt.ArrayLike, spacing_xyz: SpacingXYZ = (1.0, 1.0, 1.0)) -> int:
    """Number of fully connected components of a ``(Z, Y, X)`` mask.

    Args:
        mask_zyx: ``(Z, Y, X)`` mask, bool or 0/1.
        spacing_xyz: voxel spacing ``(x, y, z)`` in mm; checked, but the count does not depend on it.
    """
    return label_components(mask_zyx, spacing_xyz).count


def apply_to_components(components: Components, step: Mapping[str, Any]) -> npt.NDArray[np.uint8]:
    """Apply a step to an already labelled mask (label once, try several steps).

    Returns:
        uint8 ``(Z, Y, X)`` with values 0 and 1.
    """
    step = parse_step(step)
    operation = OPERATIONS[step["name"]]
    options = {key: step[key] for key in operation.options}
    return components.keep(operation.select(components.volumes_ml, **options))


def apply(mask_zyx: npt.ArrayLike, spacing_xyz: SpacingXYZ, step: Mapping[str, Any]) -> npt.NDArray[np.uint8]:
    """Apply a post-processing step to a binary mask.

    Args:
        mask_zyx: ``(Z, Y, X)`` mask, uint8 0/1 or bool (any non-zero voxel is foreground);
            not modified.
        spacing_xyz: voxel spacing ``(x, y, z)`` in mm, as SimpleITK reports it.
        step: ``{"name": "none"}``, ``{"name": "largest_component"}`` or
            ``{"name": "min_volume", "min_ml": float}``.

    Returns:
        A new uint8 ``(Z, Y, X)`` array with values 0 and 1. An empty mask stays empty.

    Raises:
        ValueError: for an invalid step, a mask that is not 3D or an invalid spacing.
    """
    step = parse_step(step)
    return apply_to_components(label_components(mask_zyx, spacing_xyz), step)


def apply_to_image(image: sitk.Image, step: Mapping[str, Any]) -> sitk.Image:
    """Apply a post-processing step to a 3D label image.

    Args:
        image: 3D binary image (any pixel type; non-zero is foreground).
        step: a step dict, see :func:`apply`.

    Returns:
        A uint8 0/1 image on the same grid (origin, spacing, direction copied).

    Raises:
        ValueError: for an invalid step or an image that is not 3D.
    """
    if image.GetDimension() != 3:
        raise ValueError(f"expected a 3D image, got {image.GetDimension()}D")
    mask = apply(sitk.GetArrayViewFromImage(image), image.GetSpacing(), step)
    result = sitk.GetImageFromArray(mask)
    result.CopyInformation(image)
    return result
