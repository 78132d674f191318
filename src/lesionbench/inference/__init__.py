"""Prediction: run trained networks (one fold, or the fold ensemble) over cases, on their original grid."""

from lesionbench.folds import FoldsFileError
from lesionbench.inference.predict import (
    CLASSES_TSV,
    PROBABILITIES_DIR,
    CasePrediction,
    fold_test_cases,
    load_ensemble,
    load_model,
    predict_case,
    predict_ensemble,
    predict_fold,
    predict_case_outputs,
    predict_probability,
    probability_path,
    with_placement,
    write_prediction,
)
from lesionbench.inference.runtime import (
    foreground_probability,
    resolve_device,
    segmentation_logits,
)
from lesionbench.inference.settings import TTA_MODES, PredictSettings, SettingsError
from lesionbench.inference.volume import TTA_FLIPS, predict_volume
from lesionbench.inference.volume3d import TTA_FLIPS_3D, PlacementError, predict_volume_3d

__all__ = [
    "CLASSES_TSV", "PROBABILITIES_DIR", "TTA_FLIPS", "TTA_FLIPS_3D", "TTA_MODES", "CasePrediction", "FoldsFileError",
    "PlacementError", "PredictSettings", "SettingsError", "fold_test_cases", "foreground_probability",
    "load_ensemble", "load_model", "predict_case", "predict_case_outputs", "predict_ensemble", "predict_fold",
    "predict_probability", "predict_volume", "predict_volume_3d", "probability_path", "resolve_device",
    "segmentation_logits", "with_placement", "write_prediction",
]
