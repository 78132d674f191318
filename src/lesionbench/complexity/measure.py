"""Parameters, FLOPs and latency of one network (paper 003 section 4.5.2, table 4.3).

FLOPs come from torch's own counter, :class:`torch.utils.flop_counter.FlopCounterMode`,
which counts from the shapes of the operators that dominate a CNN: convolutions (and their
transposes), matrix products (``mm``, ``addmm``, ``bmm``, ``baddbmm``) and scaled dot-product
attention, each multiply-add as **2 FLOPs**. Two gaps of that counter are closed here: the fused
inference path of :class:`torch.nn.MultiheadAttention` (one ATen operator the counter does not
know) is switched off while counting, and the CPU kernel of scaled dot-product attention
(``_scaled_dot_product_flash_attention_for_cpu``) gets the counter's own attention formula. It does not count normalisation, activations,
pooling, interpolation, bias additions or other element-wise operators. Papers usually call
multiply-accumulates "FLOPs" (e.g. tools such as thop report MACs), so ``macs = flops / 2``
is reported as well.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode, sdpa_flop_count


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters (``requires_grad``), shared tensors counted once."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _cpu_attention_flops(query_shape, key_shape, value_shape, *args, out_shape=None, **kwargs) -> int:
    """FLOPs of the CPU attention kernel, from the shapes ``(B, heads, L, E)`` of query, key and
    value: the formula the counter uses for the CUDA kernels (the counter passes shapes)."""
    return sdpa_flop_count(query_shape, key_shape, value_shape)


#: Operators torch's counter misses, with their FLOP formulas (shapes in, FLOPs out).
_EXTRA_FLOP_FORMULAS = {
    torch.ops.aten._scaled_dot_product_flash_attention_for_cpu: _cpu_attention_flops,
}


@contextlib.contextmanager
def multi_head_attention_fastpath(enabled: bool) -> Iterator[None]:
    """Switch :class:`torch.nn.MultiheadAttention`'s fused inference path on or off in the block.

    The fused path runs as one ``_native_multi_head_attention`` operator that the flop counter
    does not count; the unfused path runs the projections and attention as counted operators.
    """
    previous = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(enabled)
    try:
        yield
    finally:
        torch.backends.mha.set_fastpath_enabled(previous)


def count_flops(model: nn.Module, example: torch.Tensor) -> tuple[int, dict[str, int]]:
    """FLOPs of one forward pass of ``model`` on ``example`` (eval mode, no autograd).

    Args:
        model: the network.
        example: its input, e.g. ``(1, C, H, W)``.

    Returns:
        ``(total, by_operator)``: total FLOPs (a multiply-add counts 2) and the FLOPs of each
        counted ATen operator (e.g. ``{"aten.convolution": ...}``).
    """
    model.eval()
    counter = FlopCounterMode(display=False, custom_mapping=_EXTRA_FLOP_FORMULAS)
    with torch.inference_mode(), multi_head_attention_fastpath(False), counter:
        model(example)
    by_operator = {str(op): int(n) for op, n in counter.get_flop_counts().get("Global", {}).items()}
    return int(counter.get_total_flops()), by_operator


@contextlib.contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run the block with ``torch.set_num_threads(threads)``; restore the old value after."""
    if threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def time_forward(model: nn.Module, example: torch.Tensor, repeats: int, warmup: int) -> list[float]:
    """Wall-clock milliseconds of ``repeats`` forward passes after ``warmup`` untimed ones.

    Eval mode under :func:`torch.inference_mode`; on CUDA each pass is synchronised before the
    clock stops, so the times include the kernels, not only their launch.
    """
    model.eval()
    cuda = example.device.type == "cuda"
    times = []
    with torch.inference_mode():
        for i in range(warmup + repeats):
            if cuda:
                torch.cuda.synchronize(example.device)
            start = time.perf_counter()
            model(example)
            if cuda:
                torch.cuda.synchronize(example.device)
            if i >= warmup:
                times.append((time.perf_counter() - start) * 1000.0)
    return times


def network_options(network_config: Mapping[str, Any], in_channels: int,
                    spatial_dims: int = 2) -> tuple[str, dict[str, Any]]:
    """Split ``{"name": ..., **options}`` and add what the input fixes, as training does.

    ``in_channels`` and ``spatial_dims`` (2 for slices, 3 for VOIs) come from the input; ``out_channels`` defaults to
    1 (one sigmoid lesion channel), the convention of :func:`lesionbench.training.trainer.network_kwargs`.

    Raises:
        ValueError: no ``name``, or a config ``in_channels``/``spatial_dims`` that contradicts the input.
    """
    if not isinstance(network_config, Mapping) or not isinstance(network_config.get("name"), str):
        raise ValueError(f"network: expected a mapping with a network 'name', got {network_config!r}")
    # input_offsets chooses the input (the caller's in_channels), not a constructor option
    options = {k: v for k, v in network_config.items() if k not in ("name", "input_offsets")}
    for key, value in (("in_channels", in_channels), ("spatial_dims", spatial_dims)):
        if key in options and options[key] != value:
            raise ValueError(f"network.{key}: {options[key]} in the settings, but the input has {key} = {value}")
        options[key] = value
    options.setdefault("out_channels", 1)
    return network_config["name"], options


