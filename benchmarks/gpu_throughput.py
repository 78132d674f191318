"""Training and prediction throughput of the model zoo: float32 against mixed precision.

For each network at its standard width, times optimizer steps of lesionbench's own training loop
(:func:`lesionbench.training.loop.train_one_epoch`: channels-last on CUDA, autocast, loss
scaling for float16 only) and batched forward passes as prediction runs them, on synthetic
slices with a lesion-like disc, once in float32 and once per autocast type. Prints slices per
second, the peak GPU memory and the ratio to float32 (above 1: mixed precision is faster).

By default the trainer's reproducibility settings are on (deterministic algorithms where they
exist, no cuDNN autotuning), as in ``lesionbench train``; ``--fast`` turns them off to show what
they cost. Usage::

    python benchmarks/gpu_throughput.py [--size 512] [--batch 8] [--steps 20] [--networks unet ...]

On a machine without CUDA it times float32 only (use a small ``--size`` there).
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator

import torch

from lesionbench.inference.runtime import (
    amp_name, autocast, model_to_device, needs_loss_scaling, resolve_amp, segmentation_logits, to_device,
)
from lesionbench.losses import create_loss
from lesionbench.losses.deep_supervision import DeepSupervision
from lesionbench.networks import create_network
from lesionbench.training.loop import train_one_epoch
from lesionbench.training.trainer import reproducible

#: Every 2D network of the zoo at its paper's standard width; options as in the experiment sets.
NETWORKS: dict[str, dict] = {
    "unet": {}, "fcn8s": {}, "unetpp": {}, "improved_unet": {}, "segnet": {}, "sa_unet": {},
    "attention_unet": {}, "res_unet": {}, "resatt_unet": {}, "pspnet": {"aux_head": True},
    "deeplabv3": {}, "acsnet": {},
}


def synthetic_batches(count: int, batch: int, size: int, generator: torch.Generator) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``count`` pairs of ``(images (B, 1, H, W) float32, masks (B, 1, H, W) uint8)``: noise
    around a bright disc of random centre and radius, the disc as the lesion."""
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    pairs = []
    for _ in range(count):
        centre = torch.rand(batch, 2, generator=generator) * size * 0.6 + size * 0.2
        radius = torch.rand(batch, generator=generator) * size * 0.1 + size * 0.03
        distance = ((yy - centre[:, 0, None, None]) ** 2 + (xx - centre[:, 1, None, None]) ** 2).sqrt()
        masks = (distance < radius[:, None, None]).to(torch.uint8)[:, None]
        images = masks.float() * 0.6 + 0.2 * torch.randn(batch, 1, size, size, generator=generator)
        pairs.append((images.pin_memory() if torch.cuda.is_available() else images, masks))
    return pairs


@contextlib.contextmanager
def autotuned() -> Iterator[None]:
    """cuDNN autotuning on, nondeterministic algorithms allowed (``--fast``)."""
    previous = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = True
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = previous


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_training(name: str, options: dict, batches: list, warmup: int, device: torch.device,
                  amp: torch.dtype | None) -> tuple[float, float]:
    """Slices per second of training steps after ``warmup`` untimed ones, and peak memory (GiB)."""
    torch.manual_seed(0)
    model = model_to_device(create_network(name, in_channels=1, out_channels=1, **options), device)
    loss_fn = DeepSupervision(create_loss("dice_bce")).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    scaler = torch.amp.GradScaler(device.type, enabled=needs_loss_scaling(amp))
    train_one_epoch(model, batches[:warmup], loss_fn, optimizer, scheduler, scaler, device, amp)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    synchronize(device)
    start = time.perf_counter()
    train_one_epoch(model, batches[warmup:], loss_fn, optimizer, scheduler, scaler, device, amp)
    synchronize(device)
    seconds = time.perf_counter() - start
    slices = sum(images.shape[0] for images, _ in batches[warmup:])
    peak = torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else float("nan")
    return slices / seconds, peak


@torch.inference_mode()
def time_prediction(name: str, options: dict, batches: list, warmup: int, device: torch.device,
                    amp: torch.dtype | None) -> float:
    """Slices per second of forward passes in eval mode, as prediction batches them."""
    torch.manual_seed(0)
    model = model_to_device(create_network(name, in_channels=1, out_channels=1, **options), device).eval()
    for index, (images, _) in enumerate(batches):
        if index == warmup:
            synchronize(device)
            start = time.perf_counter()
        with autocast(device, amp):
            segmentation_logits(model(to_device(images, device))).float().sigmoid()
    synchronize(device)
    return sum(images.shape[0] for images, _ in batches[warmup:]) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", nargs="+", default=list(NETWORKS), choices=list(NETWORKS))
    parser.add_argument("--size", type=int, default=512, help="slice size in pixels (paper 002: 512)")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per measurement")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--fast", action="store_true", help="cuDNN autotuning, no deterministic algorithms")
    args = parser.parse_args()

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    precisions: list[torch.dtype | None] = [None]
    if device.type == "cuda":
        precisions += [torch.float16] + ([torch.bfloat16] if torch.cuda.is_bf16_supported() else [])
    batches = synthetic_batches(args.warmup + args.steps, args.batch, args.size, torch.Generator().manual_seed(0))
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"{where}, torch {torch.__version__}, {args.size}x{args.size} slices, batch {args.batch}, "
          f"{args.steps} timed steps; {'autotuned' if args.fast else 'reproducible (as the trainer)'}; "
          f"'auto' picks {amp_name(resolve_amp('auto', device))}")
    print(f"{'network':<15} {'precision':<9} {'train/s':>8} {'ratio':>6} {'peak GiB':>9} {'predict/s':>10} {'ratio':>6}")
    with autotuned() if args.fast else reproducible(device):
        for name in args.networks:
            baseline = None
            for amp in precisions:
                train_rate, peak = time_training(name, NETWORKS[name], batches, args.warmup, device, amp)
                predict_rate = time_prediction(name, NETWORKS[name], batches, args.warmup, device, amp)
                baseline = baseline or (train_rate, predict_rate)
                print(f"{name:<15} {amp_name(amp) or 'float32':<9} {train_rate:8.1f} {train_rate / baseline[0]:6.2f} "
                      f"{peak:9.2f} {predict_rate:10.1f} {predict_rate / baseline[1]:6.2f}", flush=True)
                if device.type == "cuda":
                    torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
