"""Device, mixed precision and output handling shared by training and prediction.

docs/architecture.md, "Compute": CUDA when present, else CPU; mixed precision and channels-last on CUDA.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` -> ``cuda`` if :func:`torch.cuda.is_available`, else ``cpu``; else ``device`` itself.

    Raises:
        ValueError: if CUDA is asked for and not available.
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device}: CUDA is not available on this machine")
    return device


#: The ``amp`` values that name an autocast type.
AMP_DTYPES: dict[str, torch.dtype] = {"float16": torch.float16, "bfloat16": torch.bfloat16}


def resolve_amp(amp: bool | str, device: torch.device) -> torch.dtype | None:
    """The autocast type for ``amp`` on ``device``, or ``None`` for full float32.

    ``"auto"`` means mixed precision on CUDA only; ``"auto"`` and ``true`` take bfloat16 where
    the GPU supports it (Ampere and later: float32's exponent range, so no loss scaling is
    needed) and float16 elsewhere; ``"float16"`` or ``"bfloat16"`` choose; ``false`` is off.

    Raises:
        ValueError: mixed precision asked for on a device other than CUDA, or an unknown value.
    """
    if amp == "auto":
        if device.type != "cuda":
            return None
        amp = True
    if amp is False:
        return None
    if amp is not True and amp not in AMP_DTYPES:
        raise ValueError(f"amp: expected \"auto\", true, false, \"float16\" or \"bfloat16\", got {amp!r}")
    if device.type != "cuda":
        raise ValueError(f"amp: mixed precision needs a CUDA device, got {device}")
    if amp is True:
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return AMP_DTYPES[amp]


def amp_name(amp: torch.dtype | None) -> str | None:
    """``"bfloat16"``/``"float16"`` for an autocast type, ``None`` for float32 (for records)."""
    return None if amp is None else str(amp).removeprefix("torch.")


def needs_loss_scaling(amp: torch.dtype | None) -> bool:
    """Whether gradients need :class:`torch.amp.GradScaler`: float16 only (its range is narrow)."""
    return amp == torch.float16


def autocast(device: torch.device, amp: torch.dtype | None) -> contextlib.AbstractContextManager:
    """``torch.autocast`` on ``device`` to the type ``amp`` (from :func:`resolve_amp`), or a
    no-op for ``None``."""
    if amp is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=amp)


def memory_format(device: torch.device) -> torch.memory_format:
    """``channels_last`` on CUDA (faster convolutions with tensor cores), contiguous elsewhere."""
    return torch.channels_last if device.type == "cuda" else torch.contiguous_format


def model_to_device(model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    """Move ``model`` to ``device``; channels-last on CUDA for 2D networks (no 5D weights:
    ``channels_last`` is defined for 4D tensors only, 3D networks stay contiguous)."""
    is_3d = any(tensor.dim() == 5 for tensor in (*model.parameters(), *model.buffers()))
    fmt = torch.contiguous_format if is_3d else memory_format(device)
    return model.to(device, memory_format=fmt)


def to_device(batch: torch.Tensor, device: torch.device) -> torch.Tensor:
    """Move a 4D image batch to ``device`` in its preferred memory format (others unchanged)."""
    batch = batch.to(device, non_blocking=True)
    if batch.ndim == 4:
        batch = batch.contiguous(memory_format=memory_format(device))
    return batch


def has_segmentation(output: Any) -> bool:
    """Whether a network output carries segmentation logits (a tensor, or a result with a
    tensor ``seg``); a classifier's :class:`~lesionbench.networks.multitask.ClassOutput` does not."""
    return isinstance(output, torch.Tensor) or isinstance(getattr(output, "seg", None), torch.Tensor)


def segmentation_logits(output: Any) -> torch.Tensor:
    """The segmentation logits of a network output ``(B, K, *spatial)``.

    Networks return a tensor, or (multi-task, deep supervision; docs/architecture.md, "Registries") a small
    result object whose ``seg`` field holds the segmentation logits.

    Raises:
        TypeError: for an output that is neither.
    """
    if isinstance(output, torch.Tensor):
        return output
    seg = getattr(output, "seg", None)
    if isinstance(seg, torch.Tensor):
        return seg
    raise TypeError(f"network output of type {type(output).__name__} has no segmentation logits")


def foreground_probability(logits: torch.Tensor) -> torch.Tensor:
    """Foreground probability ``(B, *spatial)`` float32 from logits ``(B, K, *spatial)``.

    One channel: sigmoid. Two or more: softmax over channels, channel 1 (the lesion class).
    """
    logits = logits.float()
    if logits.shape[1] == 1:
        return torch.sigmoid(logits[:, 0])
    return torch.softmax(logits, dim=1)[:, 1]
