"""Compressed transfer syntaxes of clinical archives: JPEG Lossless, JPEG 2000, RLE."""

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk
from ingest_helpers import datasets_by_z
from pydicom.uid import JPEG2000Lossless, JPEGLosslessSV1, RLELossless

from lesionbench.ingest import DicomFileError, dicom_to_image, pixels
from lesionbench.ingest.dicom_files import SliceFile


def _encode_with_simpleitk(stored: np.ndarray, compressor: str, scratch) -> pydicom.DataElement:
    """The encapsulated PixelData element GDCM writes for ``stored`` (int16, one slice)."""
    writer = sitk.ImageFileWriter()
    writer.SetImageIO("GDCMImageIO")
    writer.SetFileName(str(scratch))
    writer.SetUseCompression(True)
    writer.SetCompressor(compressor)
    writer.Execute(sitk.GetImageFromArray(stored[None].astype(np.int16)))
    return pydicom.dcmread(scratch)["PixelData"]


def _compress_series(folder, syntax, tmp_path):
    for path, dataset in datasets_by_z(folder):
        stored = dataset.pixel_array
        if syntax == RLELossless:
            dataset.compress(RLELossless, encoding_plugin="pydicom")
        else:
            compressor = {JPEGLosslessSV1: "JPEG", JPEG2000Lossless: "JPEG2000"}[syntax]
            dataset["PixelData"] = _encode_with_simpleitk(stored, compressor, tmp_path / "scratch.dcm")
            dataset.file_meta.TransferSyntaxUID = syntax
        dataset.save_as(path, enforce_file_format=True)


@pytest.mark.parametrize("syntax", [JPEGLosslessSV1, JPEG2000Lossless, RLELossless])
def test_compressed_series_reads_like_the_uncompressed_one(series_copy, phantom_case, tmp_path, syntax):
    _, case = phantom_case
    _compress_series(series_copy, syntax, tmp_path)
    first = pydicom.dcmread(next(series_copy.glob("*.dcm")))
    assert first.file_meta.TransferSyntaxUID == syntax
    image, info = dicom_to_image(series_copy)
    assert np.array_equal(sitk.GetArrayFromImage(image), np.rint(case.hu).astype(np.float32))
    assert info["source"]["transfer_syntax"] == syntax.name
    # pydicom where a decoder is installed (pylibjpeg plugins: see pyproject.toml), else GDCM
    expected = "pydicom" if pixels.pydicom_can_decode(first) else "SimpleITK (GDCM)"
    assert info["source"]["decoder"] == expected


@pytest.mark.parametrize("syntax", [JPEGLosslessSV1, JPEG2000Lossless])
def test_simpleitk_decodes_when_pydicom_has_no_decoder(series_copy, phantom_case, tmp_path, monkeypatch, syntax):
    _, case = phantom_case
    _compress_series(series_copy, syntax, tmp_path)
    monkeypatch.setattr(pixels, "pydicom_can_decode", lambda dataset: False)
    from lesionbench.ingest import dicom_series

    monkeypatch.setattr(dicom_series, "pydicom_can_decode", lambda dataset: False)
    image, info = dicom_to_image(series_copy)
    assert np.array_equal(sitk.GetArrayFromImage(image), np.rint(case.hu).astype(np.float32))
    assert info["source"]["decoder"] == "SimpleITK (GDCM)"


def test_corrupt_codestream_names_the_file(series_copy, tmp_path):
    _compress_series(series_copy, JPEGLosslessSV1, tmp_path)
    victim = sorted(series_copy.glob("*.dcm"))[2]
    dataset = pydicom.dcmread(victim)
    frame = next(pydicom.encaps.generate_frames(dataset.PixelData, number_of_frames=1))
    dataset.PixelData = pydicom.encaps.encapsulate([frame[:2] + frame[40:]])  # frame header cut out
    dataset.save_as(victim)
    with pytest.raises(DicomFileError) as info:
        dicom_to_image(series_copy)
    assert str(info.value).startswith(f"{victim}: cannot decode pixel data (JPEG Lossless")


def test_simpleitk_decoder_undoes_the_rescale(series_copy):
    path, dataset = datasets_by_z(series_copy)[0]
    stored = pixels.decode_with_simpleitk(SliceFile(path, dataset))
    assert np.array_equal(stored, dataset.pixel_array)
