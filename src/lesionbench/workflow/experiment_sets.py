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
from typing import Annotated, Any

import yaml
from pydantic import Field, ValidationError, model_validator

from lesionbench.config.base import KeyProblem, Settings, SettingsError, describe_error
from lesionbench.stats.style_names import TABLE_STYLE_NAMES

#: Name of the comparison made of a dataset's own experiments.
MAIN_COMPARISON = "main"


class ExperimentSetError(SettingsError):
    """An experiment set file or its use in the configuration is invalid."""


class ExperimentOverride(Settings):
    """``experiment_sets.<set>.override``: sections merged into every experiment of the set after
    its scale. The sections are checked as an experiment's once merged
    (:func:`lesionbench.config.workflow.check_config`).

    Attributes:
        network: keys merged into each experiment's ``network`` (e.g. ``features``).
        loss: keys merged into each experiment's ``loss``.
        train: keys merged into each experiment's ``train`` (e.g. ``epochs``, ``batch_size``).
        predict: keys merged into each experiment's ``predict`` (e.g. ``threshold``).
        augment: keys merged into each experiment's ``augment``.
    """

    network: dict[str, Any] = {}
    loss: dict[str, Any] = {}
    train: dict[str, Any] = {}
    predict: dict[str, Any] = {}
    augment: dict[str, Any] = {}


class SetExperiment(ExperimentOverride):
    """One experiment of a set file: a configuration experiment's sections, minus its dataset.

    Attributes:
        network: the experiment's ``network`` section (merged over the set's ``defaults``).
        loss: the experiment's ``loss`` section.
        train: the experiment's ``train`` section.
        predict: the experiment's ``predict`` section.
        augment: the experiment's ``augment`` section (refines the dataset's).
        label: the name tables and figures show (default: the experiment's name).
    """

    label: str | None = None


class SetScale(Settings):
    """One scale of a set: overrides for all its experiments and for some of them.

    Attributes:
        all: sections merged into every experiment of the set.
        experiments: experiment name -> sections merged into that experiment (after ``all``).
    """

    all: SetExperiment = SetExperiment()
    experiments: dict[str, SetExperiment] = {}


class ExperimentSetFile(Settings):
    """An experiment set file (``resources/experiments/<set>.yaml``).

    Attributes:
        description: what the set reproduces (the paper and its table).
        reference: the experiment every other one is tested against (the proposed model).
        compare: the comparison's settings (a dataset ``compare`` block, without ``reference``).
        defaults: sections shared by every experiment (the paper's common training settings).
        experiments: experiment name -> its sections; at least one.
        scales: scale name -> overrides (``paper`` applies none; ``demo`` and ``tiny`` shrink
            networks and schedules for a CPU and for CI).
    """

    description: str = ""
    reference: str
    compare: dict[str, Any] = {}
    defaults: SetExperiment = SetExperiment()
    experiments: Annotated[dict[str, SetExperiment], Field(min_length=1)]
    scales: dict[str, SetScale] = {}

    @model_validator(mode="after")
    def _reference_is_an_experiment(self) -> ExperimentSetFile:
        if self.reference not in self.experiments:
            raise KeyProblem("reference", f"{self.reference!r} is not one of its experiments "
                                          f"({', '.join(self.experiments)})")
        for name, scale in self.scales.items():
            unknown = sorted(set(scale.experiments) - set(self.experiments))
            if unknown:
                raise KeyProblem(f"scales.{name}.experiments", f"unknown experiment(s) {', '.join(unknown)} "
                                                               f"(valid: {', '.join(self.experiments)})")
        return self


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

    Returns:
        The file's mapping as written (sections not yet merged).

    Raises:
        FileNotFoundError: naming the file.
        ExperimentSetError: ``{path}: {key path}: {problem}``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: experiment set not found")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        ExperimentSetFile.model_validate(data)
    except ValidationError as error:
        raise ExperimentSetError(f"{path}: {describe_error(error, ExperimentSetFile)}") from None
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


