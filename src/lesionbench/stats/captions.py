"""Captions of the compare stage's tables for ``snakemake --report``: what each file shows and
how it was computed (:func:`caption_for` maps a file name to its caption)."""

from __future__ import annotations

#: file name (or ``table_{style}`` prefix) -> caption (reStructuredText).
TABLE_CAPTIONS: dict[str, str] = {
    "tests.tsv": "Paired tests of every model against the reference model per metric on the cases with a reference "
                 "lesion: n pairs, Shapiro-Wilk p of the differences, Wilcoxon signed-rank statistic and p, the "
                 "configured correction (p_adjusted) and Benjamini-Hochberg and Holm over the declared family, the "
                 "rank-biserial correlation and the mean difference (reference - model) with its bootstrap CI.",
    "summary.tsv": "Per model and metric: n, median, P25, P75 (R type 7), mean, sd and the bootstrap CI of the mean.",
    "global_dice.tsv": "Global Dice DSC(G) = 2 sum TP / (2 sum TP + sum FP + sum FN) over all cases (paper 003).",
    "friedman.tsv": "Friedman test across all models blocked on the cases with a value for every model, with the "
                    "Nemenyi critical difference of mean ranks (or the configured post-hoc test).",
    "posthoc.tsv": "Post-hoc comparison of every pair of models after the Friedman test: mean ranks (1 = best), "
                   "statistic, p and adjusted p.",
    "table_paper000": "Paper 000 Table 1 layout: per metric median (P25, P75), mean +- sd and the adjusted Wilcoxon P "
                      "against the reference model.",
    "table_paper001": "Paper 001 Tables 1-3 layout: mean DSC, sensitivity, specificity, PPV, and classification "
                      "accuracy, sensitivity, specificity at the threshold and AUC with a stratified bootstrap CI.",
    "table_paper002": "Paper 002 Tables 1-6 layout: mean Rvd, Dice, IoU and bleeding-volume RMSE and MAE (mL) for all "
                      "cases and the irregular and near-skull subgroups (flags from mask geometry when available).",
    "table_paper003": "Paper 003 Tables 3.2-3.3 layout: mean DSC, DSC(G), recall, precision, Jaccard, ASD, HD95, their "
                      "differences to the reference and the adjusted Wilcoxon P of DSC.",
    "table_paper004": "Paper 004 Table 3 layout: mean accuracy, precision, sensitivity, specificity and F1.",
    "ranking.tsv": "Rankings per metric (challengeR): aggregate-then-rank, rank-then-aggregate, test-then-rank "
                   "(one-sided Wilcoxon, Holm), and the bootstrap median rank, its interval and the Kendall tau "
                   "between the full and the bootstrap rankings.",
    "ranking_bootstrap.tsv": "Rank of every model in every bootstrap sample of the cases, with the sample's Kendall tau.",
    "ranking_significance.tsv": "One-sided paired Wilcoxon test of every ordered pair of models, Holm-adjusted "
                                "(the significance map).",
    "volume_agreement.tsv": "Predicted against reference volume per model, and ABC/2 of the reference mask: RMSE, MAE, "
                            "Bland-Altman bias and 95% limits of agreement, Pearson r, Lin's concordance.",
    "abc2_bands.tsv": "ABC/2 estimate of the reference mask against its voxel-count volume per volume band "
                      "(<20, 20-40, >=40 mL by default): mean difference, relative error, RMSE, MAE.",
    "volume_subgroups.tsv": "Paper 002 subgroup analysis as numbers: per subgroup and model, mean Rvd, Dice, IoU and "
                            "volume RMSE, MAE.",
    "classification.tsv": "Classification per model (paper 001): confusion counts, accuracy, sensitivity, specificity "
                          "at the threshold with Wilson 95% intervals, AUC with its stratified bootstrap CI and its "
                          "DeLong standard error and interval.",
    "auc_tests.tsv": "AUC of each model against the reference's on the same cases: DeLong's test for correlated "
                     "ROC curves (DeLong et al. 1988, Sun and Xu 2014), the difference with its 95% CI, p corrected "
                     "over the comparisons.",
    "roc.tsv": "ROC curve points (threshold, false and true positive rate) per model.",
}


def caption_for(name: str) -> str:
    """Caption of an output file of compare (``table_paper002.md`` -> the paper 002 caption).

    Raises:
        KeyError: naming the file if no caption matches.
    """
    if name in TABLE_CAPTIONS:
        return TABLE_CAPTIONS[name]
    stem = name.rsplit(".", 1)[0]
    if stem in TABLE_CAPTIONS:
        return TABLE_CAPTIONS[stem]
    if stem == "table":
        return TABLE_CAPTIONS["table_paper000"] + " (the first configured table style)"
    raise KeyError(f"no caption for compare output '{name}'")
