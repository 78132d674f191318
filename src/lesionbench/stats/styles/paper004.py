"""Paper 004 Table 3: accuracy, precision, sensitivity, specificity and F1 per model, means over
the test cases with three decimals (the paper's printed Sp and F1 formulas contain typos; the
metrics are the standard definitions computed by :mod:`lesionbench.metrics`)."""

from __future__ import annotations

import pandas as pd

from lesionbench.stats.styles.base import StyleContext, StyledTable, fmt

CAPTION = "Quantitative evaluation of segmentation of different models (paper 004 Table 3 layout)"
DECIMALS = 3
METRICS = (("accuracy", "Acc"), ("ppv", "Pc"), ("sensitivity", "Sen"), ("specificity", "Sp"), ("f1", "F1"))


def paper004(ctx: StyleContext) -> StyledTable:
    """One row per model, flat columns Acc, Pc, Sen, Sp, F1; the data add sd and n."""
    decimals = ctx.decimals("paper004", DECIMALS)
    rows, cells = [], []
    for model in ctx.models:
        row = {"model": model, "label": ctx.settings.label(model)}
        for metric, _ in METRICS:
            stats = ctx.describe(model, metric)
            row.update({"n": stats["n"], metric: stats["mean"], f"{metric}_sd": stats["sd"]})
        rows.append(row)
        cells.append([fmt(row[m], decimals) for m, _ in METRICS])
    display = pd.DataFrame(cells, index=pd.Index([r["label"] for r in rows], name="Method"),
                           columns=[h for _, h in METRICS])
    note = (f"Means over {ctx.n_cases()} cases with a reference lesion; Acc = (TP+TN)/N, Pc = TP/(TP+FP), "
            "Sen = TP/(TP+FN), Sp = TN/(TN+FP), F1 = 2 Pc Sen / (Pc + Sen), voxel counts per case.")
    return StyledTable(pd.DataFrame(rows), display, note, CAPTION)