def set_file(name: str, options: Mapping[str, Any], root: str | Path) -> Path:
    """The file of experiment set ``name``: ``options["file"]`` or ``resources/experiments/{name}.yaml``,
    relative to the workflow's folder ``root``."""
    return Path(root) / (options.get("file") or f"resources/experiments/{name}.yaml")


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
        path = set_file(set_name, options, root)
        data = load_experiment_set(path)
        scale, scales = options.get("scale", "paper"), ["paper", *(data.get("scales") or {})]
        if scale not in scales:
            raise ExperimentSetError(f"experiment_sets.{set_name}.scale: unknown scale {scale!r} of {path} "
                                     f"(valid: {', '.join(dict.fromkeys(scales))})")
        dataset = options["dataset"]
        _check_dataset(config, dataset, f"experiment_sets.{set_name}.dataset")
        override = options.get("override") or {}
        unknown = sorted(set(override) - _OVERRIDE_KEYS)
        if unknown:
            raise ExperimentSetError(f"experiment_sets.{set_name}.override.{unknown[0]}: unknown setting "
                                     f"(valid: {', '.join(sorted(_OVERRIDE_KEYS))})")
        for name, experiment in scaled_experiments(data, scale, path).items():
            experiment = deep_merge(experiment, override)
            full_name = f"{set_name}_{name}"
            if full_name in experiments:
                raise ExperimentSetError(f"experiments.{full_name}: defined in the configuration and by "
                                         f"experiment set {set_name}")
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
                raise ExperimentSetError(f"datasets.{dataset}.compare: required setting is missing (the dataset "
                                         f"has experiments: {', '.join(own)})")
            result[dataset][MAIN_COMPARISON] = _comparison(dataset_config["compare"], own, experiments,
                                                           f"datasets.{dataset}.compare")
    for set_name, info in config.get("_sets", {}).items():
        members = [n for n, e in experiments.items() if e.get("experiment_set") == set_name]
        base = {k: v for k, v in config["datasets"][info["dataset"]].get("compare", {}).items() if k != "reference"}
        settings = deep_merge(base, info["compare"])
        settings["reference"] = info["reference"]
        result[info["dataset"]][set_name] = _comparison(settings, members, experiments,
                                                        f"experiment_sets.{set_name}.compare")
    return result


#: Table layouts of the papers (lesionbench.stats.styles). Every comparison writes all of them, so
#: each is a report item; the configured ones come first (the first is also ``table.*``).
TABLE_STYLES = TABLE_STYLE_NAMES


def _comparison(settings: Mapping[str, Any], members: list[str], experiments: Mapping[str, Any],
                where: str) -> dict[str, Any]:
    settings = dict(settings)
    chosen = list(settings.get("table_styles", TABLE_STYLES[:1]))
    settings["table_styles"] = chosen + [style for style in TABLE_STYLES if style not in chosen]
    if settings.get("reference") not in members:
        raise ExperimentSetError(f"{where}.reference: {settings.get('reference')!r} is not one of the compared "
                                 f"experiments ({', '.join(members)})")
    settings["labels"] = {name: experiments[name].get("label", name) for name in members}
    return {"experiments": members, "compare": settings}


#: Sections ``experiment_sets.<set>.override`` may refine.
_OVERRIDE_KEYS = frozenset(ExperimentOverride.model_fields)


def _check_dataset(config: Mapping[str, Any], dataset: str, where: str) -> None:
    if dataset not in config["datasets"]:
        raise ExperimentSetError(f"{where}: unknown dataset {dataset!r} (valid: {', '.join(config['datasets'])})")


def resolve_config(config: Mapping[str, Any], root: str | Path) -> dict[str, Any]:
    """Expand experiment sets and check cross-references (datasets of experiments)."""
    for name, experiment in config.get("experiments", {}).items():
        _check_dataset(config, experiment["dataset"], f"experiments.{name}.dataset")
    return expand_experiment_sets(config, root)
