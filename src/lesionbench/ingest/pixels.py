"""Decode one slice's pixels and convert them to Hounsfield units.

Native and compressed transfer syntaxes (JPEG Lossless, JPEG 2000, JPEG-LS, RLE Lossless) are
decoded by pydicom's pixel handlers (numpy; pylibjpeg, its libjpeg / openjpeg / rle plugins,
or Pillow when installed); when pydicom has no usable decoder for a transfer syntax, the
file is decoded by SimpleITK's GDCM reader, which bundles JPEG, JPEG 2000, JPEG-LS and RLE
codecs. HU = stored * RescaleSlope + RescaleIntercept (PS3.3 C.11.1.1.2); pixels the header
marks as padding (PixelPaddingValue, up to PixelPaddingRangeLimit; PS3.3 C.7.5.1.1.2: stored
values, outside the reconstructed field of view) are set to a configured HU.
"""

from __future__ import annotations

import numpy as np
import pydicom
import SimpleITK as sitk
from pydicom.pixels import get_decoder

from lesionbench.ingest.dicom_files import DicomFileError, SliceFile

GREYSCALE = ("MONOCHROME1", "MONOCHROME2")


def pydicom_can_decode(dataset: pydicom.Dataset) -> bool:
    """Whether pydicom has an installed decoder for the dataset's transfer syntax."""
    syntax = dataset.file_meta.TransferSyntaxUID
    if not syntax.is_compressed:
        return True
    try:
        return bool(get_decoder(syntax).is_available)
    except NotImplementedError:
        return False


def decode_stored(slice_file: SliceFile) -> np.ndarray:
    """The stored pixel values of one single-frame greyscale slice, ``(rows, columns)``.

    Raises:
        DicomFileError: naming the file if it is not greyscale, its pixel data cannot be
            decoded (truncated data, no decoder) or has the wrong shape.
    """
    dataset = slice_file.dataset
    photometric = str(dataset.get("PhotometricInterpretation", "MONOCHROME2"))
    if photometric not in GREYSCALE:
        raise DicomFileError(f"{slice_file.path}: {photometric} pixels; only greyscale images can be read")
    try:
        if pydicom_can_decode(dataset):
            pixels = dataset.pixel_array
        else:
            pixels = decode_with_simpleitk(slice_file)
    except DicomFileError:
        raise
    except Exception as error:  # truncated data, corrupt codestream, bad group 0028 values
        first_line = str(error).splitlines()[0] if str(error) else ""
        raise DicomFileError(f"{slice_file.path}: cannot decode pixel data "
                             f"({dataset.file_meta.TransferSyntaxUID.name}; {type(error).__name__}: {first_line})"
                             ) from error
    expected = (int(dataset.Rows), int(dataset.Columns))
    if pixels.shape != expected:
        raise DicomFileError(f"{slice_file.path}: pixel data of shape {pixels.shape}, expected {expected}")
    return pixels


def decode_with_simpleitk(slice_file: SliceFile) -> np.ndarray:
    """Stored values of a slice decoded by SimpleITK's GDCM reader.

    GDCM applies the modality rescale itself; it is undone here with the header's slope and
    intercept (exact for the integer slopes of CT), so that padding can be found in stored
    values and the rescale is applied in one place (:func:`to_hu`).
    """
    reader = sitk.ImageFileReader()
    reader.SetImageIO("GDCMImageIO")
    reader.SetFileName(str(slice_file.path))
    try:
        image = reader.Execute()
    except RuntimeError as error:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        raise DicomFileError(f"{slice_file.path}: cannot decode pixel data with SimpleITK/GDCM "
                             f"({lines[-1] if lines else 'RuntimeError'})") from error
    values = sitk.GetArrayFromImage(image).astype(np.float64)
    values = values.reshape(values.shape[-2:]) if values.ndim == 3 and values.shape[0] == 1 else values
    slope, intercept = rescale(slice_file.dataset)
    stored = (values - intercept) / slope
    return np.rint(stored) if _is_integer_data(slice_file.dataset) else stored


def rescale(dataset: pydicom.Dataset) -> tuple[float, float]:
    """``(RescaleSlope, RescaleIntercept)``, ``(1, 0)`` where absent."""
    slope, intercept = dataset.get("RescaleSlope"), dataset.get("RescaleIntercept")
    return (1.0 if slope in (None, "") else float(slope)), (0.0 if intercept in (None, "") else float(intercept))


def padding_mask(dataset: pydicom.Dataset, stored: np.ndarray) -> np.ndarray | None:
    """Pixels marked as padding by PixelPaddingValue (and PixelPaddingRangeLimit), or ``None``."""
    value = dataset.get("PixelPaddingValue")
    if value is None or value == "":
        return None
    value = _as_stored_number(value, dataset)
    limit = dataset.get("PixelPaddingRangeLimit")
    if limit is None or limit == "":
        return stored == value
    limit = _as_stored_number(limit, dataset)
    low, high = min(value, limit), max(value, limit)
    return (stored >= low) & (stored <= high)


def to_hu(slice_file: SliceFile, stored: np.ndarray, padding_hu: float | None) -> tuple[np.ndarray, int]:
    """``(hu, n_padding)``: float32 HU of one slice and how many of its pixels were padding.

    Args:
        slice_file: the slice (for its rescale and padding attributes).
        stored: its stored values (:func:`decode_stored`).
        padding_hu: HU for padding pixels; ``None`` keeps them rescaled like any pixel.
    """
    slope, intercept = rescale(slice_file.dataset)
    hu = (stored.astype(np.float64) * slope + intercept).astype(np.float32)
    padding = padding_mask(slice_file.dataset, stored)
    n_padding = int(np.count_nonzero(padding)) if padding is not None else 0
    if padding is not None and padding_hu is not None and n_padding:
        hu[padding] = padding_hu
    return hu, n_padding


def _as_stored_number(value: object, dataset: pydicom.Dataset) -> int:
    """PixelPaddingValue is US or SS by PixelRepresentation; pydicom may hand raw bytes."""
    if isinstance(value, bytes):
        signed = int(dataset.get("PixelRepresentation", 0)) == 1
        return int.from_bytes(value[:2], "little", signed=signed)
    return int(value)  # type: ignore[call-overload]


def _is_integer_data(dataset: pydicom.Dataset) -> bool:
    return "PixelData" in dataset
