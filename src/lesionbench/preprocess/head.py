"""The head (foreground) of an MRI volume, for z-score normalisation within the head.

MRI intensities have no physical unit, so each channel is standardised by the mean and
standard deviation of the voxels inside the head (the ISLES'22 recipe: "MRI intensity
normalisation, z-score within the head"); the air around the head, often most of the
volume, would otherwise dominate both statistics.

Foreground per channel is Otsu's threshold (SimpleITK's ``OtsuThresholdImageFilter``); the
channels' foregrounds are united (dark CSF of DWI is bright on ADC), the largest 3D connected
component is kept (noise specks in the air) and holes are filled in every axial slice and in
3D (ventricles, dark lesions). Only the composition is written here.
"""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk
from scipy import ndimage


def otsu_threshold(values_zyx: np.ndarray) -> float:
    """Otsu's threshold of one channel (SimpleITK, 256 histogram bins)."""
    otsu = sitk.OtsuThresholdImageFilter()
    otsu.SetInsideValue(0)
    otsu.SetOutsideValue(1)
    otsu.SetNumberOfHistogramBins(256)
    otsu.Execute(sitk.GetImageFromArray(np.ascontiguousarray(values_zyx, dtype=np.float32)))
    return float(otsu.GetThreshold())


def head_mask(image_czyx: np.ndarray) -> np.ndarray:
    """Boolean ``(Z, Y, X)`` mask of the head in a ``(C, Z, Y, X)`` volume.

    Args:
        image_czyx: intensities, any unit; constant channels contribute nothing.

    Returns:
        The filled largest connected component of the union of the channels' Otsu
        foregrounds; all ``False`` if every channel is constant.
    """
    image = np.asarray(image_czyx, dtype=np.float32)
    foreground = np.zeros(image.shape[1:], dtype=bool)
    for channel in image:
        if float(channel.max()) > float(channel.min()):
            foreground |= channel > otsu_threshold(channel)
    labels, count = ndimage.label(foreground)
    if count == 0:
        return foreground
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    head = labels == int(np.argmax(sizes))
    for z in range(head.shape[0]):
        head[z] = ndimage.binary_fill_holes(head[z])
    return ndimage.binary_fill_holes(head)
