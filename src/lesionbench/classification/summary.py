"""Per-model classification summary as paper 001 reports it (section 3.5, Tables 2-3).

At a threshold (0.5: with two classes, calling the positive class when its probability is at
least 0.5 is the argmax, ties at exactly 0.5 going to the positive class): the TP/FN/TN/FP counts,
accuracy = (TP + TN) / n, sensitivity = TP / (TP + FN) (AVM subjects called AVM), specificity =
TN / (TN + FP) (other haemorrhages called other), each with a Wilson score interval
(statsmodels ``proportion_confint(method="wilson")``); and the threshold-free AUC with its
stratified bootstrap percentile interval (:func:`~lesionbench.classification.roc.bootstrap_auc`)
and its DeLong standard error and interval (:func:`~lesionbench.classification.delong.delong_auc`).
"""

from __future__ import annotations

import numpy as np
from statsmodels.stats.proportion import proportion_confint

from lesionbench.classification.delong import delong_auc
from lesionbench.classification.roc import _check, auc, bootstrap_auc, threshold_metrics

#: Proportions with a Wilson interval: name -> (numerator counts, denominator counts).
PROPORTIONS = {"accuracy": (("tp", "tn"), ("tp", "tn", "fp", "fn")),
               "sensitivity": (("tp",), ("tp", "fn")),
               "specificity": (("tn",), ("tn", "fp"))}
#: Keys of :func:`classification_summary`, in table order.
SUMMARY_KEYS = ["n", "n_positive", "n_negative", "threshold", "tp", "fp", "fn", "tn",
                "accuracy", "accuracy_ci_low", "accuracy_ci_high",
                "sensitivity", "sensitivity_ci_low", "sensitivity_ci_high",
                "specificity", "specificity_ci_low", "specificity_ci_high",
                "auc", "auc_ci_low", "auc_ci_high", "auc_se_delong", "auc_delong_ci_low", "auc_delong_ci_high",
                "note"]


def wilson_interval(successes: int, total: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of ``successes / total`` (statsmodels ``proportion_confint``,
    ``method="wilson"``); ``(nan, nan)`` when ``total`` is 0."""
    if total == 0:
        return float("nan"), float("nan")
    low, high = proportion_confint(successes, total, alpha=1.0 - confidence, method="wilson")
    return float(low), float(high)


def classification_summary(y_true: np.ndarray, prob: np.ndarray, threshold: float = 0.5,
                           resamples: int = 2000, confidence: float = 0.95, seed: int = 0) -> dict:
    """Paper 001 Table 2-3 numbers of one model, keys :data:`SUMMARY_KEYS`.

    Args:
        y_true: ``(n,)`` truth per subject (True or 1 = AVM, the positive class).
        prob: ``(n,)`` predicted probability of AVM, pooled over the folds.
        threshold: probability at or above which a subject is called AVM.
        resamples, confidence, seed: of the AUC bootstrap; ``confidence`` is also the level of
            the Wilson and DeLong intervals.

    Returns:
        Counts as ints, proportions in [0, 1] (not %), NaN where undefined; ``note`` says why the
        AUC is NaN (one class only) or its DeLong interval is (fewer than 2 of a class).
    """
    labels, scores = _check(y_true, prob)
    n_pos = int(labels.sum())
    out: dict = {"n": int(labels.size), "n_positive": n_pos, "n_negative": int(labels.size) - n_pos,
                 "threshold": threshold, **threshold_metrics(labels, scores, threshold), "note": ""}
    for name, (hits, total) in PROPORTIONS.items():
        out[f"{name}_ci_low"], out[f"{name}_ci_high"] = wilson_interval(
            sum(out[k] for k in hits), sum(out[k] for k in total), confidence)
    out["auc"] = auc(labels, scores)
    out["auc_ci_low"], out["auc_ci_high"] = bootstrap_auc(labels, scores, resamples, confidence, seed)
    if min(n_pos, labels.size - n_pos) >= 2:
        delong = delong_auc(labels, scores, confidence)
        out.update(auc_se_delong=delong.se, auc_delong_ci_low=delong.ci_low, auc_delong_ci_high=delong.ci_high)
    else:
        out.update(auc_se_delong=float("nan"), auc_delong_ci_low=float("nan"), auc_delong_ci_high=float("nan"))
        out["note"] = ("one class only: AUC undefined" if n_pos in (0, labels.size)
                       else "fewer than 2 cases of a class: DeLong interval undefined")
    return {key: out[key] for key in SUMMARY_KEYS}
