"""Training and prediction throughput of the model zoo: float32 against mixed precision.

For each network at its standard width, times optimizer steps of lesionbench's own training loop
(:func:`lesionbench.training.loop.train_one_epoch`: channels-last on CUDA, autocast, loss
scaling for float16 only, each network's loss as its experiment set trains it) and batched
forward passes as prediction runs them, on synthetic slices with a lesion-like disc (2D) or VOIs
with a lesion-like ball and a class label (paper 001's 3D networks, ``--voi``), once in float32
and once per autocast type. Prints samples (slices or VOIs) per second, the peak GPU memory and
the ratio to float32 (above 1: mixed precision is faster).

By default the trainer's reproducibility settings are on (deterministic algorithms where they
exist, no cuDNN autotuning), as in ``lesionbench train``; ``--fast`` turns them off to show what
they cost. Usage::

    python benchmarks/gpu_throughput.py [--size 512] [--batch 8] [--steps 20] [--networks unet ...]
    python benchmarks/gpu_throughput.py --dims 3 [--voi 64] [--batch 4] [--networks mlssp ...]

On a machine without CUDA it times float32 only (use a small ``--size``/``--voi`` and
``--steps`` there; at 64^3 a CPU step of the paper-width networks takes seconds).
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator

import torch

from lesionbench.inference.runtime import (
    amp_name, autocast, has_segmentation, model_to_device, needs_loss_scaling, resolve_amp, segmentation_logits,
    to_device,
)
from lesionbench.losses import create_loss
from lesionbench.networks import create_network
from lesionbench.training.loop import train_one_epoch
from lesionbench.training.trainer import batch_loss, reproducible

#: Every 2D network of the zoo at its paper's standard width; options as in the experiment sets.
NETWORKS: dict[str, dict] = {
    "unet": {}, "fcn8s": {}, "unetpp": {}, "improved_unet": {}, "segnet": {}, "sa_unet": {},
    "attention_unet": {}, "res_unet": {}, "resatt_unet": {}, "pspnet": {"aux_head": True},
    "deeplabv3": {}, "acsnet": {},
}
#: Paper 001's 3D networks at the paper's widths (resources/experiments/paper001.yaml), with
#: the loss each is trained with; ``input_size`` is filled from ``--voi``.
NETWORKS_3D: dict[str, tuple[dict, dict]] = {
    "unet": ({"features": [32, 64, 128, 256, 512], "norm": "batch"}, {"name": "dice", "reduction": "sample"}),
    "cnn3d": ({}, {"name": "class_ce"}),
    "mlssp": ({}, {"name": "multitask", "alpha": 0.4}),
    "ynet3d": ({}, {"name": "multitask", "alpha": 0.4}),
    "he_mtl3d": ({}, {"name": "multitask", "alpha": 0.4}),
}
LOSS_2D = {"name": "dice_bce"}


def synthetic_batches(count: int, batch: int, size: int, generator: torch.Generator,
                      dims: int = 2) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """``count`` triples ``(images (B, 1, *spatial) float32, masks (B, 1, *spatial) uint8,
    classes (B,) int64)`` as the trainer's batches: noise around a bright disc (2D) or ball (3D)
    of random centre and radius, the disc as the lesion, a random class per sample."""
    grid = torch.meshgrid(*[torch.arange(size)] * dims, indexing="ij")
    triples = []
    for _ in range(count):
        centre = torch.rand(batch, dims, generator=generator) * size * 0.6 + size * 0.2
        radius = torch.rand(batch, generator=generator) * size * 0.1 + size * 0.03
        view = (batch,) + (1,) * dims
        distance = sum((axis - centre[:, i].view(view)) ** 2 for i, axis in enumerate(grid)).sqrt()
        masks = (distance < radius.view(view)).to(torch.uint8)[:, None]
        images = masks.float() * 0.6 + 0.2 * torch.randn(batch, 1, *[size] * dims, generator=generator)
        classes = torch.randint(0, 2, (batch,), generator=generator)
        triples.append((images.pin_memory() if torch.cuda.is_available() else images, masks, classes))
    return triples


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


def build(name: str, options: dict, dims: int) -> torch.nn.Module:
    return create_network(name, spatial_dims=dims, in_channels=1, out_channels=1, **options)


def time_training(name: str, options: dict, loss: dict, batches: list, warmup: int, device: torch.device,
                  amp: torch.dtype | None, dims: int = 2) -> tuple[float, float]:
    """Samples per second of training steps after ``warmup`` untimed ones, and peak memory (GiB)."""
    torch.manual_seed(0)
    model = model_to_device(build(name, options, dims), device)
    loss_fn = batch_loss(create_loss(loss["name"], **{k: v for k, v in loss.items() if k != "name"}), device)
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
    slices = sum(images.shape[0] for images, _, _ in batches[warmup:])
    peak = torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else float("nan")
    return slices / seconds, peak


@torch.inference_mode()
def time_prediction(name: str, options: dict, batches: list, warmup: int, device: torch.device,
                    amp: torch.dtype | None, dims: int = 2) -> float:
    """Samples per second of forward passes in eval mode, as prediction batches them (the class
    probability of classifiers, the foreground probability of the others)."""
    torch.manual_seed(0)
    model = model_to_device(build(name, options, dims), device).eval()
    for index, (images, _, _) in enumerate(batches):
        if index == warmup:
            synchronize(device)
            start = time.perf_counter()
        with autocast(device, amp):
            output = model(to_device(images, device))
            logits = segmentation_logits(output) if has_segmentation(output) else output.cls
            logits.float().sigmoid()
    synchronize(device)
    return sum(images.shape[0] for images, _, _ in batches[warmup:]) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", type=int, default=2, choices=(2, 3), help="2: the 2D zoo; 3: paper 001's networks")
    parser.add_argument("--networks", nargs="+", choices=sorted(set(NETWORKS) | set(NETWORKS_3D)),
                        help="default: every network of --dims")
    parser.add_argument("--size", type=int, default=512, help="slice size in pixels (paper 002: 512)")
    parser.add_argument("--voi", type=int, default=64, help="VOI edge in voxels with --dims 3 (paper 001: 64)")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per measurement")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--fast", action="store_true", help="cuDNN autotuning, no deterministic algorithms")
    args = parser.parse_args()

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    precisions: list[torch.dtype | None] = [None]
    if device.type == "cuda":
        precisions += [torch.float16] + ([torch.bfloat16] if torch.cuda.is_bf16_supported() else [])
    zoo = {name: (dict(options, input_size=[args.voi] * 3) if name != "unet" else options, loss)
           for name, (options, loss) in NETWORKS_3D.items()} if args.dims == 3 else \
        {name: (options, LOSS_2D) for name, options in NETWORKS.items()}
    names = args.networks or list(zoo)
    unknown = [name for name in names if name not in zoo]
    if unknown:
        parser.error(f"not {args.dims}D networks here: {unknown} (choose from {list(zoo)})")
    size = args.voi if args.dims == 3 else args.size
    batches = synthetic_batches(args.warmup + args.steps, args.batch, size, torch.Generator().manual_seed(0), args.dims)
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    shape = "x".join([str(size)] * args.dims) + (" VOIs" if args.dims == 3 else " slices")
    print(f"{where}, torch {torch.__version__}, {shape}, batch {args.batch}, "
          f"{args.steps} timed steps; {'autotuned' if args.fast else 'reproducible (as the trainer)'}; "
          f"'auto' picks {amp_name(resolve_amp('auto', device))}")
    print(f"{'network':<15} {'precision':<9} {'train/s':>8} {'ratio':>6} {'peak GiB':>9} {'predict/s':>10} {'ratio':>6}")
    with autotuned() if args.fast else reproducible(device):
        for name in names:
            options, loss = zoo[name]
            baseline = None
            for amp in precisions:
                train_rate, peak = time_training(name, options, loss, batches, args.warmup, device, amp, args.dims)
                predict_rate = time_prediction(name, options, batches, args.warmup, device, amp, args.dims)
                baseline = baseline or (train_rate, predict_rate)
                print(f"{name:<15} {amp_name(amp) or 'float32':<9} {train_rate:8.1f} {train_rate / baseline[0]:6.2f} "
                      f"{peak:9.2f} {predict_rate:10.1f} {predict_rate / baseline[1]:6.2f}", flush=True)
                if device.type == "cuda":
                    torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
