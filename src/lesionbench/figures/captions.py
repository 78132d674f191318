"""Captions of the figures for ``snakemake --report``: what each shows and how it was computed.

The workflow's report captions (``workflow/report/*.rst``) can be generated from or checked
against this one place; :func:`caption_for` maps a file stem such as ``boxplot_dice`` to its
caption by prefix.
"""

from __future__ import annotations

#: file-stem prefix -> caption (reStructuredText).
FIGURE_CAPTIONS: dict[str, str] = {
    "boxplot_": "Per-case values of one metric, one box per model (median, quartiles, whiskers at 1.5 IQR), every "
                "case drawn as a point, on the cases that enter the statistics (cases with a reference lesion). "
                "Brackets give the Wilcoxon signed-rank p of each model against the reference model, adjusted as "
                "in ``tests.tsv`` (``*`` < alpha, ``**`` < 0.01, ``***`` < 0.001).",
    "violin_": "Per-case values of one metric as violins (kernel density) with the median line and every case as "
               "a point; brackets as in the box plots: adjusted Wilcoxon p against the reference model.",
    "metric_strip": "Every case's segmentation metrics for the reference model (paper 001 Fig. 3): one panel per "
                    "metric, each case a jittered point over a box (median, quartiles, whiskers at 1.5 IQR), on the "
                    "cases that enter the statistics (cases with a reference lesion).",
    "mean_bars_": "Mean of one metric per model (paper 001 Fig. 4) on the cases that enter the statistics, the mean "
                  "printed above each bar, error bars its bootstrap 95% interval, as ``mean``, ``mean_ci_low`` and "
                  "``mean_ci_high`` in ``summary.tsv``; models without the metric (classification only) have no "
                  "bar.",
    "learning_curves": "Training loss and validation Dice per epoch: thin lines one fold each, thick lines the mean "
                       "over the folds that reached that epoch.",
    "overlays_per_model": "For each model (rows), its best, median and worst case by its own Dice: the axial slice "
                          "with the largest reference area in the CT window, the reference contour and the model's "
                          "contour in the model's colour.",
    "overlays_by_class": "One case per lesion class and size group (paper 001 Fig. 5: AVM or other, smaller or "
                         "larger than a sphere 3 cm across, 14.14 mL), each the reference model's median case by "
                         "Dice in its group (columns), every model with predictions a row: the axial slice with the "
                         "largest reference area in the CT window, reference contour and the model's contour.",
    "overlays": "Best, median and worst case of the reference model by Dice: the axial slice with the largest "
                "reference lesion, reference contour and every model's contour in its colour.",
    "volume_scatter": "Predicted against reference lesion volume (voxel count x voxel volume, mL) per case and "
                      "model, identity line dashed, Pearson's r in the legend.",
    "bland_altman": "Bland-Altman plot per model: difference predicted - reference volume (mL) against their mean; "
                    "solid line the bias, dashed lines the 95% limits of agreement (bias +- 1.96 sd), as in "
                    "``volume_agreement.tsv``.",
    "ranking_blobs_": "Ranking stability (challengeR blob plot): the models in the order of the configured ranking; "
                      "for each, a disc at every rank it reached over bootstrap samples of the cases (area "
                      "proportional to frequency), the cross the median rank, the line the 95% interval of the "
                      "ranks; the title gives the median Kendall tau between the full and the bootstrap rankings.",
    "significance_map_": "Significance map (challengeR): a coloured cell in row i, column j means model i is "
                         "significantly better than model j by a one-sided paired Wilcoxon signed-rank test, "
                         "Holm-adjusted over all ordered pairs; every cell prints the adjusted p.",
    "roc_curves": "ROC curves of the models with a classification output (paper 001 Fig. 6): true against false "
                  "positive rate over all thresholds of the predicted probability; legend: AUC with its stratified "
                  "bootstrap 95% interval, as in ``classification.tsv``.",
    "complexity": "Model complexity against segmentation quality: mean Dice over the cases with a reference lesion "
                  "against the number of parameters and the FLOPs of one forward pass (log scale).",
}


def caption_for(stem: str) -> str:
    """The caption of the figure file ``{stem}.png`` (the longest matching prefix wins).

    Raises:
        KeyError: naming the stem if no caption matches.
    """
    matches = [prefix for prefix in FIGURE_CAPTIONS if stem == prefix or (prefix.endswith("_") and stem.startswith(prefix))]
    if not matches:
        raise KeyError(f"no caption for figure '{stem}'; known prefixes: {sorted(FIGURE_CAPTIONS)}")
    return FIGURE_CAPTIONS[max(matches, key=len)]
