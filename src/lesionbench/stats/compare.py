"""The compare stage: metric tables in, ``{R}/stats/`` out (docs/file-formats.md, "Compare")."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from lesionbench.io import atomic_path, provenance, write_json, write_text
from lesionbench.stats.frames import read_metrics, resolve_subset
from lesionbench.stats.paired import paired_tests
from lesionbench.stats.settings import CompareSettings
from lesionbench.stats.summary import global_dice, summary_table
from lesionbench.stats.tables import footnote, format_table1, to_html, to_latex, to_markdown
from lesionbench.typing import PathLike

log = logging.getLogger(__name__)

#: Files written into ``out_dir``, in writing order (the provenance sidecar last).
OUTPUT_FILES = ("tests.tsv", "summary.tsv", "global_dice.tsv", "table.md", "table.tex", "table.html",
                "provenance.json")
TABLE_CAPTION = "Segmentation performance per model"


def compare(
    metric_tsvs: Sequence[PathLike], out_dir: PathLike, settings: CompareSettings | Mapping[str, Any]
) -> list[Path]:
    """Paired tests, summary and Table 1 of a dataset's experiments.

    Everything is computed before the first file is written, and each file is written
    atomically, so a failure leaves no new partial output.

    Args:
        metric_tsvs: ``metrics/{experiment}.tsv`` files, one per experiment.
        out_dir: destination folder (``results/{dataset}/stats``).
        settings: :class:`CompareSettings` or its dict form.

    Returns:
        Paths written: ``tests.tsv``, ``summary.tsv``, ``global_dice.tsv`` (DSC(G) per model),
        ``table.md``, ``table.tex``, ``table.html`` and ``provenance.json`` (settings hash,
        inputs and their SHA-256).
    """
    if not isinstance(settings, CompareSettings):
        settings = CompareSettings.from_dict(settings)
    frames = read_metrics(metric_tsvs)
    contents = compare_frames(frames, settings)
    inputs = {str(p): _sha256(Path(p)) for p in metric_tsvs}
    record = {"settings": settings.to_dict(), "inputs": inputs,
              "provenance": provenance(settings.to_dict(), models=list(frames))}
    out = Path(out_dir)
    written = []
    for name in OUTPUT_FILES[:-1]:
        content = contents[name]
        if isinstance(content, pd.DataFrame):
            with atomic_path(out / name) as tmp:
                content.to_csv(tmp, sep="\t", index=False, na_rep="NA")
        else:
            write_text(out / name, content)
        written.append(out / name)
    write_json(out / OUTPUT_FILES[-1], record)
    written.append(out / OUTPUT_FILES[-1])
    log.info("compare: %d models x %d metrics -> %s", len(frames), len(settings.metrics), out)
    return written


def compare_frames(frames: Mapping[str, pd.DataFrame], settings: CompareSettings) -> dict[str, Any]:
    """In-memory form of :func:`compare`: ``{file name: DataFrame or text}``."""
    tests = paired_tests(frames, settings)
    summary = summary_table(frames, tests, settings)
    table = format_table1(summary, settings)
    note = footnote(settings, resolve_subset(frames[settings.reference], settings.subset))
    return {
        "tests.tsv": tests,
        "summary.tsv": summary,
        "global_dice.tsv": global_dice(frames, settings),
        "table.md": to_markdown(table, note),
        "table.tex": to_latex(table, note, caption=TABLE_CAPTION),
        "table.html": to_html(table, note, title=TABLE_CAPTION),
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
