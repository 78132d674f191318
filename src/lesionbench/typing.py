"""Named type aliases used across the package (after TorchIO's ``typing.py``)."""

from __future__ import annotations

import os
from typing import Union

import numpy as np
import numpy.typing as npt

PathLike = Union[str, os.PathLike]
#: Voxel spacing in millimetres, in (x, y, z) order as SimpleITK and NIfTI report it.
SpacingXYZ = tuple[float, float, float]
#: Voxel spacing in millimetres, in (z, y, x) order, matching numpy arrays from SimpleITK.
SpacingZYX = tuple[float, float, float]
#: A binary mask as a boolean or 0/1 integer array.
Mask = npt.NDArray[np.bool_]
#: A float array of Hounsfield units or normalised intensities.
FloatArray = npt.NDArray[np.floating]
