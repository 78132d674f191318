"""Every model's AUC against a reference model on the same subjects, corrected for multiplicity.

Paper 001 (section 3.5.2, Table 3, Fig. 6) compares MLSSP with Y-Net, He et al. and a CNN by
their AUCs on the same 80 subjects, without a test. This table adds one: DeLong's test
(:func:`~lesionbench.classification.delong.delong_test`; DeLong et al. 1988, Sun & Xu 2014) or
the paired stratified bootstrap
(:func:`~lesionbench.classification.paired_bootstrap.bootstrap_auc_test`) of ``AUC_model -
AUC_reference``, two-sided, with the p-values adjusted over the comparisons of the table
(statsmodels ``multipletests``, Benjamini-Hochberg ``"fdr_bh"`` by default).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from lesionbench.classification.delong import delong_test
from lesionbench.classification.paired_bootstrap import bootstrap_auc_test

#: Columns of :func:`auc_comparison_table`; ``difference = auc - auc_reference``.
COMPARISON_COLUMNS = ["model", "reference", "n", "n_positive", "n_negative", "auc", "auc_reference", "difference",
                      "se", "ci_low", "ci_high", "z", "p_value", "p_adjusted", "correction", "method", "note"]
#: ``method`` argument -> smallest count of each class the test needs.
METHODS = {"delong": 2, "bootstrap": 1}


def _as_series(name: str, y_true, prob) -> tuple[pd.Series, pd.Series, bool]:
    """Labels (bool) and probabilities as Series on one index; ``True`` when the index holds
    subject ids (``prob`` or ``y_true`` was a Series), ``False`` for positions."""
    ids = next((v.index for v in (prob, y_true) if isinstance(v, pd.Series)), None)
    index = pd.Index(ids) if ids is not None else pd.RangeIndex(len(np.asarray(prob)))
    if index.has_duplicates:
        raise ValueError(f"model '{name}': duplicated subject ids {sorted(map(str, index[index.duplicated()]))[:5]}")
    values = []
    for what, v in (("labels", y_true), ("probabilities", prob)):
        if isinstance(v, pd.Series):
            if set(v.index) != set(index):
                raise ValueError(f"model '{name}': labels and probabilities are indexed by different subjects")
            v = v.reindex(index)
        v = np.asarray(v)
        if v.shape != (len(index),):
            raise ValueError(f"model '{name}': {what} have shape {v.shape}, expected ({len(index)},)")
        values.append(v)
    return pd.Series(values[0].astype(bool), index), pd.Series(values[1].astype(float), index), ids is not None


def _aligned(models: Mapping[str, tuple], reference: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Labels and every model's probabilities in the reference's subject order.

    Raises:
        ValueError: naming the models whose subjects (ids, or count without ids) or labels differ.
    """
    if reference not in models:
        raise ValueError(f"reference model '{reference}' is not among the models {list(models)}")
    ref_labels, ref_prob, ref_ids = _as_series(reference, *models[reference])
    probs = {reference: ref_prob.to_numpy()}
    for name, (y_true, prob) in models.items():
        if name == reference:
            continue
        labels, prob, has_ids = _as_series(name, y_true, prob)
        pair = f"models '{name}' and '{reference}'"
        if has_ids != ref_ids:
            raise ValueError(f"{pair}: give subject ids (pandas Series) for both or for neither")
        if has_ids and set(labels.index) != set(ref_labels.index):
            only, missing = labels.index.difference(ref_labels.index), ref_labels.index.difference(labels.index)
            raise ValueError(f"{pair} are not scored on the same subjects: {len(only)} only in '{name}' "
                             f"{list(map(str, only[:5]))}, {len(missing)} only in '{reference}' "
                             f"{list(map(str, missing[:5]))}")
        if not has_ids and len(labels) != len(ref_labels):
            raise ValueError(f"{pair} are not scored on the same subjects: {len(labels)} and {len(ref_labels)} cases")
        labels, prob = labels.reindex(ref_labels.index), prob.reindex(ref_labels.index)
        differ = labels.to_numpy() != ref_labels.to_numpy()
        if differ.any():
            raise ValueError(f"{pair} have different labels for {int(differ.sum())} subjects "
                             f"{list(map(str, ref_labels.index[differ][:5]))}")
        probs[name] = prob.to_numpy()
    return ref_labels.to_numpy(), probs


def auc_comparison_table(models: Mapping[str, tuple], reference: str, method: str = "delong",
                         correction: str = "fdr_bh", confidence: float = 0.95, resamples: int = 2000,
                         seed: int = 0) -> pd.DataFrame:
    """Test every model's AUC against the reference's on the same subjects.

    Args:
        models: name -> ``(y_true, prob)``, each ``(n_subjects,)``: truth (True or 1 = AVM) and
            predicted probability of AVM. Either arrays in the same subject order for every
            model, or pandas Series indexed by subject id (aligned on the ids).
        reference: the model every other one is compared with (MLSSP in paper 001).
        method: ``"delong"`` (DeLong's test) or ``"bootstrap"`` (paired stratified bootstrap,
            ``resamples`` and ``seed``).
        correction: :func:`statsmodels.stats.multitest.multipletests` method over the rows.
        confidence: level of the interval of the difference.

    Returns:
        One row per model other than the reference, in the given order, columns
        :data:`COMPARISON_COLUMNS`: ``difference = auc - auc_reference`` in AUC units with its
        ``se``, interval ``ci_low``/``ci_high``, ``z``, two-sided ``p_value`` and ``p_adjusted``;
        NaN with a ``note`` when a class has too few subjects for the test.

    Raises:
        ValueError: for an unknown ``method``, a missing reference, or models whose subject sets
            or labels differ (naming both models).
    """
    if method not in METHODS:
        raise ValueError(f"auc_comparison_table: method must be one of {list(METHODS)}, got {method!r}")
    labels, probs = _aligned(models, reference)
    n_pos = int(labels.sum())
    enough = min(n_pos, labels.size - n_pos) >= METHODS[method]
    rows = []
    for name, prob in probs.items():
        if name == reference:
            continue
        row = {"model": name, "reference": reference, "n": labels.size, "n_positive": n_pos,
               "n_negative": labels.size - n_pos, "correction": correction, "note": ""}
        if enough:
            if method == "delong":
                result = delong_test(labels, prob, probs[reference], confidence)
            else:
                result = bootstrap_auc_test(labels, prob, probs[reference], resamples, confidence, seed)
            row.update(auc=result.auc_a, auc_reference=result.auc_b, difference=result.difference, se=result.se,
                       ci_low=result.ci_low, ci_high=result.ci_high, z=result.z, p_value=result.p_value,
                       method=result.method)
        else:
            row.update(method="DeLong" if method == "delong" else "paired bootstrap",
                       note=f"fewer than {METHODS[method]} subjects of a class: test undefined")
        rows.append(row)
    table = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    p_values = table["p_value"].to_numpy(float)
    adjusted = np.full(p_values.shape, np.nan)
    finite = np.isfinite(p_values)
    if finite.any():
        adjusted[finite] = multipletests(p_values[finite], method=correction)[1]
    table["p_adjusted"] = adjusted
    return table
