"""A hand-built dataset whose table values are worked out by hand in the tests.

Five cases a-e; e has no reference lesion (``has_lesion`` False), so means run over a-d.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

IDS = list("abcde")
NAN = np.nan


def _frame(name: str, **columns) -> pd.DataFrame:
    base = {"case_id": IDS, "fold": [0, 1, 2, 0, 1], "experiment": name,
            "has_lesion": [True, True, True, True, False],
            "near_skull": [True, False, True, False, False],
            "irregular": [True, True, True, True, False],       # the label...
            "irregular_geom": [False, True, True, False, False],  # ...and the geometry, which wins
            "ref_volume_ml": [10.0, 30.0, 50.0, 5.0, 0.0], "ref_abc2_ml": [12.0, 36.0, 60.0, 5.0, 0.0]}
    return pd.DataFrame({**base, **columns})


@pytest.fixture()
def paper_frames() -> dict[str, pd.DataFrame]:
    """ours, unet, fcn8s with every column the table styles read."""
    ours = _frame(
        "ours", dice=[0.9, 0.8, 0.7, 0.6, 1.0], iou=[0.8, 0.6, 0.5, 0.4, 1.0],
        ppv=[0.95, 0.85, 0.75, 0.65, 1.0], sensitivity=[0.85, 0.75, 0.65, 0.55, 1.0],
        specificity=[0.99, 0.98, 0.97, 0.96, 1.0], accuracy=[0.95, 0.96, 0.97, 0.98, 1.0], f1=[0.9, 0.8, 0.7, 0.6, 1.0],
        rvd=[0.2, 0.1, 0.0, 0.0, NAN], hd95=[2.0, 4.0, 6.0, 8.0, NAN], asd=[1.0, 1.0, 1.0, 1.0, NAN],
        pred_volume_ml=[12.0, 27.0, 50.0, 5.0, 0.0],
        tp=[90, 80, 70, 60, 0], fp=[10, 10, 10, 10, 5], fn=[0, 10, 20, 30, 0],
        cls_prob=[0.9, 0.4, 0.6, 0.1, 0.8], cls_label=[1, 1, 0, 0, 1],
    )
    unet = _frame(
        "unet", dice=[0.85, 0.7, 0.55, 0.3, 1.0], iou=[0.7, 0.5, 0.4, 0.2, 1.0],
        ppv=[0.9, 0.8, 0.7, 0.6, 1.0], sensitivity=[0.8, 0.7, 0.6, 0.5, 1.0],
        specificity=[0.98, 0.98, 0.98, 0.98, 1.0], accuracy=[0.9, 0.9, 0.9, 0.9, 1.0], f1=[0.85, 0.7, 0.55, 0.3, 1.0],
        rvd=[0.0, 0.0, 0.2, 0.4, NAN], hd95=[4.0, 6.0, 8.0, 10.0, NAN], asd=[2.0, 2.0, 2.0, 2.0, NAN],
        pred_volume_ml=[10.0, 30.0, 40.0, 7.0, 1.0],
        tp=[80, 70, 60, 50, 0], fp=[20, 20, 20, 20, 0], fn=[10, 20, 30, 40, 0],
    )
    fcn8s = _frame(
        "fcn8s", dice=[0.7, 0.6, 0.5, 0.2, 1.0], iou=[0.6, 0.4, 0.3, 0.1, 1.0],
        ppv=[0.8, 0.7, 0.6, 0.5, 1.0], sensitivity=[0.7, 0.6, 0.5, 0.4, 1.0],
        specificity=[0.97, 0.97, 0.97, 0.97, 1.0], accuracy=[0.8, 0.8, 0.8, 0.8, 1.0], f1=[0.7, 0.6, 0.5, 0.2, 1.0],
        rvd=[1.0, 0.0, 0.0, 0.0, NAN], hd95=[3.0, 5.0, 7.0, 13.0, NAN], asd=[1.5, 1.5, 1.5, 1.5, NAN],
        pred_volume_ml=[20.0, 30.0, 50.0, 5.0, 3.0],
        tp=[70, 60, 50, 40, 0], fp=[30, 30, 30, 30, 10], fn=[20, 30, 40, 50, 0],
    )
    return {"ours": ours, "unet": unet, "fcn8s": fcn8s}
