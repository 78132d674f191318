"""Prediction: run a trained network over the held-out cases of a fold, on their original grid."""

from lesionbench.folds import FoldsFileError
from lesionbench.inference.predict import fold_test_cases, load_model, predict_case, predict_fold
from lesionbench.inference.runtime import foreground_probability, resolve_device, segmentation_logits
from lesionbench.inference.settings import PredictSettings, SettingsError
from lesionbench.inference.volume import predict_volume

__all__ = [
    "FoldsFileError", "PredictSettings", "SettingsError", "fold_test_cases", "foreground_probability", "load_model", "predict_case",
    "predict_fold", "predict_volume", "resolve_device", "segmentation_logits",
]
