"""Paper 001's cohort in the phantom: exact class counts, supratentorial lesions, balanced sizes,
4.5 mm x 0.408 mm geometry, per-class rendering; the defaults stay as they were."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk

from lesionbench.ingest import dicom_to_image
from lesionbench.io import settings_hash
from lesionbench.phantom import PhantomSettings, generate_case, render_case
from lesionbench.phantom.anatomy import PETROUS, TENTORIUM, TISSUES, _ventricles, draw_head, infratentorial
from lesionbench.phantom.assignment import lesion_class_of, sphere_volume_ml
from lesionbench.phantom.case import plan_lesion
from lesionbench.phantom.fields import ellipsoid_inside
from lesionbench.phantom.lesion import TEXTURE_HU

#: Paper 001's cohort as a phantom source block (full size: matrix 512, pixel_spacing_mm 0.408).
COHORT = {"cases": 80, "seed": 1, "matrix": 512, "slices": 32, "slice_thickness_mm": 4.5,
          "pixel_spacing_mm": 0.408, "lesion_free_fraction": 0.0, "avm_quota": [42, 80],
          "supratentorial_only": True, "volume_range_ml": [2.0, 60.0], "size_split_mm": 30.0,
          "avm_texture_hu": [4.0, 10.0], "other_texture_hu": [1.5, 6.0], "avm_vessel_fraction": 0.5}
#: The same at 64 x 64 (8 x larger pixels, the same ~209 mm field of view).
SMALL = {**COHORT, "matrix": 64, "pixel_spacing_mm": 3.264}
NEW_FIELDS = ("avm_quota", "supratentorial_only", "size_split_mm", "avm_texture_hu", "other_texture_hu",
              "avm_vessel_fraction")


def _plans(values):
    """Each case's lesion plan, without rendering (the plan's draws come after the head's)."""
    settings = PhantomSettings.from_dict(values)
    plans = []
    for index in range(settings.cases):
        rng = np.random.default_rng([settings.seed, index])
        draw_head(rng)
        plans.append(plan_lesion(index, settings, rng))
    return plans


def test_cohort_has_exactly_42_avm_and_38_other():
    plans = _plans(SMALL)
    assert all(plan is not None for plan in plans)  # every subject has a lesion
    classes = [plan.lesion_class for plan in plans]
    assert (classes.count("avm"), classes.count("other")) == (42, 38)
    for seed in (0, 7, 123):
        counts = [lesion_class_of(seed, i, 0.3, (42, 80), 0.0) for i in range(80)]
        assert counts.count("avm") == 42
    # The classes are not in index order.
    assert 0 < classes[:40].count("avm") < 40


def test_exact_count_holds_among_the_lesion_cases():
    values = {"cases": 12, "seed": 3, "matrix": 64, "slices": 8, "lesion_free_fraction": 0.25, "avm_quota": [4, 12]}
    plans = _plans(values)
    lesions = [plan for plan in plans if plan is not None]
    assert 8 <= len(lesions) <= 10
    assert sum(plan.lesion_class == "avm" for plan in lesions) == 4


def test_class_depends_on_seed_and_index_not_on_order_or_cases():
    settings = PhantomSettings.from_dict(SMALL)
    alone = render_case(37, settings)
    for index in (5, 79, 0):
        render_case(index, settings)
    again = render_case(37, settings)
    assert again.truth == alone.truth and np.array_equal(again.hu, alone.hu)
    # More cases (a workflow's test_cases) start a second block: the first 80 keep their class.
    longer = PhantomSettings.from_dict({**SMALL, "cases": 100})
    extended = render_case(37, longer)
    assert extended.truth == alone.truth and np.array_equal(extended.hu, alone.hu)
    assert [p.lesion_class for p in _plans({**SMALL, "cases": 100})[:80]] == [p.lesion_class for p in _plans(SMALL)]
    other_seed = [p.lesion_class for p in _plans({**SMALL, "seed": 2})]
    assert other_seed != [p.lesion_class for p in _plans(SMALL)] and other_seed.count("avm") == 42


