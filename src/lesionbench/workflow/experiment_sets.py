"""Experiment sets: the networks of one paper's table, run as one comparison.

An experiment set is a YAML file (``resources/experiments/{name}.yaml``) holding the networks a
paper compares, the training settings it gives (all networks of a paper are trained alike, e.g.
paper 000 section 2.1), the proposed model every other one is tested against, and *scales*:
overrides that shrink the networks and the schedule so the same set runs on a CPU (``demo``) or
in CI (``tiny``); scale ``paper`` applies no override. The configuration enables a set with::

    experiment_sets:
      paper000: {dataset: phantom, scale: demo}

and may adjust it there: ``override`` is merged into every experiment of the set after the scale
(``{dataset: phantom, scale: demo, override: {train: {epochs: 30, batch_size: 4}}}``), so one
number changes without copying the set file.

Each experiment ``e`` of set ``s`` becomes the workflow experiment ``s_e`` on that dataset, and
the set becomes the comparison ``s`` of that dataset (``results/{dataset}/stats/s/``). The
dataset's own experiments (those outside any set) form its comparison ``main``, configured by
the dataset's ``compare`` block.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from lesionbench.stats.style_names import TABLE_STYLE_NAMES

#: Name of the comparison made of a dataset's own experiments.
MAIN_COMPARISON = "main"
#: Keys an experiment of a set may carry (the same as a configuration experiment, minus dataset).
_EXPERIMENT_KEYS = {"label", "network", "loss", "train", "predict", "augment"}
_SET_KEYS = {"description", "reference", "compare", "defaults", "experiments", "scales"}


class ExperimentSetError(ValueError):
    """An experiment set file or its use in the configuration is invalid."""


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Recursively merge ``override`` onto ``base`` (mappings merge, everything else replaces)."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def load_experiment_set(path: str | Path) -> dict[str, Any]:
    """Read and check an experiment set file.

    Raises:
        FileNotFoundError: naming the file.
        ExperimentSetError: naming the file and the unknown or missing key.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: experiment set not found")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = sorted(set(data) - _SET_KEYS)
    if unknown:
        raise ExperimentSetError(f"{path}: unknown key(s) {unknown}; valid keys are {sorted(_SET_KEYS)}")
    for key in ("reference", "experiments"):
        if key not in data:
            raise ExperimentSetError(f"{path}: missing key '{key}'")
    if data["reference"] not in data["experiments"]:
        raise ExperimentSetError(
            f"{path}: reference '{data['reference']}' is not one of its experiments {sorted(data['experiments'])}"
        )
    for name, experiment in data["experiments"].items():
        unknown = sorted(set(experiment) - _EXPERIMENT_KEYS)
        if unknown:
            raise ExperimentSetError(f"{path}: experiments.{name}: unknown key(s) {unknown}")
    return data


def scaled_experiments(data: Mapping[str, Any], scale: str, source: Path) -> dict[str, dict[str, Any]]:
    """The set's experiments with its defaults and the chosen scale's overrides applied."""
    scales = data.get("scales", {})
    if scale != "paper" and scale not in scales:
        raise ExperimentSetError(f"{source}: no scale '{scale}' (available: paper, {', '.join(sorted(scales))})")
    scale_overrides = scales.get(scale, {})  # "paper" may refine the set's own settings too
    experiments = {}
    for name, experiment in data["experiments"].items():
        merged = deep_merge(data.get("defaults", {}), experiment)
        merged = deep_merge(merged, scale_overrides.get("all", {}))
        merged = deep_merge(merged, scale_overrides.get("experiments", {}).get(name, {}))
        experiments[name] = merged
    return experiments


