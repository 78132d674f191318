"""Post-processing of predicted lesion masks, chosen on cross-validation (nnU-Net's rule).

:mod:`~lesionbench.postprocess.components` holds the registry of connected-component
operations (``none``, ``largest_component``, ``min_volume``) and :func:`apply`;
:mod:`~lesionbench.postprocess.select` scores them on the fold predictions of one experiment
and writes the decision (``postprocessing.json``).
"""

from lesionbench.postprocess.components import (
    OPERATIONS,
    Components,
    apply,
    apply_to_components,
    apply_to_image,
    component_count,
    component_volumes_ml,
    label_components,
    parse_step,
    step_label,
)
from lesionbench.postprocess.select import (
    CRITERION,
    DEFAULT_CANDIDATES_ML,
    candidate_steps,
    choose_postprocessing,
    collect_cases,
    prediction_files,
    read_decision,
    validate_decision,
    write_decision,
)

__all__ = [
    "CRITERION",
    "DEFAULT_CANDIDATES_ML",
    "OPERATIONS",
    "Components",
    "apply",
    "apply_to_components",
    "apply_to_image",
    "candidate_steps",
    "choose_postprocessing",
    "collect_cases",
    "component_count",
    "component_volumes_ml",
    "label_components",
    "parse_step",
    "prediction_files",
    "read_decision",
    "step_label",
    "validate_decision",
    "write_decision",
]