def test_sizes_are_split_at_3_cm_within_each_class():
    plans = _plans(SMALL)
    split = sphere_volume_ml(30.0)
    assert split == pytest.approx(14.137, abs=1e-3)
    for name, total in (("avm", 42), ("other", 38)):
        volumes = [plan.volume_ml for plan in plans if plan.lesion_class == name]
        small = sum(v < split for v in volumes)
        assert (small, len(volumes) - small) == (total // 2, total // 2)
        assert 2.0 <= min(volumes) and max(volumes) <= 60.0


def _tentorium_points():
    q = np.mgrid[-60:60:1.5, -30:90:1.5, -70:40:1.5].astype(np.float32)
    qx, qy, qz = q
    below = (qz < TENTORIUM[0] - TENTORIUM[1] * qy - TENTORIUM[2] * np.abs(qx)) & (
        qy > PETROUS[0] + PETROUS[1] * np.abs(qx))
    return qx, qy, qz, below


@pytest.mark.parametrize("scale", [0.8, 1.0, 1.35])  # the range of draw_head's ventricle_scale
def test_tentorium_separates_the_fourth_ventricle_from_the_others(scale):
    qx, qy, qz, below = _tentorium_points()
    ventricles = _ventricles(qx, qy, qz, scale)
    fourth = ellipsoid_inside(qx, qy, qz, (0, 36, -36), (5 * scale, 3.5 * scale, 6 * scale))
    assert fourth.sum() > 20 and np.all(below[fourth])
    assert not np.any(below[ventricles & ~fourth])


def test_cohort_lesions_are_supratentorial():
    settings = PhantomSettings.from_dict({**SMALL, "cases": 12, "avm_quota": [6, 12]})
    anywhere = PhantomSettings.from_dict({**SMALL, "cases": 12, "avm_quota": [6, 12], "supratentorial_only": False})
    hits_anywhere = 0
    for index in range(settings.cases):
        head = draw_head(np.random.default_rng([settings.seed, index]))
        case = render_case(index, settings)
        below = infratentorial(case.grid, head)
        assert case.truth.has_lesion
        assert not np.any(below & case.lesion.astype(bool)), case.truth.case_id
        assert not np.any(below & (case.tissue == TISSUES["vessel"])), case.truth.case_id
        free = render_case(index, anywhere)
        hits_anywhere += bool(np.any(below & free.lesion.astype(bool)))
    # Without the option the same cohort does bleed into the posterior fossa.
    assert hits_anywhere >= 1


def test_written_geometry_is_4_5_mm_by_0_408_mm(tmp_path):
    values = {**COHORT, "slices": 3, "volume_range_ml": [2.0, 5.0], "size_split_mm": None}
    settings = PhantomSettings.from_dict(values)
    assert settings.pixel_spacing == 0.408 and settings.pixel_spacing * settings.matrix == pytest.approx(208.896)
    truth = generate_case(tmp_path, 0, settings)
    datasets = [pydicom.dcmread(p) for p in sorted((tmp_path / "dicom" / truth.case_id).glob("*.dcm"))]
    assert len(datasets) == 3
    for dataset in datasets:
        assert [float(v) for v in dataset.PixelSpacing] == [0.408, 0.408]
        assert float(dataset.SliceThickness) == 4.5 == float(dataset.SpacingBetweenSlices)
        assert (dataset.Rows, dataset.Columns) == (512, 512)
    z = sorted(float(d.ImagePositionPatient[2]) for d in datasets)
    assert np.allclose(np.diff(z), 4.5)
    image, _ = dicom_to_image(tmp_path / "dicom" / truth.case_id)
    assert image.GetSpacing() == pytest.approx((0.408, 0.408, 4.5))
    for folder in ("masks", "brain"):
        mask = sitk.ReadImage(str(tmp_path / folder / f"{truth.case_id}.nii.gz"))
        assert mask.GetSpacing() == pytest.approx((0.408, 0.408, 4.5))
        assert mask.GetSize() == (512, 512, 3)
    assert truth.has_lesion


def test_reduced_matrix_keeps_the_field_of_view():
    settings = PhantomSettings.from_dict(SMALL)
    assert settings.pixel_spacing * settings.matrix == pytest.approx(0.408 * 512)
    case = render_case(0, settings)
    assert case.grid.spacing == (3.264, 3.264, 4.5) and case.hu.shape == (32, 64, 64)


def test_vessel_fraction_and_texture_ranges():
    none = PhantomSettings.from_dict({**SMALL, "cases": 80, "avm_vessel_fraction": 0.0})
    avm = [i for i, p in enumerate(_plans(SMALL)) if p.lesion_class == "avm"][:3]
    for index in avm:
        assert not np.any(render_case(index, none).tissue == TISSUES["vessel"])
    with_vessels = PhantomSettings.from_dict({**SMALL, "avm_vessel_fraction": 1.0})
    assert all(np.any(render_case(i, with_vessels).tissue == TISSUES["vessel"]) for i in avm)
    # A flat texture gives a more homogeneous hematoma than a strong one, all else equal.
    flat = render_case(avm[0], PhantomSettings.from_dict({**SMALL, "avm_texture_hu": [0.0, 0.0],
                                                          "noise_hu": [0.0, 0.0]}))
    rough = render_case(avm[0], PhantomSettings.from_dict({**SMALL, "avm_texture_hu": [10.0, 10.0],
                                                           "noise_hu": [0.0, 0.0]}))
    assert np.array_equal(flat.lesion, rough.lesion)
    inner = flat.lesion.astype(bool) & (flat.tissue == TISSUES["hematoma"])
    assert flat.hu[inner].std() < rough.hu[inner].std()


def test_new_fields_default_to_the_old_phantom():
    settings = PhantomSettings.from_dict({})
    assert settings.avm_quota is None and settings.size_split_mm is None
    assert settings.supratentorial_only is False and settings.avm_vessel_fraction == 1.0
    assert settings.avm_texture_hu == TEXTURE_HU["avm"] and settings.other_texture_hu == TEXTURE_HU["other"]
    base = {"cases": 3, "seed": 4, "matrix": 64, "slices": 8, "avm_fraction": 0.7}
    explicit = {**base, "avm_texture_hu": [7.0, 10.0], "other_texture_hu": [1.5, 3.0], "avm_vessel_fraction": 1.0,
                "supratentorial_only": False, "avm_quota": None, "size_split_mm": None}
    for index in range(3):
        a = render_case(index, PhantomSettings.from_dict(base))
        b = render_case(index, PhantomSettings.from_dict(explicit))
        assert a.truth == b.truth and np.array_equal(a.hu, b.hu) and np.array_equal(a.tissue, b.tissue)


def test_provenance_hash_ignores_new_fields_at_their_default(tmp_path):
    values = {"cases": 2, "seed": 5, "matrix": 64, "slices": 6}
    generate_case(tmp_path, 0, PhantomSettings.from_dict(values))
    record = json.loads((tmp_path / "cases" / "ph000.json").read_text())
    old_keys = {k: v for k, v in PhantomSettings.from_dict(values).to_dict().items()
                if k != "cases" and k not in NEW_FIELDS}
    assert record["provenance"]["settings_hash"] == settings_hash(old_keys)
    generate_case(tmp_path / "sup", 0, PhantomSettings.from_dict({**values, "supratentorial_only": True}))
    other = json.loads((tmp_path / "sup" / "cases" / "ph000.json").read_text())
    assert other["provenance"]["settings_hash"] != record["provenance"]["settings_hash"]


@pytest.mark.parametrize("data, message", [
    ({"avm_quota": [43, 42]}, "phantom.avm_quota: 43 AVM cases do not fit in a block of 42"),
    ({"cases": 12, "lesion_free_fraction": 0.5, "avm_quota": [10, 12]}, "phantom.avm_quota: 10 AVM of 12"),
    ({"size_split_mm": 30.0}, "phantom.size_split_mm: needs avm_quota"),
    ({"avm_quota": [2, 4], "size_split_mm": 80.0}, "phantom.size_split_mm: a 80.0 mm sphere"),
    ({"avm_texture_hu": [9, 3]}, "phantom.avm_texture_hu"),
    ({"avm_vessel_fraction": 1.5}, "phantom.avm_vessel_fraction: must be <= 1"),
])
def test_bad_cohort_settings_name_the_key(data, message):
    with pytest.raises(ValueError) as info:
        PhantomSettings.from_dict(data)
    assert message in str(info.value)


def _baseline_script():
    path = Path(__file__).resolve().parents[3] / "scripts" / "phantom_class_baseline.py"
    spec = importlib.util.spec_from_file_location("phantom_class_baseline", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_baseline_script_runs_at_a_tiny_size(tmp_path, capsys):
    pytest.importorskip("sklearn")
    script = _baseline_script()
    out = tmp_path / "features.tsv"
    assert script.main(["--cases", "12", "--matrix", "64", "--slices", "32", "--folds", "3", "--workers", "1",
                        "--out", str(out)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("phantom paper-001 cohort: 12 subjects (6 AVM / 6 other), logistic regression on "
                            "[mean_hu, sd_hu_interior, solidity]: AUC ")
    assert first.endswith(" (3-fold CV)")
    rows = out.read_text().splitlines()
    assert len(rows) == 13 and rows[0].startswith("case_id\tlesion_class\tmean_hu")
    values = script.cohort_settings(script.parse_args(["--matrix", "256"]))
    assert values["pixel_spacing_mm"] == 0.816 and values["avm_quota"] == [42, 80]
    assert {k: values[k] for k in COHORT} == {**COHORT, "matrix": 256, "pixel_spacing_mm": 0.816}
