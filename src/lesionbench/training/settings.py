"""Typed experiment settings: network, loss, training and prediction sections of one experiment.

Built from the experiment's section of ``config.yaml`` with :meth:`ExperimentSettings.from_dict`;
every key is checked, and an unknown key fails with its dotted name (``train.optimizer.lrr``).
Defaults are the only numbers in code; the papers' values are config (paper 000 section 2.1:
``{"epochs": 240, "batch_size": 3, "optimizer": {"name": "adam", "lr": 4e-5}, "schedule":
{"name": "exponential", "gamma": 0.8, "every_iterations": 8595, "staircase": true}}``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lesionbench.augment import AugmentSettings
from lesionbench.inference.runtime import AMP_DTYPES
from lesionbench.inference.settings import (
    PredictSettings, SettingsError, as_bool, as_float, as_int, check_keys, check_mapping,
)
from lesionbench.io import settings_hash
from lesionbench.training.optimizers import OPTIMIZERS
from lesionbench.training.schedules import SCHEDULES

#: Training settings that do not change the trained weights of an epoch; excluded from the hash
#: that decides whether a checkpoint may be resumed (so ``epochs`` can be raised and resumed).
#: Loader workers change nothing either: every draw is made in the main process.
_NOT_HASHED = ("epochs", "threads", "workers")


@dataclass(frozen=True)
class ComponentSettings:
    """A registry name plus keyword arguments: ``{"name": "unet", "features": [...]}``."""

    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> ComponentSettings:
        """Split ``{"name": ..., **kwargs}``; the registry checks the kwargs when it builds.

        Raises:
            SettingsError: if ``name`` is missing or not a string.
        """
        data = check_mapping(data, where)
        if not isinstance(data.get("name"), str) or not data["name"]:
            raise SettingsError(f"{where}.name: required, a registry name (string)")
        return cls(name=data["name"], kwargs={k: v for k, v in data.items() if k != "name"})

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, **self.kwargs}


@dataclass(frozen=True)
class OptimizerSettings:
    """``{"name": "adam" | "adamw" | "rmsprop" | "sgd", "lr": float, ...constructor options}``."""

    name: str = "adam"
    lr: float = 1e-4
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "train.optimizer") -> OptimizerSettings:
        data = check_mapping(data, where)
        name = data.get("name", cls.name)
        if name not in OPTIMIZERS:
            raise SettingsError(f"{where}.name: unknown optimizer {name!r} (valid: {', '.join(sorted(OPTIMIZERS))})")
        check_keys(data, ("name", "lr", *OPTIMIZERS[name].options), where)
        options = {key: value for key, value in data.items() if key not in ("name", "lr")}
        for key in ("weight_decay", "momentum", "eps", "alpha", "dampening"):
            if key in options:
                options[key] = as_float(options[key], f"{where}.{key}", 0.0)
        for key in ("amsgrad", "nesterov", "centered"):
            if key in options:
                options[key] = as_bool(options[key], f"{where}.{key}")
        if "betas" in options:
            betas = options["betas"]
            if not isinstance(betas, (list, tuple)) or len(betas) != 2:
                raise SettingsError(f"{where}.betas: expected [beta1, beta2], got {betas!r}")
            options["betas"] = [as_float(b, f"{where}.betas", 0.0, 1.0) for b in betas]
        lr = as_float(data.get("lr", cls.lr), f"{where}.lr", 0.0, exclusive_minimum=True)
        return cls(name=name, lr=lr, options=options)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "lr": self.lr, **self.options}


@dataclass(frozen=True)
class ScheduleSettings:
    """``{"name": "constant" | "exponential" | "epoch_decay", ...options}`` (see ``schedules``)."""

    name: str = "constant"
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "train.schedule") -> ScheduleSettings:
        data = check_mapping(data, where)
        name = data.get("name", cls.name)
        if name not in SCHEDULES:
            raise SettingsError(f"{where}.name: unknown schedule {name!r} (valid: {', '.join(sorted(SCHEDULES))})")
        spec = SCHEDULES[name]
        check_keys(data, ("name", *spec.options), where, required=spec.required)
        options = {key: value for key, value in data.items() if key != "name"}
        if "gamma" in options:
            options["gamma"] = as_float(options["gamma"], f"{where}.gamma", 0.0, 1.0, exclusive_minimum=True)
        if "every_iterations" in options:
            options["every_iterations"] = as_int(options["every_iterations"], f"{where}.every_iterations", 1)
        if "staircase" in options:
            options["staircase"] = as_bool(options["staircase"], f"{where}.staircase")
        return cls(name=name, options=options)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, **self.options}


@dataclass(frozen=True)
class TrainSettings:
    """How one fold is trained.

    Attributes:
        epochs: passes over the (augmented) training set (paper 000: 240).
        batch_size: samples per optimizer step (paper 000: 3); also the validation batch size.
        optimizer: see :class:`OptimizerSettings`.
        schedule: see :class:`ScheduleSettings`; stepped once per iteration.
        seed: seeds torch, numpy, ``random`` and the shuffling generator.
        val_every: validate every this many epochs (and always after the last epoch).
        amp: mixed precision: ``"auto"`` (on for CUDA only), ``true`` (needs CUDA), ``false``,
            or the autocast type ``"bfloat16"``/``"float16"``; ``auto`` and ``true`` take
            bfloat16 where the GPU has it (see :func:`lesionbench.inference.runtime.resolve_amp`).
        threads: torch CPU threads; ``None`` leaves torch's default.
        max_train_batches_per_epoch: optional cap on the iterations of one epoch.
        workers: data-loader worker processes that read and augment samples while the model
            trains (0: in the training process); ``"auto"``: none on the CPU, where the
            training step already uses the cores (``benchmarks/loader_throughput.py``), up to 4
            on a GPU.
    """

    epochs: int
    batch_size: int = 2
    optimizer: OptimizerSettings = field(default_factory=OptimizerSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    seed: int = 0
    val_every: int = 1
    amp: bool | str = "auto"
    threads: int | None = None
    max_train_batches_per_epoch: int | None = None
    workers: int | str = "auto"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "train") -> TrainSettings:
        data = check_mapping(data, where)
        check_keys(data, ("epochs", "batch_size", "optimizer", "schedule", "seed", "val_every", "amp",
                          "threads", "max_train_batches_per_epoch", "workers"), where, required=("epochs",))
        amp = data.get("amp", "auto")
        if amp not in ("auto", *AMP_DTYPES) and not isinstance(amp, bool):
            raise SettingsError(f"{where}.amp: expected \"auto\", true, false, \"float16\" or \"bfloat16\", "
                                f"got {amp!r}")
        threads = data.get("threads")
        cap = data.get("max_train_batches_per_epoch")
        return cls(
            epochs=as_int(data["epochs"], f"{where}.epochs", 1),
            batch_size=as_int(data.get("batch_size", cls.batch_size), f"{where}.batch_size", 1),
            optimizer=OptimizerSettings.from_dict(data.get("optimizer", {}), f"{where}.optimizer"),
            schedule=ScheduleSettings.from_dict(data.get("schedule", {}), f"{where}.schedule"),
            seed=as_int(data.get("seed", cls.seed), f"{where}.seed", 0),
            val_every=as_int(data.get("val_every", cls.val_every), f"{where}.val_every", 1),
            amp=amp,
            threads=None if threads is None else as_int(threads, f"{where}.threads", 1),
            max_train_batches_per_epoch=None if cap is None else as_int(cap, f"{where}.max_train_batches_per_epoch", 1),
            workers=_workers(data.get("workers", cls.workers), f"{where}.workers"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "epochs": self.epochs, "batch_size": self.batch_size, "optimizer": self.optimizer.to_dict(),
            "schedule": self.schedule.to_dict(), "seed": self.seed, "val_every": self.val_every,
            "amp": self.amp, "threads": self.threads,
            "max_train_batches_per_epoch": self.max_train_batches_per_epoch, "workers": self.workers,
        }


def _workers(value: Any, where: str) -> int | str:
    return value if value == "auto" else as_int(value, where, 0)


def resolve_workers(workers: int | str, device_type: str) -> int:
    """``train.workers`` as a number: ``"auto"`` is 0 on the CPU and ``min(4, cores - 1)`` on a GPU."""
    if workers != "auto":
        return int(workers)
    if device_type == "cpu":
        return 0
    return max(0, min(4, len(os.sched_getaffinity(0)) - 1))


@dataclass(frozen=True)
class ExperimentSettings:
    """One experiment: ``{"network", "loss", "train", "predict", "augment", "foreground_fraction"}``.

    Attributes:
        network, loss: registry name and options.
        train: see :class:`TrainSettings`.
        predict: see :class:`lesionbench.inference.PredictSettings`.
        augment: how training samples are augmented (the dataset's ``augment`` section refined
            by the experiment's; :class:`lesionbench.augment.AugmentSettings`); absent: none.
        foreground_fraction: the dataset's ``samples.foreground_fraction`` (share of each batch
            drawn from samples with lesion), or ``None``.
    """

    network: ComponentSettings
    loss: ComponentSettings
    train: TrainSettings
    predict: PredictSettings = field(default_factory=PredictSettings)
    augment: AugmentSettings = field(default_factory=lambda: AugmentSettings(mode="none"))
    foreground_fraction: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExperimentSettings:
        """Validate and wrap an experiment's config section.

        Raises:
            SettingsError: naming the key, for an unknown, missing or mistyped setting.
        """
        data = check_mapping(data, "experiment")
        check_keys(data, ("network", "loss", "train", "predict", "augment", "foreground_fraction"), "experiment",
                   required=("network", "loss", "train"))
        try:
            augment = AugmentSettings.from_dict(data["augment"]) if "augment" in data else AugmentSettings(mode="none")
        except ValueError as error:
            raise SettingsError(str(error)) from error
        fraction = data.get("foreground_fraction")
        return cls(
            network=ComponentSettings.from_dict(data["network"], "network"),
            loss=ComponentSettings.from_dict(data["loss"], "loss"),
            train=TrainSettings.from_dict(data["train"]),
            predict=PredictSettings.from_dict(data.get("predict", {})),
            augment=augment,
            foreground_fraction=None if fraction is None else as_float(fraction, "foreground_fraction", 0.0, 1.0),
        )

    @classmethod
    def from_json(cls, text: str) -> ExperimentSettings:
        """Parse the JSON string the command line receives, then :meth:`from_dict`."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise SettingsError(f"settings: not valid JSON ({error})") from error
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        return {"network": self.network.to_dict(), "loss": self.loss.to_dict(),
                "train": self.train.to_dict(), "predict": self.predict.to_dict(), "augment": self.augment.to_dict(),
                "foreground_fraction": self.foreground_fraction}

    def training_hash(self) -> str:
        """Hash of everything that determines the trained weights epoch by epoch.

        Leaves out ``train.epochs``, ``train.threads`` and ``train.workers`` (:data:`_NOT_HASHED`)
        and the prediction section, so a run can be resumed with more epochs or other thread
        counts; the augmentation counts only through what its mode uses.
        """
        train = {k: v for k, v in self.train.to_dict().items() if k not in _NOT_HASHED}
        return settings_hash({"network": self.network.to_dict(), "loss": self.loss.to_dict(), "train": train,
                              "augment": self.augment.active(), "foreground_fraction": self.foreground_fraction})
