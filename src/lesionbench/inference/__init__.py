"""Prediction: run trained networks (one fold, or the fold ensemble) over cases, on their original grid."""

from lesionbench.folds import FoldsFileError
from lesionbench.inference.predict import (
    PROBABILITIES_DIR,
    fold_test_cases,
    load_ensemble,
    load_model,
    predict_case,
    predict_ensemble,
    predict_fold,
    predict_probability,
    probability_path,
    write_prediction,
)
from lesionbench.inference.runtime import (
    foreground_probability,
    resolve_device,
    segmentation_logits,
)
from lesionbench.inference.settings import TTA_MODES, PredictSettings, SettingsError
from lesionbench.inference.volume import TTA_FLIPS, predict_volume

__all__ = [
    "PROBABILITIES_DIR", "TTA_FLIPS", "TTA_MODES", "FoldsFileError", "PredictSettings", "SettingsError",
    "fold_test_cases", "foreground_probability", "load_ensemble", "load_model", "predict_case", "predict_ensemble",
    "predict_fold", "predict_probability", "predict_volume", "probability_path", "resolve_device",
    "segmentation_logits", "write_prediction",
]
