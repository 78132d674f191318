"""Paper 001 Tables 1-3: segmentation DSC, sensitivity, specificity, PPV (Table 1; means, three
decimals) and classification accuracy (%), sensitivity, specificity (Tables 2-3) with the AUC
and its bootstrap interval (section 3.5.2 and Fig. 6) for models that write ``cls_prob`` and
``cls_label``.

The segmentation metrics are paper 001's, inside the VOI around the hematoma (sections 3.4-3.5:
``dice_voi``, ``sensitivity_voi``, ``specificity_voi``, ``ppv_voi``, the columns evaluate adds where
predict wrote the VOI crops of ``3d_voi`` models) when every segmentation model's table has all
four; otherwise the whole-grid ``dice``, ``sensitivity``, ``specificity``, ``ppv`` (where
specificity is ~1). The note says which; the data table keeps the whole-grid means too. Specificity inside the VOI depends on the VOI size, so it
is only comparable across models evaluated on the same VOIs."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from lesionbench.stats.styles.base import StyleContext, StyledTable, columns, fmt
from lesionbench.stats.tables import MISSING

CAPTION = "Segmentation and classification results (paper 001 Tables 1-3 layout)"
DECIMALS = 3
SEGMENTATION = "Segmentation (Table 1)"
CLASSIFICATION = "Classification (Tables 2-3)"
SEG_METRICS = (("dice", "DSC"), ("sensitivity", "Sensitivity"), ("specificity", "Specificity"), ("ppv", "PPV"))
#: The same inside the VOI (paper 001's protocol), preferred when every segmentation model has them.
VOI_SEG_METRICS = (("dice_voi", "DSC"), ("sensitivity_voi", "Sensitivity"), ("specificity_voi", "Specificity"),
                   ("ppv_voi", "PPV"))
CLS_HEADERS = ("Accuracy (%)", "Sensitivity", "Specificity", "AUC (95% CI)")


def segmentation_metrics(frames: Mapping[str, pd.DataFrame]) -> tuple[tuple[str, str], ...]:
    """``(column, header)`` of the segmentation group: :data:`VOI_SEG_METRICS` when every table of
    ``frames`` (the segmentation models) has all four VOI columns, else :data:`SEG_METRICS`."""
    voi = [m for m, _ in VOI_SEG_METRICS]
    if frames and all(set(voi) <= set(frame.columns) for frame in frames.values()):
        return VOI_SEG_METRICS
    return SEG_METRICS


def reported_metrics(frames: Mapping[str, pd.DataFrame], shown: tuple[tuple[str, str], ...]) -> list[str]:
    """The means of the data table (``table_paper001.tsv``): the whole-grid four that every table of
    ``frames`` has, then the ``shown`` ones (the VOI metrics when the display uses them)."""
    grid = [m for m, _ in SEG_METRICS if frames and all(m in frame.columns for frame in frames.values())]
    return list(dict.fromkeys([*grid, *(m for m, _ in shown)]))


def paper001(ctx: StyleContext) -> StyledTable:
    """One row per model (classifiers last, their segmentation cells NA); the classification
    group appears when any model has the columns."""
    from lesionbench.classification.analysis import (
        classification_table,  # imports lesionbench.stats
    )

    settings = ctx.settings
    decimals = ctx.decimals("paper001", DECIMALS)
    cls = classification_table(ctx.classification_frames, settings).set_index("model")
    seg_metrics = segmentation_metrics(ctx.frames)
    means = reported_metrics(ctx.frames, seg_metrics)
    rows, cells = [], []
    for model in [*ctx.models, *ctx.classifiers]:
        segmented = model in ctx.frames  # a classifier (Table 3's CNN) has no segmentation cells
        row = {"model": model, "label": settings.label(model),
               "n": ctx.describe(model, seg_metrics[0][0])["n"] if segmented else 0,
               **{m: ctx.mean(model, m) if segmented else float("nan") for m in means}}
        line = [fmt(row[m], decimals) for m, _ in seg_metrics]
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
    pairs = [(SEGMENTATION, h) for _, h in seg_metrics]
    if len(cls):
        pairs += [(CLASSIFICATION, h) for h in CLS_HEADERS]
    display = pd.DataFrame(cells, index=pd.Index([r["label"] for r in rows], name="Method"), columns=columns(pairs))
    where = ("inside the VOI around the reference lesion (paper 001's protocol; specificity depends on the VOI "
             "size)" if seg_metrics is VOI_SEG_METRICS else "on the whole image grid (no VOI metrics)")
    note = f"Segmentation: means over {ctx.n_cases()} cases with a reference lesion, {where}."
    if len(cls):
        note += (f" Classification: all cases with a predicted probability and a label; positive when "
                 f"p >= {settings.classification_threshold:g}; AUC with a stratified bootstrap "
                 f"{100 * settings.confidence:g}% interval ({settings.bootstrap_resamples} resamples); NA: no "
                 f"classification output.")
    else:
        note += " No model wrote classification outputs (cls_prob, cls_label): classification columns left out."
    return StyledTable(pd.DataFrame(rows), display, note, CAPTION)
