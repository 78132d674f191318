"""Brain mask of the real GE head CT in shared/data (tilt-corrected, resampled by ingest)."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from lesionbench.brainmask import brain_mask_file, qc_path_for
from lesionbench.ingest import convert_series
from tests.shared_data import shared_data


@pytest.fixture(scope="module")
def ge_image(tmp_path_factory):
    out = tmp_path_factory.mktemp("ge") / "images" / "ge.nii.gz"
    convert_series(shared_data("head_ct_dicom", "GE_tilt18_human"), out)
    return out


def test_intracranial_volume_is_plausible_and_qc_is_written(ge_image, tmp_path):
    out = tmp_path / "brain" / "ge.nii.gz"
    mask = brain_mask_file(ge_image, out, qc_path=qc_path_for(out), title="GE_tilt18_human")
    spacing = mask.GetSpacing()
    array = sitk.GetArrayFromImage(mask)
    volume_ml = float(array.sum()) * spacing[0] * spacing[1] * spacing[2] / 1000.0
    assert 1100.0 <= volume_ml <= 1800.0
    assert (tmp_path / "brain" / "ge_qc.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the mask is one body inside the head: its slices are contiguous and it leaves the air out
    covered = np.flatnonzero(array.reshape(array.shape[0], -1).any(axis=1))
    assert np.array_equal(covered, np.arange(covered[0], covered[-1] + 1)) and covered.size >= 30
    hu = sitk.GetArrayFromImage(sitk.ReadImage(str(ge_image)))
    assert np.median(hu[array.astype(bool)]) == pytest.approx(30.0, abs=15.0)  # brain parenchyma HU
