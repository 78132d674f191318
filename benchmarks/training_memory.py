"""Peak memory of one training epoch at two dataset sizes: memory must not grow with the dataset.

Generates 2.5D samples folders (one channel, ``--slices`` slices of ``--size`` x ``--size`` per
case, stacked as 4 channels at read time: paper 003's ATLAS input) for ``--cases`` cases
(default 20 and 80), then runs :func:`lesionbench.training.train_fold` for one epoch of a narrow
2.5D U-Net with ``--workers`` loader processes in a child process, sampling the memory of that
process and its loader workers every 100 ms: the sum of their proportional set sizes (PSS:
resident pages, a page shared by ``n`` processes counted ``1/n`` in each), so that the forked
workers' shared copy of torch is not counted once per worker. That sum is reported as
``peak_rss_mb``: the resident memory of the whole training job.

For reference it also prints the size of the fold as one array (what the former augment stage
wrote and training loaded whole): ``in_memory_fold_mb``.

Prints one line per size, then the goal check::

    cases=20 peak_rss_mb=... samples=... in_memory_fold_mb=...
    cases=80 peak_rss_mb=... samples=... in_memory_fold_mb=...
    goal: peak(80) <= 1.25 x peak(20) + 200 MB: ... (ok)

Usage::

    python benchmarks/training_memory.py [--cases 20 80] [--slices 160] [--size 192] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.sample_folders: the synthetic fold


def write_data(root: Path, cases: int, slices: int, size: int) -> tuple[Path, Path]:
    from tests.sample_folders import write_fold

    train = {f"c{i:03d}": slices for i in range(cases - 2)}
    return write_fold(root, train, {"v0": slices, "v1": slices}, size=size, settings={"layout": "2.5d"})


def child(samples: str, folds: str, out: str, workers: int) -> None:
    """One epoch of a narrow 2.5D U-Net, as the workflow trains it."""
    from lesionbench.training import ExperimentSettings, train_fold

    settings = ExperimentSettings.from_dict({
        "network": {"name": "unet", "features": [4, 8, 16, 32], "norm": "batch"},
        "loss": {"name": "dice_bce"},
        "train": {"epochs": 1, "batch_size": 16, "optimizer": {"name": "adam", "lr": 1e-3}, "threads": 2,
                  "workers": workers},
        "augment": {"mode": "online"},
    })
    train_fold(samples, folds, 0, out, settings, device="cpu")


def peak_rss_mb(command: list[str]) -> float:
    """Run ``command``; the peak of the summed PSS of it and its children, sampled every 100 ms, in MB."""
    process = subprocess.Popen(command)
    watched = psutil.Process(process.pid)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                processes = [watched, *watched.children(recursive=True)]
                peak = max(peak, sum(p.memory_full_info().pss for p in processes))
            except psutil.Error:
                pass
            time.sleep(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    if process.wait() != 0:
        raise SystemExit(f"training failed: {' '.join(command)}")
    done.set()
    thread.join()
    return peak / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs=2, default=[20, 80])
    parser.add_argument("--slices", type=int, default=160)
    parser.add_argument("--size", type=int, default=192)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child[:3], int(args.child[3]))
        return 0
    peaks = []
    for cases in args.cases:
        root = Path(tempfile.mkdtemp(prefix=f"training_memory_{cases}_"))
        samples, folds = write_data(root, cases, args.slices, args.size)
        peak = peak_rss_mb([sys.executable, __file__, "--child", str(samples), str(folds), str(root / "model"),
                            str(args.workers)])
        n_samples = (cases - 2) * args.slices
        fold_mb = n_samples * 4 * args.size * args.size * 4 / 2**20
        history = (root / "model" / "history.tsv").read_text().splitlines()
        print(f"cases={cases} peak_rss_mb={peak:.0f} samples={n_samples} in_memory_fold_mb={fold_mb:.0f} "
              f"epoch_s={float(history[1].split()[-1]):.0f}")
        sys.stdout.flush()
        peaks.append(peak)
    limit = 1.25 * peaks[0] + 200
    verdict = "ok" if peaks[1] <= limit else "MISSED"
    print(f"goal: peak({args.cases[1]}) <= 1.25 x peak({args.cases[0]}) + 200 MB: {peaks[1]:.0f} <= {limit:.0f} ({verdict})")
    print(json.dumps({"cases": args.cases, "peak_rss_mb": [round(p) for p in peaks]}))
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    raise SystemExit(main())
