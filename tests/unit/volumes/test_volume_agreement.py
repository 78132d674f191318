"""RMSE, MAE, Pearson, Lin's CCC and Bland-Altman against hand computations and numpy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lesionbench.stats import CompareSettings
from lesionbench.volumes import (
    ABC2_ROW,
    bland_altman,
    lins_ccc,
    mae,
    pearson,
    rmse,
    volume_agreement,
)

REF = np.array([10.0, 30.0, 50.0, 5.0])
PRED = np.array([12.0, 27.0, 50.0, 5.0])


def test_rmse_mae_hand_computed_and_nan_pairs_dropped():
    assert rmse(REF, PRED) == pytest.approx(math.sqrt((4 + 9) / 4))
    assert mae(REF, PRED) == pytest.approx(5 / 4)
    assert rmse(np.append(REF, np.nan), np.append(PRED, 3.0)) == pytest.approx(math.sqrt(13 / 4))
    assert np.isnan(rmse(np.array([]), np.array([])))
    with pytest.raises(ValueError, match=r"\(4,\) reference vs \(3,\) predicted"):
        rmse(REF, PRED[:3])


def test_lins_ccc_hand_example_and_alternative_formula():
    # x = 1 2 3, y = 2 3 4: population variances 2/3, covariance 2/3, mean shift 1:
    # rho_c = (4/3) / (2/3 + 2/3 + 1) = 4/7.
    assert lins_ccc(np.array([1.0, 2, 3]), np.array([2.0, 3, 4])) == pytest.approx(4 / 7)
    # Lin 1989: rho_c = r * C_b, C_b = 2 / (v + 1/v + u^2), v = s_x / s_y, u = (m_x - m_y) / sqrt(s_x s_y).
    rng = np.random.default_rng(0)
    x = rng.uniform(5, 60, 30)
    y = 0.9 * x + rng.normal(2, 4, 30)
    v = x.std() / y.std()
    u = (x.mean() - y.mean()) / math.sqrt(x.std() * y.std())
    r = np.corrcoef(x, y)[0, 1]
    assert lins_ccc(x, y) == pytest.approx(r * 2 / (v + 1 / v + u**2))
    assert lins_ccc(x, x) == pytest.approx(1.0)
    assert np.isnan(lins_ccc(np.array([3.0]), np.array([3.0])))


def test_pearson_equals_numpy_and_scipy():
    r, p = pearson(REF, PRED)
    assert r == pytest.approx(np.corrcoef(REF, PRED)[0, 1])
    assert p == pytest.approx(stats.pearsonr(REF, PRED).pvalue)
    assert all(np.isnan(pearson(REF[:2], PRED[:2])))


def test_bland_altman_hand_computed():
    ba = bland_altman(REF, PRED)
    # Differences pred - ref: 2, -3, 0, 0; bias -0.25; sd = sqrt(sum((d + .25)^2) / 3) = sqrt(12.75 / 3).
    np.testing.assert_allclose(ba.differences, [2, -3, 0, 0])
    np.testing.assert_allclose(ba.means, [11, 28.5, 50, 5])
    sd = math.sqrt(12.75 / 3)
    assert (ba.bias, ba.sd) == pytest.approx((-0.25, sd))
    assert (ba.low, ba.high) == pytest.approx((-0.25 - 1.959964 * sd, -0.25 + 1.959964 * sd))


def test_volume_agreement_table_with_abc2_row():
    ids = list("abcde")
    frame = pd.DataFrame({"case_id": ids, "ref_volume_ml": [*REF, 0.0], "pred_volume_ml": [*PRED, 4.0],
                          "ref_abc2_ml": [12.0, 36.0, 60.0, 5.0, 0.0], "has_lesion": [True] * 4 + [False]})
    other = frame.drop(columns=["pred_volume_ml"])
    table = volume_agreement({"ours": frame, "bare": other}, CompareSettings.from_dict({"reference": "ours"}))
    assert table["model"].tolist() == ["ours", "bare", ABC2_ROW]
    ours = table.iloc[0]
    assert ours["n"] == 4 and ours["rmse_ml"] == pytest.approx(math.sqrt(13 / 4))  # e (no lesion) left out
    assert table.iloc[1]["note"] == "no pred_volume_ml column" and np.isnan(table.iloc[1]["rmse_ml"])
    assert table.iloc[2]["bias_ml"] == pytest.approx((2 + 6 + 10 + 0) / 4)
