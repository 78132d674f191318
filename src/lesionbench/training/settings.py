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
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, model_validator

from lesionbench.augment import AugmentSettings
from lesionbench.classification.target import ClassTarget
from lesionbench.config import KeyProblem, Number, Settings, SettingsError, choice
from lesionbench.inference.settings import PredictSettings
from lesionbench.io import settings_hash
from lesionbench.training.optimizers import OPTIMIZERS
from lesionbench.training.schedules import SCHEDULES

#: Training settings that do not change the trained weights of an epoch; excluded from the hash
#: that decides whether a checkpoint may be resumed (so ``epochs`` can be raised and resumed).
#: Loader workers change nothing either: every draw is made in the main process.
_NOT_HASHED = ("epochs", "threads", "workers", "checkpoint")
#: Network options that come from the data (the trainer fills them in), never refused.
_DATA_OPTIONS = ("in_channels", "out_channels", "spatial_dims")
#: Network-section keys that choose the network's input rather than build it: read by the
#: trainer (:meth:`NetworkSettings.input_offsets`), never passed to the constructor.
INPUT_OPTIONS = ("input_offsets",)

Positive = Annotated[Number, Field(gt=0.0)]
NonNegative = Annotated[Number, Field(ge=0.0)]
Probability = Annotated[Number, Field(ge=0.0, le=1.0)]


def _network_names() -> list[str]:
    from lesionbench.networks import available_networks

    return available_networks()


def _loss_names() -> list[str]:
    from lesionbench.losses import available_losses

    return available_losses()


