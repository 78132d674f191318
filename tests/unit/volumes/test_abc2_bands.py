"""ABC/2 against the voxel volume by volume band."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lesionbench.stats import MetricsTableError
from lesionbench.volumes import abc2_by_band, band_labels


def test_band_labels():
    assert band_labels((20, 40)) == [("<20 mL", 0.0, 20.0), ("20–40 mL", 20.0, 40.0), ("≥40 mL", 40.0, float("inf"))]
    assert [b[0] for b in band_labels((30,))] == ["<30 mL", "≥30 mL"]


def test_bands_hand_computed():
    frame = pd.DataFrame({
        "case_id": list("abcdefg"),
        "ref_volume_ml": [10.0, 5.0, 20.0, 30.0, 40.0, 50.0, 0.0],
        "ref_abc2_ml": [12.0, 5.0, 22.0, 36.0, 52.0, 60.0, 0.0],
        "has_lesion": [True] * 6 + [False],
    })
    table = abc2_by_band(frame, (20, 40)).set_index("band")
    # <20: a (+2, +20%), b (0, 0%); 20-40 (left-closed): c (+2, +10%), d (+6, +20%); >=40: e (+12, +30%), f (+10, +20%).
    assert table["n"].tolist() == [2, 2, 2, 6]
    assert table.loc["<20 mL", "mean_difference_ml"] == pytest.approx(1.0)
    assert table.loc["20–40 mL", "mean_relative_error_pct"] == pytest.approx(15.0)
    assert table.loc["≥40 mL", "median_ratio"] == pytest.approx((1.3 + 1.2) / 2)
    assert table.loc["≥40 mL", "rmse_ml"] == pytest.approx(np.sqrt((144 + 100) / 2))
    assert table.loc["all", "mae_ml"] == pytest.approx((2 + 0 + 2 + 6 + 12 + 10) / 6)
    assert table.loc["all", "voxel_mean_ml"] == pytest.approx(155 / 6)


def test_empty_band_and_missing_column():
    frame = pd.DataFrame({"case_id": ["a"], "ref_volume_ml": [10.0], "ref_abc2_ml": [11.0]})
    table = abc2_by_band(frame, (20, 40), subset="all").set_index("band")
    assert table.loc["≥40 mL", "n"] == 0 and np.isnan(table.loc["≥40 mL", "rmse_ml"])
    with pytest.raises(MetricsTableError, match="unet.tsv: no 'ref_abc2_ml' column"):
        abc2_by_band(frame.drop(columns="ref_abc2_ml"), (20,), "all", "unet.tsv")
