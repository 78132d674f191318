"""Choosing the post-processing on cross-validation predictions (lesionbench.postprocess.select)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import SimpleITK as sitk

from lesionbench.postprocess import (
    CRITERION,
    candidate_steps,
    choose_postprocessing,
    collect_cases,
    read_decision,
    write_decision,
)
from lesionbench.postprocess.select import pick

SPACING_XYZ = (2.0, 2.0, 5.0)  # one voxel is 20 mm^3 = 0.02 mL
SHAPE_ZYX = (6, 16, 16)
NONE, LARGEST = {"name": "none"}, {"name": "largest_component"}


def _write(path, array, spacing=SPACING_XYZ):
    image = sitk.GetImageFromArray(np.asarray(array, dtype=np.uint8))
    image.SetSpacing(spacing)
    image.SetOrigin((-3.0, 1.0, 20.0))
    path.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(image, str(path))
    return path


def _lesion(x0=2):
    """The large lesion: 3 x 4 x 4 = 48 voxels = 0.96 mL."""
    mask = np.zeros(SHAPE_ZYX, dtype=np.uint8)
    mask[1:4, 2:6, x0 : x0 + 4] = 1
    return mask


def _small_lesion():
    """A second, real lesion far from the first: 2 x 3 x 3 = 18 voxels = 0.36 mL."""
    mask = np.zeros(SHAPE_ZYX, dtype=np.uint8)
    mask[3:5, 10:13, 10:13] = 1
    return mask


def _specks(mask, *points):
    """``mask`` with single-voxel false positives (0.02 mL each)."""
    mask = mask.copy()
    for point in points:
        mask[point] = 1
    return mask


def _cases(tmp_path, pairs):
    """Write ``{case: (prediction, reference)}`` and return the (case, pred, ref) tuples."""
    return [(case, _write(tmp_path / "pred" / f"{case}.nii.gz", pred), _write(tmp_path / "ref" / f"{case}.nii.gz", ref))
            for case, (pred, ref) in pairs.items()]


def _candidate(decision, step):
    return next(entry for entry in decision["candidates"] if entry["step"] == step)


def test_candidate_steps_in_order_of_simplicity():
    assert candidate_steps([1, 0.5, 1.0]) == [NONE, LARGEST, {"name": "min_volume", "min_ml": 0.5},
                                              {"name": "min_volume", "min_ml": 1.0}]
    assert [s.get("min_ml") for s in candidate_steps()][2:] == [0.1, 0.5, 1.0, 2.0, 5.0]
    with pytest.raises(ValueError, match="candidates_ml"):
        candidate_steps([0.5, 0.0])


@pytest.mark.parametrize(("means", "chosen"), [
    ([0.5, 0.5, 0.5], 0),  # ties: the simplest
    ([0.5, 0.5 + 1e-9, 0.4], 0),  # within the tolerance of none
    ([0.5, 0.6, 0.6], 1),  # tie between two improvements: the simpler
    ([0.5, 0.6, 0.6 + 1e-9], 1),
    ([0.5, 0.6, 0.7], 2),
    ([0.5, 0.5 + 0.9e-6, 0.5 + 1.8e-6], 0),  # the simplest near-best step does not beat none
    ([0.5, 0.4, 0.3], 0),
])
def test_pick_keeps_none_unless_a_step_improves_by_more_than_the_tolerance(means, chosen):
    assert pick(means, tolerance=1e-6) == chosen


def test_false_positive_specks_choose_the_largest_component(tmp_path):
    cases = _cases(tmp_path, {
        "c0": (_specks(_lesion(), (5, 14, 14)), _lesion()),  # dice 96/97 -> 1
        "c1": (_specks(_lesion(x0=3), (5, 14, 14), (0, 12, 0)), _lesion()),  # 72/98 -> 72/96
        "c2": (_lesion(), _lesion()),  # 1 -> 1
    })
    decision = choose_postprocessing(cases)
    assert decision["chosen"] == LARGEST
    assert decision["cases"] == 3 and decision["criterion"] == CRITERION
    none, largest = _candidate(decision, NONE), _candidate(decision, LARGEST)
    assert none["mean_dice"] == pytest.approx((96 / 97 + 72 / 98 + 1) / 3)
    assert largest["mean_dice"] == pytest.approx((1 + 0.75 + 1) / 3)
    assert (none["cases_changed"], largest["cases_changed"]) == (0, 2)
    # min_volume 0.1 mL removes the same specks (a tie: the simpler step wins); 1 mL removes every lesion.
    tenth_ml = _candidate(decision, {"name": "min_volume", "min_ml": 0.1})
    assert tenth_ml["mean_dice"] == pytest.approx(largest["mean_dice"])
    one_ml = _candidate(decision, {"name": "min_volume", "min_ml": 1.0})
    assert one_ml["mean_dice"] == 0.0 and one_ml["cases_changed"] == 3
    assert decision["provenance"]["candidates_ml"] == [0.1, 0.5, 1.0, 2.0, 5.0]


def test_two_real_lesions_per_case_keep_none(tmp_path):
    cases = _cases(tmp_path, {
        "c0": (_lesion(x0=3) | _small_lesion(), _lesion() | _small_lesion()),
        "c1": (_lesion() | _small_lesion(), _lesion() | _small_lesion()),
    })
    decision = choose_postprocessing(cases)
    assert decision["chosen"] == NONE
    none, largest = _candidate(decision, NONE), _candidate(decision, LARGEST)
    # c0: TP 36 + 18, FP 12, FN 12 -> 108 / 132; largest_component loses the small lesion: 72 / 114.
    assert none["mean_dice"] == pytest.approx((108 / 132 + 1) / 2)
    assert largest["mean_dice"] == pytest.approx((72 / 114 + 96 / 114) / 2)
    assert largest["mean_dice"] < none["mean_dice"] and largest["cases_changed"] == 2
    # min_volume 0.1 mL keeps both lesions (no change, a tie with none); 0.5 mL drops the small one.
    assert _candidate(decision, {"name": "min_volume", "min_ml": 0.1})["cases_changed"] == 0
    assert _candidate(decision, {"name": "min_volume", "min_ml": 0.5})["mean_dice"] < none["mean_dice"]


def test_specks_on_lesion_free_scans_choose_the_smallest_min_volume(tmp_path):
    empty = np.zeros(SHAPE_ZYX, dtype=np.uint8)
    cases = _cases(tmp_path, {
        "c0": (_specks(empty, (2, 8, 8)), empty),  # 0 unless the speck goes: then both empty = 1
        "c1": (_specks(_lesion(), (5, 14, 14)), _lesion()),
        "c2": (empty, empty),  # both empty: 1 for every step
    })
    decision = choose_postprocessing(cases, candidates_ml=[0.5, 0.1])
    assert decision["chosen"] == {"name": "min_volume", "min_ml": 0.1}
    assert _candidate(decision, NONE)["mean_dice"] == pytest.approx((0 + 96 / 97 + 1) / 3)
    assert _candidate(decision, LARGEST)["mean_dice"] == pytest.approx((0 + 1 + 1) / 3)
    assert _candidate(decision, decision["chosen"])["mean_dice"] == pytest.approx(1.0)
    assert [entry["step"] for entry in decision["candidates"]][2:] == [
        {"name": "min_volume", "min_ml": 0.1}, {"name": "min_volume", "min_ml": 0.5}]


def test_a_grid_mismatch_names_both_files(tmp_path):
    pred = _write(tmp_path / "pred" / "c0.nii.gz", _lesion(), spacing=(2.0, 2.0, 2.5))
    ref = _write(tmp_path / "ref" / "c0.nii.gz", _lesion())
    with pytest.raises(ValueError, match="same grid") as error:
        choose_postprocessing([("c0", pred, ref)])
    assert str(pred) in str(error.value) and str(ref) in str(error.value)


def test_no_cases_or_a_case_listed_twice_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="at least one case"):
        choose_postprocessing([])
    cases = _cases(tmp_path, {"c0": (_lesion(), _lesion())})
    with pytest.raises(ValueError, match="more than once: \\['c0'\\]"):
        choose_postprocessing(cases + cases)


def test_collect_cases_pairs_fold_predictions_with_masks(tmp_path):
    for fold, case in ((0, "c0"), (1, "c1"), (1, "c2")):
        _write(tmp_path / "pred" / f"fold-{fold}" / f"{case}.nii.gz", _lesion())
        _write(tmp_path / "masks" / f"{case}.nii.gz", _lesion())
    _write(tmp_path / "pred" / "fold-1" / "probabilities" / "c9.nii.gz", _lesion())  # a subfolder: ignored
    (tmp_path / "pred" / "fold-1" / "notes.txt").write_text("not a mask")
    folds = [tmp_path / "pred" / "fold-0", tmp_path / "pred" / "fold-1"]
    cases = collect_cases(folds, tmp_path / "masks")
    assert [(case, pred.parent.name, ref.name) for case, pred, ref in cases] == [
        ("c0", "fold-0", "c0.nii.gz"), ("c1", "fold-1", "c1.nii.gz"), ("c2", "fold-1", "c2.nii.gz")]

    with pytest.raises(ValueError, match="predicted twice"):
        collect_cases([folds[0], folds[0]], tmp_path / "masks")
    (tmp_path / "masks" / "c2.nii.gz").unlink()
    with pytest.raises(FileNotFoundError, match="fold-1/c2.nii.gz: no reference mask"):
        collect_cases(folds, tmp_path / "masks")
    with pytest.raises(FileNotFoundError, match="no such prediction folder"):
        collect_cases([tmp_path / "missing"], tmp_path / "masks")


def test_decision_round_trip(tmp_path):
    cases = _cases(tmp_path, {"c0": (_specks(_lesion(), (5, 14, 14)), _lesion())})
    decision = choose_postprocessing(cases, candidates_ml=[0.5])
    path = write_decision(decision, tmp_path / "models" / "postprocessing.json")
    assert read_decision(path) == decision
    data = json.loads(path.read_text())
    assert set(data) == {"chosen", "candidates", "cases", "criterion", "provenance"}
    assert data["chosen"] == LARGEST and "lesionbench_version" in data["provenance"]


def _valid():
    return {"chosen": LARGEST, "cases": 2, "criterion": CRITERION, "provenance": {},
            "candidates": [{"step": NONE, "mean_dice": 0.5, "cases_changed": 0},
                           {"step": LARGEST, "mean_dice": 0.6, "cases_changed": 1}]}


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.pop("chosen"), "missing key\\(s\\) \\['chosen'\\]"),
    (lambda d: d.update(chosen={"name": "biggest"}), "chosen: unknown post-processing"),
    (lambda d: d.update(chosen={"name": "min_volume", "min_ml": 1.0}), "not among the candidates"),
    (lambda d: d.update(cases=0), "cases must be a positive integer"),
    (lambda d: d.update(candidates=[]), "non-empty list"),
    (lambda d: d["candidates"][1].update(mean_dice=1.5), "candidates\\[1\\].mean_dice"),
    (lambda d: d["candidates"][0].update(cases_changed=-1), "candidates\\[0\\].cases_changed"),
    (lambda d: d["candidates"][0].pop("step"), "candidates\\[0\\]: expected"),
])
def test_a_bad_decision_file_is_an_error_naming_it(tmp_path, change, message):
    data = _valid()
    change(data)
    path = tmp_path / "postprocessing.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=message) as error:
        read_decision(path)
    assert str(path) in str(error.value)
    with pytest.raises(ValueError, match=message):
        write_decision(data, tmp_path / "out.json")
    assert not (tmp_path / "out.json").exists()


def test_a_decision_file_that_is_missing_or_not_json(tmp_path):
    assert read_decision(_write_json(tmp_path / "ok.json", _valid()))["chosen"] == LARGEST
    with pytest.raises(FileNotFoundError, match="missing.json"):
        read_decision(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{chosen: largest")
    with pytest.raises(ValueError, match="bad.json: not a JSON"):
        read_decision(bad)
    bad.write_text("[1, 2]")
    with pytest.raises(ValueError, match="bad.json: expected a JSON object"):
        read_decision(bad)


def _write_json(path, data):
    path.write_text(json.dumps(data))
    return path