class ComponentSettings(Settings):
    """A registry name plus keyword options: ``{"name": "unet", "features": [...]}``.

    The options are checked against the constructor of the named network or loss (an unknown
    option is an error naming it and listing the valid ones); their values are checked by the
    constructor when it builds.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    KIND: ClassVar[str] = "component"

    @classmethod
    def registry(cls) -> Any:
        raise NotImplementedError

    @model_validator(mode="after")
    def _known_options(self) -> ComponentSettings:
        entry = self.registry().entry(self.name)
        valid = entry.option_names()
        if valid is not None:
            for key in self.kwargs:
                if key not in valid and key not in _DATA_OPTIONS:
                    raise KeyProblem(key, f"unknown option of {self.KIND} {self.name!r} "
                                          f"(valid: {', '.join(sorted(set(valid) - {'self'}))})")
        return self

    @property
    def kwargs(self) -> dict[str, Any]:
        """The options besides ``name``."""
        return dict(self.model_extra or {})


class NetworkSettings(ComponentSettings):
    """``experiments.<e>.network``: a name of :func:`lesionbench.networks.available_networks` and its options.

    Any other key is a keyword option of the network's constructor (``features``, ``dropout``,
    ...: see ``docs/architecture.md`` and the network's docstring); an unknown one is refused
    with the valid names.

    One key chooses the input instead of building the network: ``input_offsets``, the offsets of
    the dataset's 2.5D stack (``samples.slice_offsets``) the network sees, e.g. ``[0]``: the
    target slice alone (paper 003's 2D baselines, docs/paper003.md B-26) on the samples the 2.5D
    networks read as a whole stack. Training, validation and prediction read the narrowed stack,
    and the checkpoint records it as its sample geometry (so ``lesionbench segment`` applies it);
    another layout or an offset outside the stack is refused when training starts.

    Attributes:
        name: the network (registry name).
    """

    KIND: ClassVar[str] = "network"
    name: choice("network", _network_names)  # type: ignore[valid-type]

    @classmethod
    def registry(cls) -> Any:
        from lesionbench.networks import NETWORKS

        return NETWORKS

    @model_validator(mode="after")
    def _input_offsets_form(self) -> NetworkSettings:
        offsets = (self.model_extra or {}).get("input_offsets")
        if offsets is None:
            return self
        if (not isinstance(offsets, (list, tuple)) or not offsets or len(set(offsets)) != len(offsets)
                or any(isinstance(o, bool) or not isinstance(o, int) for o in offsets)):
            raise KeyProblem("input_offsets",
                             f"expected a non-empty list of distinct integer slice offsets, got {offsets!r}")
        return self

    @property
    def kwargs(self) -> dict[str, Any]:
        """The constructor's options: those besides ``name`` and :data:`INPUT_OPTIONS`."""
        return {k: v for k, v in (self.model_extra or {}).items() if k not in INPUT_OPTIONS}

    @property
    def input_offsets(self) -> tuple[int, ...] | None:
        """``input_offsets``: the 2.5D stack offsets the network sees; ``None``: the whole stack."""
        offsets = (self.model_extra or {}).get("input_offsets")
        return None if offsets is None else tuple(int(o) for o in offsets)


class LossSettings(ComponentSettings):
    """``experiments.<e>.loss``: a name of :func:`lesionbench.losses.available_losses` and its options.

    Any other key is a keyword option of the loss (``weight``, ``smooth``, ...); an unknown one is
    refused with the valid names.

    Attributes:
        name: the loss (registry name).
    """

    KIND: ClassVar[str] = "loss"
    name: choice("loss", _loss_names)  # type: ignore[valid-type]

    @classmethod
    def registry(cls) -> Any:
        from lesionbench.losses.factory import LOSSES

        return LOSSES


class _Options(Settings):
    """A registry name and optional options, each allowed only for some names."""

    SPECS: ClassVar[Mapping[str, Any]] = {}

    def options_set(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(mode="json").items() if k not in ("name", "lr") and v is not None}

    @model_validator(mode="after")
    def _options_of_this_name(self) -> _Options:
        spec = self.SPECS[self.name]
        for key in self.options_set():
            if key not in spec.options:
                raise KeyProblem(key, f"not an option of {self.name!r} (valid: {', '.join(spec.options) or 'none'})")
        for key in getattr(spec, "required", ()):
            if getattr(self, key) is None:
                raise KeyProblem(key, f"required by {self.name!r}")
        return self

    def to_dict(self) -> dict[str, Any]:
        base = {"name": self.name, **({"lr": self.lr} if "lr" in type(self).model_fields else {})}
        return {**base, **self.options_set()}


class OptimizerSettings(_Options):
    """``train.optimizer``: a torch optimizer, its learning rate and constructor options.

    Each option is allowed only for the optimizers whose torch constructor takes it (adam,
    adamw: weight_decay, betas, eps, amsgrad; rmsprop: weight_decay, momentum, alpha, eps,
    centered; sgd: weight_decay, momentum, nesterov, dampening); unset options keep torch's
    defaults.

    Attributes:
        name: the optimizer.
        lr: initial learning rate.
        weight_decay: L2 penalty (decoupled for adamw).
        betas: adam/adamw ``[beta1, beta2]``.
        eps: term added to the denominator for numerical stability.
        amsgrad: adam/adamw: use the AMSGrad variant.
        momentum: rmsprop/sgd momentum factor.
        alpha: rmsprop smoothing constant.
        centered: rmsprop: normalise by the estimated variance of the gradient.
        nesterov: sgd: Nesterov momentum.
        dampening: sgd: dampening of the momentum.
    """

    SPECS: ClassVar[Mapping[str, Any]] = OPTIMIZERS

    name: choice("optimizer", lambda: sorted(OPTIMIZERS)) = "adam"  # type: ignore[valid-type]
    lr: Positive = 1e-4
    weight_decay: NonNegative | None = None
    betas: tuple[Probability, Probability] | None = None
    eps: NonNegative | None = None
    amsgrad: StrictBool | None = None
    momentum: NonNegative | None = None
    alpha: NonNegative | None = None
    centered: StrictBool | None = None
    nesterov: StrictBool | None = None
    dampening: NonNegative | None = None

    @property
    def options(self) -> dict[str, Any]:
        """The constructor options besides ``lr``."""
        return self.options_set()


class ScheduleSettings(_Options):
    """``train.schedule``: the learning-rate schedule, stepped once per optimizer iteration.

    ``constant``: the initial rate throughout. ``exponential`` (paper 000 section 2.1):
    ``lr * gamma ** (iteration / every_iterations)``, the exponent floored when ``staircase``.
    ``epoch_decay`` (paper 001 section 3.3): ``lr * gamma ** (epoch - 1)``.

    Attributes:
        name: the schedule.
        gamma: decay factor in ``(0, 1]`` (exponential, epoch_decay: required).
        every_iterations: exponential: iterations per decay step (required).
        staircase: exponential: decay in steps (default ``true``) rather than smoothly.
    """

    SPECS: ClassVar[Mapping[str, Any]] = SCHEDULES

    name: choice("schedule", lambda: sorted(SCHEDULES)) = "constant"  # type: ignore[valid-type]
    gamma: Annotated[Number, Field(gt=0.0, le=1.0)] | None = None
    every_iterations: Annotated[StrictInt, Field(ge=1)] | None = None
    staircase: StrictBool | None = None

    @property
    def options(self) -> dict[str, Any]:
        return self.options_set()


class TrainSettings(Settings):
    """How one fold is trained.

    Attributes:
        epochs: passes over the (augmented) training set (paper 000: 240).
        batch_size: samples per optimizer step (paper 000: 3); also the validation batch size.
        optimizer: see :class:`OptimizerSettings`.
        schedule: see :class:`ScheduleSettings`; stepped once per iteration.
        seed: seeds torch, numpy, ``random`` and the shuffling generator.
        val_every: validate every this many epochs (and always after the last epoch).
        checkpoint: which epoch's weights become ``best.pt``: ``best`` (the highest validation
            Dice; the lowest validation loss for a classifier) or ``last`` (the final epoch; paper 001 describes no validation-based
            selection, docs/paper001.md A-8).
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

    WHERE: ClassVar[str] = "train"

    epochs: Annotated[StrictInt, Field(ge=1)]
    batch_size: Annotated[StrictInt, Field(ge=1)] = 2
    optimizer: OptimizerSettings = OptimizerSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    seed: Annotated[StrictInt, Field(ge=0)] = 0
    val_every: Annotated[StrictInt, Field(ge=1)] = 1
    checkpoint: Literal["best", "last"] = "best"
    amp: choice("amp mode", (True, False, "auto", "float16", "bfloat16")) = "auto"  # type: ignore[valid-type]
    threads: Annotated[StrictInt, Field(ge=1)] | None = None
    max_train_batches_per_epoch: Annotated[StrictInt, Field(ge=1)] | None = None
    workers: Annotated[Literal["auto"] | Annotated[StrictInt, Field(ge=0)], BeforeValidator(_workers)] = "auto"


def _workers(value: Any) -> Any:
    if value != "auto" and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ValueError(f"expected an integer >= 0 or 'auto', got {value!r}")
    return value


def resolve_workers(workers: int | str, device_type: str) -> int:
    """``train.workers`` as a number: ``"auto"`` is 0 on the CPU and ``min(4, cores - 1)`` on a GPU."""
    if workers != "auto":
        return int(workers)
    if device_type == "cpu":
        return 0
    return max(0, min(4, len(os.sched_getaffinity(0)) - 1))


class ExperimentSettings(Settings):
    """One experiment: ``{"network", "loss", "train", "predict", "augment", "foreground_fraction"}``.

    Attributes:
        network, loss: registry name and options.
        train: see :class:`TrainSettings`.
        predict: see :class:`lesionbench.inference.PredictSettings`.
        augment: how training samples are augmented (the dataset's ``augment`` section refined
            by the experiment's; :class:`lesionbench.augment.AugmentSettings`); absent: none.
        foreground_fraction: the dataset's ``samples.foreground_fraction`` (share of each batch
            drawn from samples with lesion), or ``None``.
        classification: the dataset's class target (multi-task networks and losses), or ``None``.
    """

    WHERE: ClassVar[str] = ""

    network: NetworkSettings
    loss: LossSettings
    train: TrainSettings
    predict: PredictSettings = PredictSettings()
    augment: AugmentSettings = AugmentSettings(mode="none")
    foreground_fraction: Probability | None = None
    classification: ClassTarget | None = None

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
                "train": {**self.train.to_dict(), "optimizer": self.train.optimizer.to_dict(),
                          "schedule": self.train.schedule.to_dict()},
                "predict": self.predict.to_dict(), "augment": self.augment.to_dict(),
                "foreground_fraction": self.foreground_fraction,
                "classification": None if self.classification is None else self.classification.to_dict()}

    def training_hash(self) -> str:
        """Hash of everything that determines the trained weights epoch by epoch.

        Leaves out ``train.epochs``, ``train.threads`` and ``train.workers`` (:data:`_NOT_HASHED`)
        and the prediction section, so a run can be resumed with more epochs or other thread
        counts; the augmentation counts only through what its mode uses.
        """
        train = {k: v for k, v in self.to_dict()["train"].items() if k not in _NOT_HASHED}
        hashed = {"network": self.network.to_dict(), "loss": self.loss.to_dict(), "train": train,
                  "augment": self.augment.active(), "foreground_fraction": self.foreground_fraction}
        if self.classification is not None:  # absent from older hashes: their checkpoints still resume
            hashed["classification"] = self.classification.to_dict()
        return settings_hash(hashed)
