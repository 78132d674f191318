"""Paper 002 Tables 1-6: Rvd, Dice, IoU and bleeding-volume RMSE, MAE per model, over all cases
(Tables 1-2) and over the irregular (Tables 3-4) and near-skull (Tables 5-6) subgroups.

The paper prints means with three decimals and no test; the volumes are the voxel-count
volumes of the predicted and reference masks in mL (section 2.2.2, ``HV = H x sum S_n``). The
subgroup flags are the ``{name}_geom`` columns measured from the masks when present
(:mod:`lesionbench.volumes.geometry`), else the label columns.
"""

from __future__ import annotations

import pandas as pd

from lesionbench.stats.styles.base import StyleContext, StyledTable, columns, fmt

CAPTION = "Segmentation and bleeding-volume measurement, all cases and subgroups (paper 002 Tables 1-6 layout)"
DECIMALS = 3
SEGMENTATION = "Segmentation (Tables 1, 3, 5)"
VOLUME = "Bleeding volume (Tables 2, 4, 6)"
HEADERS = {"rvd": "Rvd", "dice": "Dice", "iou": "IoU", "rmse_ml": "RMSE (mL)", "mae_ml": "MAE (mL)"}
#: Segmentation metrics of the subgroup tables (``lesionbench.volumes.tables.SUBGROUP_METRICS``).
SUBGROUP_METRICS = ("rvd", "dice", "iou")
SUBGROUP_NAMES = {"all": "All cases", "irregular": "Irregular", "near_skull": "Near skull"}


def paper002(ctx: StyleContext) -> StyledTable:
    """Rows ``(subgroup, model)``, columns Rvd, Dice, IoU | RMSE, MAE."""
    from lesionbench.volumes.tables import subgroup_table  # imports lesionbench.stats

    data, notes = subgroup_table(ctx.frames, ctx.settings)
    decimals = ctx.decimals("paper002", DECIMALS)
    pairs = [(SEGMENTATION, HEADERS[m]) for m in SUBGROUP_METRICS] + [(VOLUME, HEADERS[c]) for c in ("rmse_ml", "mae_ml")]
    keys = [*SUBGROUP_METRICS, "rmse_ml", "mae_ml"]
    index = pd.MultiIndex.from_arrays(
        [[f"{SUBGROUP_NAMES.get(g, g)} (n = {n})" for g, n in zip(data["subgroup"], _group_sizes(data))],
         data["label"].tolist()], names=["Subgroup", "Model"])
    display = pd.DataFrame([[fmt(row[k], decimals) for k in keys] for _, row in data.iterrows()],
                           index=index, columns=columns(pairs))
    used = [f"{g}: column '{c}'" for g, c in data[["subgroup", "column"]].drop_duplicates().itertuples(index=False)
            if c]
    note = ("Means over the cases with a reference lesion of each group; Rvd = |V_pred - V_ref| / V_ref; "
            "RMSE and MAE of the predicted against the reference lesion volume (voxel count x voxel volume) in mL")
    note += "; " + "; ".join(used + notes) + "." if used or notes else "."
    return StyledTable(data, display, note, CAPTION)


def _group_sizes(data: pd.DataFrame) -> list[int]:
    """Cases of each row's subgroup, counted on the reference model (the first row of a group)."""
    first = data.groupby("subgroup", sort=False)["n"].transform("first")
    return first.astype(int).tolist()