def with_input_size(name: str, options: dict[str, Any], size: Sequence[int]) -> dict[str, Any]:
    """``options`` with ``input_size = size`` for networks sized by their input (paper 001's
    classifier tail), as the trainer sets it from the samples."""
    from lesionbench.networks.factory import NETWORKS

    if name not in NETWORKS.names():  # create_network reports it
        return options
    if "input_size" in (NETWORKS.entry(name).option_names() or ()) and "input_size" not in options:
        return {**options, "input_size": list(size)}
    return options


def resolve_device(device: str | torch.device) -> torch.device:
    """``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"`` (CUDA when available).

    Raises:
        ValueError: CUDA asked for but not available, or an unknown device string.
    """
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as error:
        raise ValueError(f"complexity: unknown device {device!r} ({error})") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"complexity: device {device!r} asked for, but CUDA is not available")
    return resolved


def measure(
    network_config: Mapping[str, Any],
    in_channels: int,
    size: Sequence[int],
    device: str | torch.device = "cpu",
    repeats: int = 20,
    warmup: int = 3,
    threads: int | None = 1,
    seed: int = 0,
) -> dict[str, Any]:
    """Parameters, FLOPs and per-slice latency of the network ``network_config`` describes.

    Args:
        network_config: an experiment's ``network`` section, ``{"name": "unet", ...options}``.
        in_channels: input channels ``C`` (e.g. 4 adjacent slices in paper 003).
        size: slice size ``(H, W)`` in pixels (paper 003: 192 x 192), or a VOI ``(D, H, W)`` in
            voxels for 3D networks (paper 001: 64 x 64 x 64).
        device: where to time the forward pass (``"cpu"`` by default; ``"auto"``, ``"cuda"``).
        repeats: timed forward passes; the latency is their median.
        warmup: untimed forward passes before (allocator and kernel selection).
        threads: ``torch.set_num_threads`` during the measurement (1: single-thread CPU
            latency); ``None`` leaves torch's setting.
        seed: seed of the random input ``(1, C, H, W)`` (standard normal).

    Returns:
        ``{"network", "in_channels", "size", "parameters", "flops", "macs",
        "flops_by_operator", "latency_ms_per_slice" (median), "latency_ms_p25",
        "latency_ms_p75", "repeats", "warmup", "threads", "device"}``; ``flops`` counts a
        multiply-add as 2, ``macs = flops / 2``.

    Raises:
        KeyError: unknown network name (message lists the valid names).
        ValueError: bad sizes or counts, a bad network option, or a network that cannot run
            on a ``(1, C, H, W)`` input (message names the network and the shape).
    """
    from lesionbench.networks import create_network

    size = tuple(size)
    if len(size) not in (2, 3) or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in size):
        raise ValueError(f"complexity: size must be two (H, W) or three (D, H, W) positive integers, got {size!r}")
    if isinstance(in_channels, bool) or not isinstance(in_channels, int) or in_channels < 1:
        raise ValueError(f"complexity: in_channels must be a positive integer, got {in_channels!r}")
    if repeats < 1 or warmup < 0 or (threads is not None and threads < 1):
        raise ValueError(f"complexity: need repeats >= 1, warmup >= 0, threads >= 1; "
                         f"got {repeats}, {warmup}, {threads}")
    torch_device = resolve_device(device)
    name, options = network_options(network_config, in_channels, len(size))
    options = with_input_size(name, options, size)
    shape = (1, in_channels, *size)
    with torch_threads(threads):
        torch.manual_seed(seed)
        model = create_network(name, **options).to(torch_device)
        example = torch.randn(shape, generator=torch.Generator().manual_seed(seed)).to(torch_device)
        try:
            flops, by_operator = count_flops(model, example)
        except RuntimeError as error:
            message = f"network {name!r} cannot run on an input of shape {shape}: {error}"
            raise ValueError(message) from error
        times = time_forward(model, example, repeats, warmup)
    quartiles = statistics.quantiles(times, n=4, method="inclusive") if len(times) > 1 else [times[0]] * 3
    return {
        "network": name,
        "in_channels": in_channels,
        "size": list(size),
        "parameters": count_parameters(model),
        "flops": flops,
        "macs": flops // 2 if flops % 2 == 0 else flops / 2,  # torch counts 2 per multiply-add
        "flops_by_operator": by_operator,
        "latency_ms_per_slice": statistics.median(times),
        "latency_ms_p25": quartiles[0],
        "latency_ms_p75": quartiles[2],
        "repeats": repeats,
        "warmup": warmup,
        "threads": torch.get_num_threads() if threads is None else int(threads),
        "device": str(torch_device),
    }