def expand_experiment_sets(config: Mapping[str, Any], root: str | Path) -> dict[str, Any]:
    """Return a copy of ``config`` whose ``experiments`` include every enabled set's experiments.

    Adds ``config["comparisons"]``: ``{dataset: {comparison: {"experiments": [...],
    "compare": {...}}}}``, see :func:`comparisons`.

    Args:
        config: the validated configuration.
        root: the workflow's base folder; set files are ``root/resources/experiments/{set}.yaml``
            unless the set gives a ``file``.
    """
    config = copy.deepcopy(dict(config))
    experiments = config.setdefault("experiments", {})
    for set_name, options in (config.get("experiment_sets") or {}).items():
        path = Path(root) / options.get("file", f"resources/experiments/{set_name}.yaml")
        data = load_experiment_set(path)
        dataset = options["dataset"]
        if dataset not in config["datasets"]:
            raise ExperimentSetError(
                f"config: experiment_sets.{set_name}.dataset '{dataset}' is not one of {sorted(config['datasets'])}"
            )
        override = options.get("override") or {}
        unknown = sorted(set(override) - (_EXPERIMENT_KEYS - {"label"}))
        if unknown:
            raise ExperimentSetError(f"config: experiment_sets.{set_name}.override: unknown key(s) {unknown}; "
                                     f"valid keys are {sorted(_EXPERIMENT_KEYS - {'label'})}")
        for name, experiment in scaled_experiments(data, options.get("scale", "paper"), path).items():
            experiment = deep_merge(experiment, override)
            full_name = f"{set_name}_{name}"
            if full_name in experiments:
                raise ExperimentSetError(f"config: experiment '{full_name}' of set {set_name} is defined twice")
            experiments[full_name] = {"dataset": dataset, "experiment_set": set_name, **experiment}
            experiments[full_name].setdefault("label", name)
        config.setdefault("_sets", {})[set_name] = {
            "dataset": dataset,
            "reference": f"{set_name}_{data['reference']}",
            "compare": data.get("compare", {}),
            "description": data.get("description", ""),
        }
    config["comparisons"] = comparisons(config)
    return config


def comparisons(config: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """The comparisons of each dataset: its own experiments (``main``) and each enabled set.

    Returns:
        ``{dataset: {comparison: {"experiments": [names], "compare": settings}}}`` where
        settings are the dataset's ``compare`` block, overridden by the set's, with the
        reference and the display labels filled in.
    """
    result: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in config["datasets"]}
    experiments = config.get("experiments", {})
    for dataset, dataset_config in config["datasets"].items():
        own = [n for n, e in experiments.items() if e["dataset"] == dataset and "experiment_set" not in e]
        if own:
            if "compare" not in dataset_config:
                raise ExperimentSetError(f"config: datasets.{dataset} has experiments but no 'compare' block")
            result[dataset][MAIN_COMPARISON] = _comparison(dataset_config["compare"], own, experiments)
    for set_name, info in config.get("_sets", {}).items():
        members = [n for n, e in experiments.items() if e.get("experiment_set") == set_name]
        base = {k: v for k, v in config["datasets"][info["dataset"]].get("compare", {}).items() if k != "reference"}
        settings = deep_merge(base, info["compare"])
        settings["reference"] = info["reference"]
        result[info["dataset"]][set_name] = _comparison(settings, members, experiments)
    return result


#: Table layouts of the papers (lesionbench.stats.styles). Every comparison writes all of them, so
#: each is a report item; the configured ones come first (the first is also ``table.*``).
TABLE_STYLES = TABLE_STYLE_NAMES


def _comparison(settings: Mapping[str, Any], members: list[str], experiments: Mapping[str, Any]) -> dict[str, Any]:
    settings = dict(settings)
    chosen = list(settings.get("table_styles", TABLE_STYLES[:1]))
    settings["table_styles"] = chosen + [style for style in TABLE_STYLES if style not in chosen]
    if settings.get("reference") not in members:
        raise ExperimentSetError(
            f"config: compare.reference '{settings.get('reference')}' is not one of the compared experiments {members}"
        )
    settings["labels"] = {name: experiments[name].get("label", name) for name in members}
    return {"experiments": members, "compare": settings}


def resolve_config(config: Mapping[str, Any], root: str | Path) -> dict[str, Any]:
    """Expand experiment sets and check cross-references (datasets of experiments)."""
    for name, experiment in config.get("experiments", {}).items():
        if experiment["dataset"] not in config["datasets"]:
            raise ExperimentSetError(
                f"config: experiments.{name}.dataset '{experiment['dataset']}' is not one of "
                f"the datasets {sorted(config['datasets'])}"
            )
    return expand_experiment_sets(config, root)
