"""Paper 003 Tables 3.2-3.3: DSC, DSC(G), recall, precision, Jaccard (section 3.5.2: per-case
means, DSC(G) over all cases) and the boundary metrics ASD, HD95 with the differences
"Ours - X" and the P-value of the DSC comparison (section 3.6.2).

The thesis does not name its test; the P here is the configured paired Wilcoxon test of DSC
against the reference with the configured correction over the DSC comparisons. Differences are
reference mean minus model mean (negative: the reference's boundary error is smaller). Three
decimals, p-values below 0.001 in scientific notation, as in Table 3.3.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lesionbench.stats.styles.base import StyleContext, StyledTable, columns, fmt
from lesionbench.stats.tables import REFERENCE_MARK, format_p_scientific

CAPTION = "Comparison with previous methods and boundary segmentation (paper 003 Tables 3.2-3.3 layout)"
DECIMALS = 3
OVERLAP = "Overlap (Table 3.2)"
BOUNDARY = "Boundary (Table 3.3)"
MEANS = (("dice", "DSC"), ("sensitivity", "Recall"), ("ppv", "Precision"), ("iou", "Jaccard"))
DISTANCES = (("asd", "ASD (mm)"), ("hd95", "HD95 (mm)"))


def paper003(ctx: StyleContext) -> StyledTable:
    """One row per model; columns DSC, DSC(G), Recall, Precision, Jaccard | ASD, HD95, ΔASD,
    ΔHD95, P (DSC)."""
    settings = ctx.settings
    decimals = ctx.decimals("paper003", DECIMALS)
    dsc_g = ctx.global_dice.set_index("model")["dsc_global"]
    reference_means = {m: ctx.mean(settings.reference, m) for m, _ in DISTANCES}
    rows, cells = [], []
    for model in ctx.models:
        is_ref = model == settings.reference
        row = {"model": model, "label": settings.label(model), "n": ctx.describe(model, "dice")["n"],
               **{m: ctx.mean(model, m) for m, _ in MEANS}, "dsc_global": float(dsc_g.get(model, np.nan)),
               **{m: ctx.mean(model, m) for m, _ in DISTANCES}}
        for metric, _ in DISTANCES:
            row[f"delta_{metric}"] = np.nan if is_ref else reference_means[metric] - row[metric]
        row["p_adjusted"] = ctx.p_adjusted("dice", model, ("dice",))
        rows.append(row)
        cells.append([fmt(row["dice"], decimals), fmt(row["dsc_global"], decimals)]
                     + [fmt(row[m], decimals) for m, _ in MEANS[1:]]
                     + [fmt(row[m], decimals) for m, _ in DISTANCES]
                     + [REFERENCE_MARK if is_ref else fmt(row[f"delta_{m}"], decimals) for m, _ in DISTANCES]
                     + [format_p_scientific(row["p_adjusted"], settings.p_floor, is_ref)])
    pairs = ([(OVERLAP, "DSC"), (OVERLAP, "DSC(G)")] + [(OVERLAP, h) for _, h in MEANS[1:]]
             + [(BOUNDARY, h) for _, h in DISTANCES] + [(BOUNDARY, f"Δ{h}") for _, h in DISTANCES]
             + [(BOUNDARY, "P (DSC)")])
    display = pd.DataFrame(cells, index=pd.Index([r["label"] for r in rows], name="Method"), columns=columns(pairs))
    ref = settings.label(settings.reference)
    note = (f"Means over {ctx.n_cases()} cases with a reference lesion; DSC(G) = 2 ΣTP / (2 ΣTP + ΣFP + ΣFN) over "
            f"all cases; ASD and HD95 means over the cases where both masks are non-empty; Δ = {ref} minus the "
            f"model; P: {settings.alternative} Wilcoxon signed-rank test of DSC vs {ref}, adjusted by "
            f"{settings.correction}.")
    return StyledTable(pd.DataFrame(rows), display, note, CAPTION)
