"""The complexity table of a set of experiments (paper 003 table 4.3), as TSV and Markdown."""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from lesionbench.complexity.measure import measure
from lesionbench.io import provenance, write_text
from lesionbench.typing import PathLike

#: TSV columns: the table's columns first, then the exact counts and the latency quartiles.
TSV_COLUMNS: tuple[str, ...] = (
    "experiment", "network", "parameters_m", "gflops", "gmacs", "latency_ms_per_slice",
    "parameters", "flops", "macs", "latency_ms_p25", "latency_ms_p75",
)

#: Markdown header -> (TSV column, format).
MARKDOWN_COLUMNS: dict[str, tuple[str, str]] = {
    "Experiment": ("experiment", "{}"),
    "Network": ("network", "{}"),
    "Parameters (M)": ("parameters_m", "{:.3f}"),
    "GFLOPs": ("gflops", "{:.3f}"),
    "GMACs": ("gmacs", "{:.3f}"),
    "Latency (ms/slice)": ("latency_ms_per_slice", "{:.2f}"),
}


def network_configs(experiments: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The ``network`` section of every experiment, in the given order.

    Raises:
        ValueError: no experiments, or an experiment without a ``network`` mapping holding a
            ``name`` (the message names the experiment).
    """
    if not isinstance(experiments, Mapping) or not experiments:
        raise ValueError("complexity: settings must map experiment names to {network: {name: ...}}; got none")
    configs = {}
    for name, experiment in experiments.items():
        network = experiment.get("network") if isinstance(experiment, Mapping) else None
        if not isinstance(network, Mapping) or not isinstance(network.get("name"), str):
            raise ValueError(f"complexity: experiment {name!r} has no 'network' section with a 'name'")
        configs[str(name)] = dict(network)
    return configs


def complexity_table(
    experiments: Mapping[str, Any],
    in_channels: int,
    size: Sequence[int],
    out_tsv: PathLike,
    out_md: PathLike,
    *,
    device: str = "cpu",
    repeats: int = 20,
    warmup: int = 3,
    threads: int | None = 1,
) -> pd.DataFrame:
    """Measure every experiment's network and write the table as TSV and Markdown.

    Experiments with the same ``network`` section are measured once. Both files are written
    atomically, after every network has been measured.

    Args:
        experiments: ``{experiment name: experiment config}``; ``network`` is read, and
            ``in_channels`` where an experiment's network sees fewer channels than ``in_channels``
            (``network.input_offsets``: part of the 2.5D stack).
        in_channels: input channels ``C`` (the whole 2.5D stack).
        size: slice size ``(H, W)`` in pixels, or VOI size ``(D, H, W)`` in voxels.
        out_tsv: TSV with the columns of :data:`TSV_COLUMNS`, one row per experiment.
        out_md: Markdown table (parameters in millions, GFLOPs, GMACs, median latency) with a
            note saying what was counted and on which machine.
        device, repeats, warmup, threads: see :func:`lesionbench.complexity.measure`.

    Returns:
        The table, one row per experiment, columns :data:`TSV_COLUMNS`.

    Raises:
        KeyError, ValueError: an unknown network or a bad experiment, naming it.
    """
    configs = network_configs(experiments)
    channels = {name: int(experiments[name].get("in_channels", in_channels)) for name in configs}
    cache: dict[str, dict[str, Any]] = {}
    rows = []
    for experiment, network in configs.items():
        key = json.dumps([network, channels[experiment]], sort_keys=True, default=str)
        if key not in cache:
            try:
                cache[key] = measure(network, channels[experiment], size, device=device, repeats=repeats,
                                     warmup=warmup, threads=threads)
            except KeyError as error:
                raise KeyError(f"complexity: experiment {experiment!r}: {error.args[0]}") from None
            except ValueError as error:
                raise ValueError(f"complexity: experiment {experiment!r}: {error}") from error
        result = cache[key]
        rows.append({
            "experiment": experiment,
            "network": result["network"],
            "parameters_m": result["parameters"] / 1e6,
            "gflops": result["flops"] / 1e9,
            "gmacs": result["macs"] / 1e9,
            "latency_ms_per_slice": result["latency_ms_per_slice"],
            "parameters": result["parameters"],
            "flops": result["flops"],
            "macs": result["macs"],
            "latency_ms_p25": result["latency_ms_p25"],
            "latency_ms_p75": result["latency_ms_p75"],
        })
    table = pd.DataFrame(rows, columns=list(TSV_COLUMNS))
    first = next(iter(cache.values()))
    settings = {"experiments": configs, "in_channels": in_channels, "size": list(size), "device": first["device"],
                "repeats": repeats, "warmup": warmup, "threads": first["threads"],
                "narrower": {name: c for name, c in channels.items() if c != in_channels}}
    write_text(out_tsv, table.to_csv(sep="\t", index=False, lineterminator="\n"))
    write_text(out_md, markdown(table, settings))
    return table


def narrower_note(settings: Mapping[str, Any]) -> str:
    """``"; 1 x 1 for a, b"``: the experiments whose network sees part of the 2.5D stack
    (``network.input_offsets``: paper 003's 2D baselines, the target slice alone), else ``""``."""
    by_channels: dict[int, list[str]] = {}
    for name, c in settings.get("narrower", {}).items():
        by_channels.setdefault(int(c), []).append(name)
    return "".join(f"; 1 x {c} for {', '.join(names)}" for c, names in sorted(by_channels.items()))


def cpu_name() -> str:
    """The CPU model (``/proc/cpuinfo`` on Linux), which the latency depends on."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def markdown(table: pd.DataFrame, settings: Mapping[str, Any]) -> str:
    """The table as GitHub Markdown, followed by a note on what was measured and how."""
    headers = list(MARKDOWN_COLUMNS)
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(headers) - 2)) + "|"]
    for _, row in table.iterrows():
        cells = [fmt.format(row[column]) for column, fmt in MARKDOWN_COLUMNS.values()]
        lines.append("| " + " | ".join(cells) + " |")
    c, size = settings["in_channels"], settings["size"]
    what = "one slice" if len(size) == 2 else "one VOI"
    record = provenance(settings, torch=torch.__version__, machine=platform.machine(), processor=cpu_name())
    note = (
        f"Input 1 x {c} x {' x '.join(str(n) for n in size)} ({what}){narrower_note(settings)}. Parameters: "
        "trainable. FLOPs: counted by "
        "torch.utils.flop_counter.FlopCounterMode (convolutions, matrix products, attention; "
        "a multiply-add = 2 FLOPs; normalisation, activations, pooling and element-wise "
        "operations not counted). GMACs = GFLOPs / 2, what papers (e.g. paper 003 table 4.3) "
        f"often call FLOPs. Latency: median of {settings['repeats']} forward passes after "
        f"{settings['warmup']} warm-up passes, batch 1, eval mode, torch.inference_mode, "
        f"device {settings['device']}, {settings['threads']} thread(s)."
    )
    return "\n".join([*lines, "", note, "", f"Provenance: `{json.dumps(record, sort_keys=True)}`", ""])

