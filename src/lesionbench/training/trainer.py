"""Train one experiment on one fold: epochs, validation, best checkpoint, resume.

Follows paper 000 section 2.1 (Adam, exponential staircase decay, fixed epochs), paper 001
section 3.3 (per-epoch decay) and paper 004 section 3.2 (keep the weights that did best on the
validation set) through the settings, which hold every number.

Files, in ``out_dir``:

- ``resume/last.pt`` after every epoch, ``resume/best.pt`` whenever validation Dice improves
  (strictly: a tie keeps the earlier epoch), ``resume/history.tsv`` (progress, every epoch);
- at the end, ``best.pt`` and ``history.tsv``, written atomically and only once training is
  complete. The workflow declares these two as outputs; Snakemake deletes a failed job's
  outputs before rerunning it, so the state needed to resume lives in ``resume/`` instead.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import torch

from lesionbench.inference.runtime import amp_name, model_to_device, needs_loss_scaling, resolve_amp, resolve_device
from lesionbench.inference.settings import SettingsError
from lesionbench.io import atomic_path, provenance
from lesionbench.losses.deep_supervision import DeepSupervision
from lesionbench.losses.multitask import Targets
from lesionbench.training.checkpoint import (
    capture_rng, resumable_checkpoint, restore_rng, save_checkpoint, seed_everything,
)
from lesionbench.training.data import EpochBatches, FoldSamples, InOrder, SampleDataset, make_loader
from lesionbench.training.history import HISTORY_COLUMNS, write_history
from lesionbench.training.loop import train_one_epoch, validate
from lesionbench.training.optimizers import create_optimizer
from lesionbench.training.schedules import create_schedule, current_lr
from lesionbench.training.settings import ExperimentSettings, resolve_workers
from lesionbench.typing import PathLike

log = logging.getLogger(__name__)

NetworkFactory = Callable[..., torch.nn.Module]
LossFactory = Callable[..., Callable[..., torch.Tensor]]


def default_network_factory() -> NetworkFactory:
    """:func:`lesionbench.networks.create_network` (imported when first needed)."""
    from lesionbench.networks import create_network

    return create_network


def default_loss_factory() -> LossFactory:
    """:func:`lesionbench.losses.create_loss` (imported when first needed)."""
    from lesionbench.losses import create_loss

    return create_loss


def network_kwargs(settings: ExperimentSettings, in_channels: int, spatial_dims: int,
                   sample_shape: Sequence[int] | None = None) -> dict[str, Any]:
    """The network's keyword arguments: the config's, with ``in_channels`` and ``spatial_dims``
    from the data, ``input_size`` (networks whose classifier is sized by it: paper 001's) from
    the sample shape, and ``out_channels`` defaulting to 1 (one sigmoid lesion channel).

    Raises:
        SettingsError: if the config names an ``in_channels``, ``spatial_dims`` or ``input_size``
            that the data contradicts.
    """
    from lesionbench.networks.factory import NETWORKS

    kwargs = dict(settings.network.kwargs)
    data = [("in_channels", in_channels), ("spatial_dims", spatial_dims)]
    options = NETWORKS.entry(settings.network.name).option_names() or ()
    if sample_shape is not None and "input_size" in options:
        if "input_size" in kwargs and list(kwargs["input_size"]) != list(sample_shape):
            raise SettingsError(f"network.input_size: {list(kwargs['input_size'])} in the settings, but the training "
                                f"samples are {list(sample_shape)}")
        kwargs["input_size"] = list(sample_shape)
    for key, value in data:
        if key in kwargs and kwargs[key] != value:
            raise SettingsError(f"network.{key}: {kwargs[key]} in the settings, but the training "
                                f"samples have {key} = {value}")
        kwargs[key] = value
    kwargs.setdefault("out_channels", 1)
    return kwargs


def batch_loss(loss: Callable[..., torch.Tensor], device: torch.device) -> Callable[[Any, Targets], torch.Tensor]:
    """The loss of a batch, ``(network output, Targets) -> scalar``.

    A loss that reads the class targets (``uses_class_targets``: ``multitask``, ``class_ce``) gets the
    :class:`~lesionbench.losses.Targets` pair; one that reads the whole network output
    (``reads_output``: ``combined``, ``cpa_prior``) gets it with the mask; every other loss is a
    segmentation loss, wrapped in :class:`~lesionbench.losses.deep_supervision.DeepSupervision`
    (side outputs, ``.seg`` of result objects) and given the mask alone.
    """
    if isinstance(loss, torch.nn.Module):
        loss = loss.to(device)
    if getattr(loss, "uses_class_targets", False):
        return loss
    if getattr(loss, "reads_output", False):
        def on_output(output: Any, targets: Targets) -> torch.Tensor:
            return loss(output, targets.mask)

        return on_output
    segmentation = DeepSupervision(loss).to(device) if isinstance(loss, torch.nn.Module) else loss

    def on_mask(output: Any, targets: Targets) -> torch.Tensor:
        return segmentation(output, targets.mask)

    return on_mask


def train_fold(samples_dir: PathLike, folds_json: PathLike, fold: int, out_dir: PathLike,
               settings: ExperimentSettings, device: str | torch.device = "auto", *,
               stop_after_epoch: int | None = None, network_factory: NetworkFactory | None = None,
               loss_factory: LossFactory | None = None) -> dict[str, Any]:
    """Train ``settings.network`` on fold ``fold``, streaming its samples; resume if possible.

    Args:
        samples_dir: ``{R}/samples/{layout}``, one folder per case (:mod:`lesionbench.samples.store`).
        folds_json: ``{R}/folds.json``: the fold's ``train`` and ``val`` cases.
        fold: the fold number ``k``.
        out_dir: ``{R}/models/{experiment}/fold-{k}``.
        settings: the experiment's settings (network, loss, train, augment, foreground_fraction);
            ``network.input_offsets`` narrows the 2.5D stack the network sees (training and
            validation), stored as the checkpoint's sample geometry, which prediction applies.
        device: ``"auto"`` (CUDA if available), or a torch device.
        stop_after_epoch: return after this epoch, leaving ``resume/`` to continue from
            (for jobs that must end within a time limit; also used by the tests).
        network_factory: ``(name, **kwargs) -> nn.Module``; default :func:`lesionbench.networks.create_network`.
        loss_factory: ``(name, **kwargs) -> loss``; default :func:`lesionbench.losses.create_loss`.

    Returns:
        ``{"complete", "epochs_done", "resumed_after", "best_epoch", "best_val_dice", "history",
        "best_checkpoint", "history_tsv", "device", "amp"}``; the two paths are ``None`` when
        stopped early.

    Raises:
        FileNotFoundError: if a case's samples or the folds file are missing. ValueError
        (TrainingDataError, SettingsError, ...): for bad data or settings, naming the file or the key
        (``network.input_offsets`` on samples that are not 2.5D, or offsets outside their stack).
    """
    out_dir, resume_dir = Path(out_dir), Path(out_dir) / "resume"
    train = settings.train
    data = FoldSamples.open(samples_dir, folds_json, fold, settings.classification)
    # network.input_offsets: the same samples, a narrower 2.5D stack (recorded in the checkpoint's geometry)
    data = dataclasses.replace(data, settings=data.settings.with_input_offsets(settings.network.input_offsets))
    device = resolve_device(device)
    amp = resolve_amp(train.amp, device)
    kwargs = network_kwargs(settings, data.in_channels, len(data.sample_shape), data.sample_shape)
    training_hash = settings.training_hash()
    with reproducible(device, train.threads):
        seed_everything(train.seed)
        model = (network_factory or default_network_factory())(settings.network.name, **kwargs)
        model = model_to_device(model, device)
        loss_fn = batch_loss((loss_factory or default_loss_factory())(settings.loss.name, **settings.loss.kwargs),
                             device)
        train_set = SampleDataset(data.train, data.settings, settings.augment, fold)
        batches = EpochBatches(len(train_set), train.batch_size, train.seed, settings.augment.seed, fold,
                               train_set.has_lesion(), settings.foreground_fraction, train.max_train_batches_per_epoch)
        optimizer = create_optimizer(train.optimizer.name, model.parameters(), train.optimizer.lr,
                                     train.optimizer.options)
        scheduler = create_schedule(train.schedule.name, optimizer, train.schedule.options, len(batches))
        scaler = torch.amp.GradScaler(device.type, enabled=needs_loss_scaling(amp))

        # best_score: what `checkpoint: best` maximises (ValidationResult.score)
        state = {"history": [], "best_val_dice": -math.inf, "best_score": -math.inf, "best_epoch": 0, "epoch": 0}
        resume = resumable_checkpoint(resume_dir / "last.pt", training_hash, data.sha256, train.epochs)
        if resume is not None:
            model.load_state_dict(resume["state_dict"])
            optimizer.load_state_dict(resume["optimizer"])
            scheduler.load_state_dict(resume["scheduler"])
            scaler.load_state_dict(resume["scaler"])
            restore_rng(resume["rng"])
            state = {key: resume.get(key, state[key]) for key in state}
            state["history"] = [dict(row) for row in state["history"]]
        else:
            (resume_dir / "best.pt").unlink(missing_ok=True)
        resumed_after = int(state["epoch"])

        pin, workers = device.type == "cuda", resolve_workers(train.workers, device.type)
        train_batches = make_loader(train_set, batches, workers, pin)
        val_set = SampleDataset(data.val, data.settings)
        validation = make_loader(val_set, InOrder(len(val_set), train.batch_size), workers, pin)
        log.info("fold %d: %d training items (%d samples, augment %s), %d validation samples, %d batches per epoch",
                 fold, len(train_set), len(data.train), settings.augment.mode, len(val_set), len(batches))
        for epoch in range(resumed_after + 1, train.epochs + 1):
            started = time.perf_counter()
            batches.set_epoch(epoch)
            lr = current_lr(optimizer)
            train_loss = train_one_epoch(model, train_batches, loss_fn, optimizer, scheduler, scaler, device, amp)
            result = None
            if epoch % train.val_every == 0 or epoch == train.epochs:
                result = validate(model, validation, loss_fn, device, amp)
            row = {"epoch": epoch, "train_loss": train_loss,
                   "val_loss": result.loss if result else math.nan,
                   "val_dice": result.dice if result else math.nan,
                   "lr": lr, "seconds": time.perf_counter() - started}
            state["history"].append(row)
            state["epoch"] = epoch
            improved = result is not None and result.score > state["best_score"]
            if train.checkpoint == "last":  # the final epoch's weights, whatever the validation says
                improved = epoch == train.epochs
            if improved:
                state["best_val_dice"], state["best_epoch"] = (result.dice if result else math.nan), epoch
                state["best_score"] = result.score if result else math.nan
            checkpoint = _checkpoint(model, optimizer, scheduler, scaler, state, settings, kwargs, data,
                                     training_hash, device, amp)
            if improved:
                save_checkpoint(checkpoint, resume_dir / "best.pt")
            save_checkpoint(checkpoint, resume_dir / "last.pt")
            write_history(state["history"], resume_dir / "history.tsv")
            log.info("epoch %d/%d train_loss %.5f val_loss %.5f val_dice %.4f lr %.3g %.1f s%s",
                     epoch, train.epochs, row["train_loss"], row["val_loss"], row["val_dice"], lr,
                     row["seconds"], " (best)" if improved else "")
            if stop_after_epoch is not None and epoch >= stop_after_epoch and epoch < train.epochs:
                return _summary(state, resumed_after, False, None, None, device, amp)

    best_path, history_path = out_dir / "best.pt", out_dir / "history.tsv"
    with atomic_path(best_path, suffix=".pt") as tmp:
        shutil.copyfile(resume_dir / "best.pt", tmp)
    write_history(state["history"], history_path)
    log.info("best epoch %d (val_dice %.4f) -> %s", state["best_epoch"], state["best_val_dice"], best_path)
    return _summary(state, resumed_after, True, best_path, history_path, device, amp)


def _checkpoint(model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                scheduler: torch.optim.lr_scheduler.LRScheduler, scaler: torch.amp.GradScaler,
                state: dict[str, Any], settings: ExperimentSettings, kwargs: dict[str, Any],
                data: FoldSamples, training_hash: str, device: torch.device, amp: torch.dtype | None) -> dict[str, Any]:
    """The checkpoint dict of docs/file-formats.md plus the resume fields."""
    return {
        "network": {"name": settings.network.name, "kwargs": kwargs},
        "state_dict": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "scaler": scaler.state_dict(),
        "epoch": state["epoch"],
        "best_val_dice": state["best_val_dice"],
        "best_score": state["best_score"],
        "best_epoch": state["best_epoch"],
        "history": [dict(row) for row in state["history"]],
        "settings": settings.to_dict(),
        "training_hash": training_hash,
        "data": {"in_channels": data.in_channels, "sample_shape": list(data.sample_shape), "sha256": data.sha256,
                 "samples": data.settings.geometry()},
        "provenance": provenance(settings.to_dict(), settings.train.seed, training_hash=training_hash,
                                 data_sha256=data.sha256, device=str(device), amp=amp_name(amp)),
        "rng": capture_rng(),
    }


def _summary(state: dict[str, Any], resumed_after: int, complete: bool, best_path: Path | None,
             history_path: Path | None, device: torch.device, amp: torch.dtype | None) -> dict[str, Any]:
    return {
        "complete": complete, "epochs_done": state["epoch"], "resumed_after": resumed_after,
        "best_epoch": state["best_epoch"], "best_val_dice": state["best_val_dice"],
        "history": [dict(row) for row in state["history"]],
        "best_checkpoint": best_path, "history_tsv": history_path, "device": str(device), "amp": amp_name(amp),
    }


@contextlib.contextmanager
def reproducible(device: torch.device, threads: int | None = None) -> Iterator[None]:
    """The block runs as training does: deterministic algorithms (warn only where none exists),
    no cuDNN autotuning, ``threads`` torch threads; all restored after."""
    previous = (torch.are_deterministic_algorithms_enabled(),
                torch.is_deterministic_algorithms_warn_only_enabled(),
                torch.backends.cudnn.benchmark, torch.get_num_threads())
    if device.type == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous[0], warn_only=previous[1])
        torch.backends.cudnn.benchmark = previous[2]
        torch.set_num_threads(previous[3])


__all__ = [
    "HISTORY_COLUMNS", "default_loss_factory", "default_network_factory", "network_kwargs", "reproducible", "train_fold",
]
