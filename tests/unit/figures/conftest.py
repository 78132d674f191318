"""Small synthetic inputs for the figure tests: metric tables, histories and NIfTI volumes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk

MODELS = ("ours", "fcn8s", "unet")
CASES = [f"ph{i:03d}" for i in range(6)]
SHAPE_ZYX = (4, 24, 20)
SPACING_XYZ = (0.8, 0.6, 5.0)


@pytest.fixture()
def frames() -> dict[str, pd.DataFrame]:
    """Metrics of three models on 6 cases; ph005 has no lesion."""
    rng = np.random.default_rng(0)
    out = {}
    ref_volume = np.array([12.0, 30.5, 4.2, 55.0, 8.8, 0.0])
    for k, model in enumerate(MODELS):
        dice = np.clip(0.9 - 0.1 * k + rng.normal(0, 0.05, 6), 0, 1)
        dice[5] = 1.0
        out[model] = pd.DataFrame({
            "case_id": CASES, "fold": [0, 1, 2, 0, 1, 2], "experiment": model,
            "dice": dice, "ppv": np.clip(dice + 0.02, 0, 1),
            "ref_volume_ml": ref_volume, "pred_volume_ml": ref_volume * (1 + rng.normal(0, 0.1, 6)),
            "has_lesion": [True] * 5 + [False],
        })
    out["fcn8s"].loc[2, "dice"] = np.nan  # one missing value
    return out


def _image(array_zyx: np.ndarray) -> sitk.Image:
    image = sitk.GetImageFromArray(array_zyx)
    image.SetSpacing(SPACING_XYZ)
    image.SetOrigin((-8.0, -7.0, 10.0))
    return image


@pytest.fixture()
def volumes(tmp_path):
    """images/, masks/ and predictions/{model}/fold-*/ for CASES; the reference lesion of case i
    is largest on slice i % 4; each model's prediction is the reference shifted by k voxels in x."""
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    predictions = {m: {} for m in MODELS}
    for i, case in enumerate(CASES):
        image = np.full(SHAPE_ZYX, 30.0, dtype=np.float32)
        mask = np.zeros(SHAPE_ZYX, dtype=np.uint8)
        if i < 5:
            big = i % 4
            for z in range(SHAPE_ZYX[0]):
                half = 5 if z == big else 2
                mask[z, 12 - half:12 + half, 10 - half:10 + half] = 1
        image[mask > 0] = 70.0
        sitk.WriteImage(_image(image), str(images / f"{case}.nii.gz"))
        sitk.WriteImage(_image(mask), str(masks / f"{case}.nii.gz"))
        for k, model in enumerate(MODELS):
            path = tmp_path / "predictions" / model / f"fold-{i % 3}" / f"{case}.nii.gz"
            path.parent.mkdir(parents=True, exist_ok=True)
            sitk.WriteImage(_image(np.roll(mask, k, axis=2)), str(path))
            predictions[model][case] = path
    return {"images": images, "masks": masks, "predictions": predictions, "root": tmp_path}


@pytest.fixture()
def histories(tmp_path):
    """models/{model}/fold-{0,1}/history.tsv; fold 1 of each model stops one epoch early."""
    out = {}
    for k, model in enumerate(MODELS):
        files = []
        for fold in range(2):
            epochs = np.arange(1, 6 - fold)
            frame = pd.DataFrame({
                "epoch": epochs, "train_loss": 1.0 / epochs + 0.1 * k + 0.05 * fold,
                "val_loss": 1.1 / epochs, "val_dice": 0.5 + 0.08 * epochs - 0.05 * k + 0.01 * fold,
                "lr": 1e-3, "seconds": 2.0,
            })
            path = tmp_path / "models" / model / f"fold-{fold}" / "history.tsv"
            path.parent.mkdir(parents=True, exist_ok=True)
            frame.to_csv(path, sep="\t", index=False)
            files.append(path)
        out[model] = files
    return out
