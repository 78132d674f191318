#!/usr/bin/env python
"""How learnable is the phantom's AVM-vs-other class? A hand-feature baseline for paper 001's cohort.

Paper 001 (section 3.1; paper 001) classifies 80 intracerebral hemorrhages as AVM-related or
other: 42 AVM / 38 other (docs/paper001.md, A-1), supratentorial, 4.5 mm slices at 0.408 mm in-plane
(512 matrix, ~209 mm field of view; A-2). This script builds that cohort with the phantom
(or reads a written phantom dataset), measures a few features of the REFERENCE lesion on the
image, and reports the stratified, seeded k-fold cross-validated AUC of a logistic regression
on them (out-of-fold probabilities pooled over all subjects, as the paper pools its 80):

    phantom paper-001 cohort: 80 subjects (42 AVM / 38 other), logistic regression on
    [mean_hu, sd_hu_interior, solidity]: AUC 0.xx (5-fold CV)

The class should be learnable but not trivial: the AUC clearly above 0.5 and below ~0.95.

Features (on the reference mask; HU rounded as the DICOM stores them):
    mean_hu         mean HU inside the lesion
    sd_hu           HU standard deviation over the whole lesion mask (edge partial volume included)
    sd_hu_interior  HU standard deviation inside the lesion eroded by one voxel in-plane (clear
                    of the partial volume at the edge, which dominates ``sd_hu`` at coarse pixels;
                    the whole mask when fewer than 20 voxels remain)
    solidity        lesion voxels / voxels of their convex hull (lesionbench.phantom.solidity)
    sv_ratio        surface (mm^2, voxel faces) / volume (mm^3)
    rim_max_hu      99th percentile HU in a 3 mm shell around the lesion (inside the brain)
    hyper_ml        volume (mL) of voxels >= 100 HU within 10 mm of the lesion, outside it and
                    over 4 mm inside the brain mask (clear of the skull's partial volume): the
                    AVM's hyperdense vessels, which lie outside the reference mask
The default baseline uses mean_hu, sd_hu_interior and solidity (--features to change).

Usage (full size: 80 cases at 512 x 512 x 32; about 5-10 s per case and worker):
    PYTHONPATH=src python scripts/phantom_class_baseline.py
    PYTHONPATH=src python scripts/phantom_class_baseline.py --matrix 256          # 0.816 mm pixels
    PYTHONPATH=src python scripts/phantom_class_baseline.py --cases 40 --avm 21 --matrix 128 --slices 24
    PYTHONPATH=src python scripts/phantom_class_baseline.py --dataset results/<dataset>/raw
Needs scikit-learn (the ``test`` extra); no GPU.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from scipy import ndimage

#: Paper 001's field of view: 0.408 mm x 512 pixels.
PAPER_FOV_MM = 0.408 * 512
#: Equivalent diameter (mm) separating "small" and "large" hematomas (paper 001, Fig. 5: 3.0 cm).
SPLIT_DIAMETER_MM = 30.0
DEFAULT_FEATURES = ("mean_hu", "sd_hu_interior", "solidity")
#: The cohort's hematoma rendering. With the phantom's defaults every AVM case has hyperdense
#: vessels and a texture 7-10 HU against 1.5-3 HU: ``hyper_ml`` alone separates the classes
#: (AUC 1.00) and ``sd_hu_interior`` nearly (0.96). Overlapping texture ranges and vessels in half
#: of the AVM cases leave an ideal observer an AUC of about 0.96 (the vessel-bearing half ranked
#: first, 0.5 + 0.5 x 0.93; texture alone 0.93 = 1 - P(AVM amplitude < other amplitude) = 1 - 2/27
#: for U(4, 10) vs U(1.5, 6)).
PAPER_001_RENDERING = {"avm_texture_hu": [4.0, 10.0], "other_texture_hu": [1.5, 6.0], "avm_vessel_fraction": 0.5}
ALL_FEATURES = ("mean_hu", "sd_hu", "solidity", "sv_ratio", "sd_hu_interior", "rim_max_hu", "hyper_ml")


def cohort_settings(args: argparse.Namespace) -> dict:
    """The phantom source block of the paper-001 cohort at the requested size."""
    values = {
        "cases": args.cases, "seed": args.seed, "matrix": args.matrix, "slices": args.slices,
        "slice_thickness_mm": args.slice_thickness,
        "pixel_spacing_mm": round(args.fov_mm / args.matrix, 6),
        "lesion_free_fraction": 0.0, "avm_quota": [args.avm, args.cases], "supratentorial_only": True,
        "volume_range_ml": list(args.volume_range),
    }
    if args.size_split_mm:
        values["size_split_mm"] = args.size_split_mm
    if args.rendering == "cohort":
        values.update(PAPER_001_RENDERING)
    if args.settings:
        extra = args.settings
        values.update(json.loads(Path(extra).read_text()) if os.path.isfile(extra) else json.loads(extra))
    return values


def lesion_features(hu: np.ndarray, lesion: np.ndarray, brain: np.ndarray,
                    spacing_zyx: tuple[float, float, float]) -> dict[str, float]:
    """Features of the reference lesion (arrays ``(Z, Y, X)``; ``hu`` as stored, integer HU)."""
    from lesionbench.phantom.solidity import solidity

    lesion = lesion.astype(bool)
    if not lesion.any():
        raise ValueError("empty reference lesion")
    # Work in the lesion's bounding box plus a 15 mm margin (the vessel search reaches 10 mm).
    low, high = np.argwhere(lesion).min(axis=0), np.argwhere(lesion).max(axis=0) + 1
    margin = [int(np.ceil(15.0 / s)) + 1 for s in spacing_zyx]
    box = tuple(slice(max(0, int(lo) - m), min(n, int(hi) + m))
                for lo, hi, m, n in zip(low, high, margin, lesion.shape))
    hu, lesion, brain = hu[box], lesion[box], brain[box]
    values = hu[lesion].astype(np.float64)
    inner = ndimage.binary_erosion(lesion, structure=np.ones((1, 3, 3), bool))
    inner_values = hu[inner].astype(np.float64) if inner.sum() >= 20 else values
    dz, dy, dx = spacing_zyx
    faces = {0: dy * dx, 1: dz * dx, 2: dz * dy}
    padded = np.pad(lesion, 1)
    surface = sum(np.count_nonzero(np.diff(padded.astype(np.int8), axis=axis)) * area
                  for axis, area in faces.items())
    volume_mm3 = float(lesion.sum()) * dz * dy * dx
    distance = ndimage.distance_transform_edt(~lesion, sampling=spacing_zyx)
    brain = brain.astype(bool)
    shell = (distance > 0) & (distance <= 3.0) & brain
    deep = ndimage.distance_transform_edt(np.pad(brain, 1, mode="edge"), sampling=spacing_zyx)[1:-1, 1:-1, 1:-1] > 4.0
    near = (distance > 0) & (distance <= 10.0) & deep
    return {
        "mean_hu": float(values.mean()),
        "sd_hu": float(values.std()),
        "solidity": float(solidity(lesion)),
        "sv_ratio": float(surface / volume_mm3),
        "sd_hu_interior": float(inner_values.std()),
        "rim_max_hu": float(np.percentile(hu[shell], 99)) if shell.any() else float("nan"),
        "hyper_ml": float(np.count_nonzero(near & (hu >= 100))) * dz * dy * dx / 1000.0,
        "volume_ml": volume_mm3 / 1000.0,
        "equivalent_diameter_mm": float(2.0 * (3.0 * volume_mm3 / (4.0 * np.pi)) ** (1.0 / 3.0)),
        "max_axial_diameter_mm": max_axial_diameter_mm(lesion, (dy, dx)),
    }


def max_axial_diameter_mm(lesion: np.ndarray, spacing_yx: tuple[float, float]) -> float:
    """Largest in-plane distance (mm) between two lesion voxel centres on one slice."""
    from scipy.spatial import ConvexHull, QhullError

    best = 0.0
    for plane in lesion:
        points = np.argwhere(plane) * np.asarray(spacing_yx)
        if len(points) < 2:
            continue
        try:
            points = points[ConvexHull(points).vertices]
        except QhullError:  # collinear
            pass
        differences = points[:, None, :] - points[None, :, :]
        best = max(best, float(np.sqrt((differences ** 2).sum(-1)).max()))
    return best


def _generated_case(job: tuple[int, dict]) -> dict:
    from lesionbench.phantom import PhantomSettings, render_case

    index, values = job
    start = time.perf_counter()
    case = render_case(index, PhantomSettings.from_dict(values))
    seconds = time.perf_counter() - start
    if not case.truth.has_lesion:
        raise SystemExit(f"case {case.truth.case_id} has no lesion (set lesion_free_fraction 0)")
    row = {"case_id": case.truth.case_id, "lesion_class": case.truth.lesion_class,
           "intraventricular": case.truth.intraventricular, "near_skull": case.truth.near_skull,
           "render_s": seconds}
    row.update(lesion_features(np.rint(case.hu), case.lesion, case.brain, case.grid.spacing_zyx))
    return row


def _written_case(job: tuple[str, dict]) -> dict:
    import SimpleITK as sitk

    from lesionbench.ingest import dicom_to_image
    from lesionbench.io import read_mask
    from lesionbench.phantom import case_paths

    root, truth = job
    paths = case_paths(root, truth["case_id"])
    image, _ = dicom_to_image(paths["dicom"])
    hu = sitk.GetArrayFromImage(image)
    lesion = sitk.GetArrayFromImage(read_mask(paths["mask"]))
    brain = sitk.GetArrayFromImage(read_mask(paths["brain"]))
    sx, sy, sz = image.GetSpacing()
    out = {key: truth[key] for key in ("case_id", "lesion_class", "intraventricular", "near_skull")}
    out["render_s"] = float("nan")
    out.update(lesion_features(hu, lesion, brain, (sz, sy, sx)))
    return out


def cross_validated_auc(x: np.ndarray, y: np.ndarray, folds: int, seed: int) -> tuple[float, np.ndarray, list[float]]:
    """Pooled out-of-fold AUC of a standardised L2 logistic regression, stratified seeded folds.

    Returns ``(pooled AUC, out-of-fold probabilities, per-fold AUCs)``.
    """
    try:
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import roc_auc_score
        from sklearn.model_selection import StratifiedKFold
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
    except ImportError:  # pragma: no cover
        raise SystemExit("scikit-learn is needed: pip install -e '.[test]'") from None
    probabilities = np.empty(len(y))
    per_fold = []
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
        model.fit(x[train], y[train])
        probabilities[test] = model.predict_proba(x[test])[:, 1]
        if len(set(y[test])) == 2:
            per_fold.append(float(roc_auc_score(y[test], probabilities[test])))
    return float(roc_auc_score(y, probabilities)), probabilities, per_fold


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=80, help="subjects (default 80)")
    parser.add_argument("--avm", type=int, help="AVM subjects among them (default: 42 of 80, in proportion)")
    parser.add_argument("--seed", type=int, default=1, help="phantom seed (default 1)")
    parser.add_argument("--matrix", type=int, default=512, help="in-plane pixels (default 512)")
    parser.add_argument("--slices", type=int, default=32, help="axial slices (default 32)")
    parser.add_argument("--slice-thickness", type=float, default=4.5, help="mm (default 4.5)")
    parser.add_argument("--fov-mm", type=float, default=PAPER_FOV_MM,
                        help=f"in-plane field of view, mm (default {PAPER_FOV_MM:.3f}: 0.408 mm at 512)")
    parser.add_argument("--volume-range", type=float, nargs=2, default=(2.0, 60.0), metavar=("LOW", "HIGH"),
                        help="hematoma volume range, mL, log-uniform (default 2 60)")
    parser.add_argument("--size-split-mm", type=float, default=SPLIT_DIAMETER_MM,
                        help="equivalent diameter splitting each class half small, half large (default 30; 0: off)")
    parser.add_argument("--rendering", choices=("cohort", "default"), default="cohort",
                        help="hematoma texture / vessels: the cohort's (default) or the phantom's defaults")
    parser.add_argument("--settings", metavar="JSON", help="further PhantomSettings fields (inline JSON or a file)")
    parser.add_argument("--dataset", metavar="DIR",
                        help="read a written phantom dataset (DIR/cases/*.json, DIR/dicom/, DIR/masks/, DIR/brain/: "
                             "`lesionbench phantom DIR` or the workflow's results/<dataset>/raw) instead of generating")
    parser.add_argument("--features", nargs="+", default=list(DEFAULT_FEATURES), choices=ALL_FEATURES)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cv-seed", type=int, default=0, help="seed of the stratified folds")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="processes (default 2)")
    parser.add_argument("--out", metavar="TSV", help="write the per-subject features and probabilities here")
    parser.add_argument("--all-features", action="store_true",
                        help="also report the AUC of each feature alone and of all of them")
    args = parser.parse_args(argv)
    if args.avm is None:
        args.avm = int(round(args.cases * 42 / 80))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    if args.dataset:
        root = Path(args.dataset)
        truths = [json.loads(path.read_text()) for path in sorted((root / "cases").glob("*.json"))]
        if not truths:
            raise SystemExit(f"{root / 'cases'}: no case JSON (give the folder holding dicom/, masks/, cases/)")
        jobs = [(str(root), truth) for truth in truths if truth["has_lesion"]]
        worker, label = _written_case, f"phantom dataset {root}"
    else:
        values = cohort_settings(args)
        from lesionbench.phantom import PhantomSettings

        PhantomSettings.from_dict(values)  # fail early, naming the key
        jobs, worker, label = [(i, values) for i in range(args.cases)], _generated_case, "phantom paper-001 cohort"
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            rows = list(pool.map(worker, jobs))
    else:
        rows = [worker(job) for job in jobs]
    wall = time.perf_counter() - start
    y = np.array([row["lesion_class"] == "avm" for row in rows], int)
    x = np.array([[row[name] for name in args.features] for row in rows], float)
    auc, probabilities, per_fold = cross_validated_auc(x, y, args.folds, args.cv_seed)
    n_avm = int(y.sum())
    print(f"{label}: {len(rows)} subjects ({n_avm} AVM / {len(rows) - n_avm} other), logistic regression on "
          f"[{', '.join(args.features)}]: AUC {auc:.2f} ({args.folds}-fold CV)")
    print(f"  per-fold AUC {np.mean(per_fold):.2f} +- {np.std(per_fold):.2f}; cv seed {args.cv_seed}")
    for name, key in (("equivalent", "equivalent_diameter_mm"), ("max axial", "max_axial_diameter_mm")):
        large = np.array([row[key] >= SPLIT_DIAMETER_MM for row in rows])
        print(f"  {name} diameter < 3 cm / >= 3 cm: {int((~large).sum())} / {int(large.sum())} "
              f"(AVM {int((~large & (y == 1)).sum())} / {int((large & (y == 1)).sum())}, "
              f"other {int((~large & (y == 0)).sum())} / {int((large & (y == 0)).sum())})")
    volumes = np.array([row["volume_ml"] for row in rows])
    print(f"  volume mL: median {np.median(volumes):.1f}, range {volumes.min():.1f}-{volumes.max():.1f}; "
          f"intraventricular {sum(bool(r['intraventricular']) for r in rows)}, "
          f"near skull {sum(bool(r['near_skull']) for r in rows)}")
    render = [row["render_s"] for row in rows if np.isfinite(row["render_s"])]
    if render:
        print(f"  time: {wall:.0f} s wall on {args.workers} worker(s), {np.mean(render):.1f} s per case rendering "
              f"({wall * args.workers / len(rows):.1f} s per case and worker incl. features)")
    if args.all_features:
        for names in [(name,) for name in ALL_FEATURES] + [ALL_FEATURES]:
            columns = [ALL_FEATURES.index(name) for name in names]
            full = np.array([[row[name] for name in ALL_FEATURES] for row in rows], float)
            single, _, _ = cross_validated_auc(full[:, columns], y, args.folds, args.cv_seed)
            print(f"  AUC on [{', '.join(names)}]: {single:.2f}")
    if args.out:
        keys = ["case_id", "lesion_class", *ALL_FEATURES, "volume_ml", "equivalent_diameter_mm",
                "max_axial_diameter_mm", "intraventricular", "near_skull", "render_s"]
        with open(args.out, "w", newline="") as handle:
            writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
            writer.writerow([*keys, "prob_avm"])
            for row, p in zip(rows, probabilities):
                writer.writerow([*(row[k] for k in keys), f"{p:.6f}"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
