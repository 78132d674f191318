"""Configuration logic of the Snakemake workflow, kept in the package so it can be tested.

``workflow/rules/common.smk`` calls :func:`resolve_config` once after validating the
configuration; the rules then read plain dictionaries.
"""

from lesionbench.workflow.experiment_sets import (
    ExperimentSetError,
    comparisons,
    deep_merge,
    expand_experiment_sets,
    load_experiment_set,
    resolve_config,
    scaled_experiments,
)

__all__ = [
    "ExperimentSetError", "comparisons", "deep_merge", "expand_experiment_sets",
    "load_experiment_set", "resolve_config", "scaled_experiments",
]
