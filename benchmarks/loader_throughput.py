"""Is the data loader the bottleneck? Loader throughput with online augmentation vs the training step.

On generated samples folders (``--cases`` cases of ``--slices`` slices at ``--size``), for the
demo's U-Net (features 16..256, Mish, batch norm, Dice + BCE, batch 16) on the CPU:

1. the loader alone: samples per second that :class:`lesionbench.training.SampleDataset` with
   the default online augmentation delivers through ``--workers`` worker processes;
2. the training step alone: samples per second of forward + backward + Adam on batches already
   in memory;
3. one epoch through the loader against the same epoch from memory (the real cost of loading).

Prints::

    loader samples_per_s=... (workers=2, online augmentation)
    train_step samples_per_s=... (threads=2)
    ratio loader/train=...
    epoch streamed_s=... in_memory_s=... overhead=...%

A ratio above 1 means the loader outpaces the model: it is not the bottleneck.

Usage::

    python benchmarks/loader_throughput.py [--workers 2] [--threads 2] [--cases 12] [--slices 32]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.sample_folders: the synthetic fold

from lesionbench.augment import AugmentSettings
from lesionbench.losses import create_loss
from lesionbench.networks import create_network
from lesionbench.training import EpochBatches, FoldSamples, SampleDataset, make_loader
from lesionbench.training.trainer import reproducible


def make_fold(root: Path, cases: int, slices: int, size: int) -> tuple[Path, Path]:
    """``cases - 2`` training and 2 validation cases of bright squares (``tests/sample_folders.py``)."""
    from tests.sample_folders import write_fold

    train = {f"c{i:03d}": slices for i in range(cases - 2)}
    return write_fold(root, train, {"v0": slices, "v1": slices}, size=size)


def demo_unet() -> torch.nn.Module:
    return create_network("unet", in_channels=1, out_channels=1, spatial_dims=2, features=[16, 32, 64, 128, 256],
                          activation="mish", norm="batch")


def train_epoch(model: torch.nn.Module, batches, loss_fn, optimizer) -> int:
    seen = 0
    model.train()
    for images, labels in batches:
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
        seen += images.shape[0]
    return seen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="torch threads of the training step")
    parser.add_argument("--cases", type=int, default=12)
    parser.add_argument("--slices", type=int, default=32)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args(argv)

    root = Path(tempfile.mkdtemp(prefix="loader_throughput_"))
    samples, folds = make_fold(root, args.cases, args.slices, args.size)
    data = FoldSamples.open(samples, folds, 0)
    augment = AugmentSettings.from_dict({"mode": "online"})
    dataset = SampleDataset(data.train, data.settings, augment, 0)
    sampler = EpochBatches(len(dataset), args.batch_size, seed=0)
    loader = make_loader(dataset, sampler, args.workers)

    with reproducible(torch.device("cpu"), args.threads):
        next(iter(loader))  # start the workers
        started, seen = time.perf_counter(), 0
        for images, _ in loader:
            seen += images.shape[0]
        loader_rate = seen / (time.perf_counter() - started)

        in_memory = list(make_loader(dataset, sampler, 0))
        model, loss_fn = demo_unet(), create_loss("dice_bce")
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        train_epoch(model, in_memory[:2], loss_fn, optimizer)  # warm up
        started = time.perf_counter()
        seen = train_epoch(model, in_memory, loss_fn, optimizer)
        memory_s = time.perf_counter() - started
        train_rate = seen / memory_s

        sampler.set_epoch(2)
        started = time.perf_counter()
        train_epoch(model, loader, loss_fn, optimizer)
        streamed_s = time.perf_counter() - started

    print(f"loader samples_per_s={loader_rate:.0f} (workers={args.workers}, online augmentation)")
    print(f"train_step samples_per_s={train_rate:.0f} (threads={args.threads})")
    print(f"ratio loader/train={loader_rate / train_rate:.2f}")
    print(f"epoch streamed_s={streamed_s:.2f} in_memory_s={memory_s:.2f} "
          f"overhead={100.0 * (streamed_s / memory_s - 1.0):.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
