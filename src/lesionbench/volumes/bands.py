"""ABC/2 against the voxel-count volume of the reference mask, by volume band.

Paper 002 (introduction) quotes the clinical ABC/2 (Tada) formula's error growing with the
bleeding volume (25.93% at 50 mL) and for irregular shapes; the literature reports that ABC/2
overestimates large and irregular haematomas. This table shows, per band of the reference
voxel volume (``CompareSettings.volume_bands_ml``, default ``<20, 20-40, >=40`` mL), how the
ABC/2 estimate of the reference mask (``ref_abc2_ml``: :func:`lesionbench.metrics.abc2_ml`)
compares with its voxel-count volume (``ref_volume_ml``). Bands are left-closed:
``[0, 20)``, ``[20, 40)``, ``[40, inf)``.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from lesionbench.stats.frames import metric_values, select_cases
from lesionbench.volumes.agreement import mae, rmse

#: Columns of ``stats/abc2_bands.tsv``.
BAND_COLUMNS = ["band", "low_ml", "high_ml", "n", "voxel_mean_ml", "abc2_mean_ml", "mean_difference_ml",
                "mean_relative_error_pct", "median_ratio", "rmse_ml", "mae_ml"]
VOXEL_COLUMN = "ref_volume_ml"
ABC2_COLUMN = "ref_abc2_ml"


def band_labels(edges: tuple[float, ...]) -> list[tuple[str, float, float]]:
    """``[(label, low, high), ...]`` for band edges, e.g. ``(20, 40)`` ->
    ``<20 mL``, ``20-40 mL``, ``>=40 mL``."""
    bounds = [0.0, *map(float, edges), float("inf")]
    out = []
    for low, high in itertools.pairwise(bounds):
        if low == 0.0:
            label = f"<{high:g} mL"
        elif np.isinf(high):
            label = f"≥{low:g} mL"
        else:
            label = f"{low:g}–{high:g} mL"
        out.append((label, low, high))
    return out


def abc2_by_band(frame: pd.DataFrame, edges: tuple[float, ...], subset: str = "auto",
                 where: str = "reference metrics") -> pd.DataFrame:
    """ABC/2 vs voxel volume of the reference masks, per volume band and over all cases.

    Args:
        frame: one experiment's metrics (the reference columns are the same in every
            experiment's table).
        edges: band edges in mL.
        subset: case selection rule (cases with a reference lesion by default).
        where: the experiment, for error messages.

    Returns:
        One row per band plus ``"all"``, columns :data:`BAND_COLUMNS`: means in mL, mean
        difference ``ABC/2 - voxel`` (positive = overestimate), mean relative error
        ``100 (ABC/2 - voxel) / voxel`` in %, median ratio ``ABC/2 / voxel``, RMSE and MAE in mL.

    Raises:
        MetricsTableError: if ``ref_volume_ml`` or ``ref_abc2_ml`` is absent.
    """
    chosen = select_cases(frame, subset, where)
    voxel = metric_values(chosen, VOXEL_COLUMN, where).to_numpy()
    abc2 = metric_values(chosen, ABC2_COLUMN, where).to_numpy()
    keep = np.isfinite(voxel) & np.isfinite(abc2) & (voxel > 0)
    voxel, abc2 = voxel[keep], abc2[keep]
    rows = []
    for label, low, high in [*band_labels(edges), ("all", 0.0, float("inf"))]:
        inside = (voxel >= low) & (voxel < high)
        v, a = voxel[inside], abc2[inside]
        n = int(inside.sum())
        rows.append({
            "band": label, "low_ml": low, "high_ml": high, "n": n,
            "voxel_mean_ml": v.mean() if n else np.nan, "abc2_mean_ml": a.mean() if n else np.nan,
            "mean_difference_ml": (a - v).mean() if n else np.nan,
            "mean_relative_error_pct": (100.0 * (a - v) / v).mean() if n else np.nan,
            "median_ratio": float(np.median(a / v)) if n else np.nan,
            "rmse_ml": rmse(v, a), "mae_ml": mae(v, a),
        })
    return pd.DataFrame(rows, columns=BAND_COLUMNS)
