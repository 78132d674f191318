"""Reading and writing image volumes (NIfTI and anything SimpleITK reads).

SimpleITK is the one image library used for geometry: its ``Image`` carries origin, spacing
and direction in LPS, and writes the NIfTI qform/sform (converted to RAS) itself. Arrays from
:func:`SimpleITK.GetArrayFromImage` are indexed ``(z, y, x)``.
"""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

from lesionbench.io.atomic import atomic_path
from lesionbench.typing import PathLike


class ImageFileError(ValueError):
    """A file could not be read as an image, or its content is unusable."""


def read_image(path: PathLike, pixel_type: int = sitk.sitkFloat32) -> sitk.Image:
    """Read an image file, cast to ``pixel_type``.

    Raises:
        ImageFileError: naming the file, if it cannot be read or holds NaN voxels only.
    """
    try:
        image = sitk.ReadImage(str(path))
    except RuntimeError as error:
        raise ImageFileError(f"{path}: cannot be read as an image ({_first_line(error)})") from error
    image = sitk.Cast(image, pixel_type) if image.GetPixelID() != pixel_type else image
    if pixel_type in (sitk.sitkFloat32, sitk.sitkFloat64):
        array = sitk.GetArrayViewFromImage(image)
        if array.size and (np.isnan(array).all() or _nifti_all_nan(path)):
            raise ImageFileError(f"{path}: every voxel is NaN")
    return image


def _nifti_all_nan(path: PathLike) -> bool:
    """Whether a floating-point NIfTI holds only NaN.

    SimpleITK's NIfTI reader turns NaN voxels into 0, so an all-NaN file would read as an
    empty image; nibabel reads the stored values as they are.
    """
    name = str(path).lower()
    if not name.endswith((".nii", ".nii.gz")):
        return False
    import nibabel

    image = nibabel.load(str(path))
    if not np.issubdtype(image.get_data_dtype(), np.floating):
        return False
    return bool(np.isnan(np.asanyarray(image.dataobj)).all())


def read_mask(path: PathLike) -> sitk.Image:
    """Read a binary mask as ``uint8`` with values 0 and 1 (anything non-zero becomes 1)."""
    image = read_image(path, sitk.sitkFloat32)
    mask = sitk.Cast(sitk.NotEqual(image, 0.0), sitk.sitkUInt8)
    return mask


def write_image(image: sitk.Image, path: PathLike, compress: bool = True) -> None:
    """Write ``image`` atomically; the format follows the suffix of ``path``."""
    with atomic_path(path) as tmp:
        sitk.WriteImage(image, str(tmp), compress)


def same_grid(a: sitk.Image, b: sitk.Image, tolerance_mm: float = 1e-3) -> bool:
    """Whether two images share size, spacing, origin and direction (within ``tolerance_mm``)."""
    return (
        a.GetSize() == b.GetSize()
        and np.allclose(a.GetSpacing(), b.GetSpacing(), atol=tolerance_mm)
        and np.allclose(a.GetOrigin(), b.GetOrigin(), atol=tolerance_mm)
        and np.allclose(a.GetDirection(), b.GetDirection(), atol=1e-4)
    )


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__
