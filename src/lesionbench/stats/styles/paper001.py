"""Paper 001 Tables 1-3: segmentation DSC, sensitivity, specificity, PPV (Table 1; means, three
decimals) and classification accuracy (%), sensitivity, specificity (Tables 2-3) with the AUC
and its bootstrap interval (section 3.5.2 and Fig. 6) for models that write ``cls_prob`` and
``cls_label``."""

from __future__ import annotations

import pandas as pd

from lesionbench.stats.styles.base import StyleContext, StyledTable, columns, fmt
from lesionbench.stats.tables import MISSING

CAPTION = "Segmentation and classification results (paper 001 Tables 1-3 layout)"
DECIMALS = 3
SEGMENTATION = "Segmentation (Table 1)"
CLASSIFICATION = "Classification (Tables 2-3)"
SEG_METRICS = (("dice", "DSC"), ("sensitivity", "Sensitivity"), ("specificity", "Specificity"), ("ppv", "PPV"))
CLS_HEADERS = ("Accuracy (%)", "Sensitivity", "Specificity", "AUC (95% CI)")


def paper001(ctx: StyleContext) -> StyledTable:
    """One row per model; the classification group appears when any model has the columns."""
    from lesionbench.classification.analysis import (
        classification_table,  # imports lesionbench.stats
    )

    settings = ctx.settings
    decimals = ctx.decimals("paper001", DECIMALS)
    cls = classification_table(ctx.frames, settings).set_index("model")
    rows, cells = [], []
    for model in ctx.models:
        row = {"model": model, "label": settings.label(model), "n": ctx.describe(model, "dice")["n"],
               **{m: ctx.mean(model, m) for m, _ in SEG_METRICS}}
        line = [fmt(row[m], decimals) for m, _ in SEG_METRICS]
        if len(cls):
            if model in cls.index:
                c = cls.loc[model]
                row.update({f"cls_{k}": c[k] for k in ("n", "accuracy", "sensitivity", "specificity", "auc",
                                                      "auc_ci_low", "auc_ci_high")})
                auc = f"{fmt(c['auc'], decimals)} ({fmt(c['auc_ci_low'], decimals)}, {fmt(c['auc_ci_high'], decimals)})"
                line += [fmt(100.0 * c["accuracy"], 2), fmt(c["sensitivity"], decimals),
                         fmt(c["specificity"], decimals), auc]
            else:
                line += [MISSING] * len(CLS_HEADERS)
        rows.append(row)
        cells.append(line)
    pairs = [(SEGMENTATION, h) for _, h in SEG_METRICS]
    if len(cls):
        pairs += [(CLASSIFICATION, h) for h in CLS_HEADERS]
    display = pd.DataFrame(cells, index=pd.Index([r["label"] for r in rows], name="Method"), columns=columns(pairs))
    note = f"Segmentation: means over {ctx.n_cases()} cases with a reference lesion."
    if len(cls):
        note += (f" Classification: all cases with a predicted probability and a label; positive when "
                 f"p >= {settings.classification_threshold:g}; AUC with a stratified bootstrap "
                 f"{100 * settings.confidence:g}% interval ({settings.bootstrap_resamples} resamples); NA: no "
                 f"classification output.")
    else:
        note += " No model wrote classification outputs (cls_prob, cls_label): classification columns left out."
    return StyledTable(pd.DataFrame(rows), display, note, CAPTION)
