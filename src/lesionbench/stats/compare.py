"""The compare stage: metric tables in, ``{R}/stats/`` out (docs/file-formats.md, "Compare").

Files, in writing order (:func:`output_names` gives the list for a settings object):

- ``tests.tsv`` (paired tests vs the reference, BH and Holm, rank-biserial r, mean paired
  difference with its bootstrap CI), ``summary.tsv`` (with the bootstrap CI of each mean),
  ``global_dice.tsv``;
- ``table.md``, ``table.tex``, ``table.html``: the first table style (compatibility);
- ``friedman.tsv``, ``posthoc.tsv``: Friedman omnibus and all-pairs post-hoc tests;
- ``table_{style}.tsv|md|tex|html`` for every ``table_styles`` entry;
- ``ranking.tsv``, ``ranking_bootstrap.tsv``, ``ranking_significance.tsv`` (challengeR);
- ``volume_agreement.tsv``, ``abc2_bands.tsv``, ``volume_subgroups.tsv`` (paper 002);
- ``classification.tsv``, ``roc.tsv``, ``auc_tests.tsv`` (paper 001; DeLong tests of the AUCs
  against the reference's; header only when no model has ``cls_prob``/``cls_label``);
- ``provenance.json`` last.

Every file is always written (with a header and no rows when not applicable), so a Snakemake
rule can name them all as outputs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from lesionbench.io import atomic_path, file_sha256, provenance, write_json, write_text
from lesionbench.stats.frames import MetricsTableError, read_metrics
from lesionbench.stats.omnibus import friedman_tests
from lesionbench.stats.paired import paired_tests
from lesionbench.stats.render import to_html, to_latex, to_markdown
from lesionbench.stats.settings import CompareSettings
from lesionbench.stats.styles import StyleContext, build_table
from lesionbench.stats.summary import global_dice, summary_table
from lesionbench.typing import PathLike

log = logging.getLogger(__name__)

#: Files written for every settings, before the per-style tables.
FIXED_FILES = ("tests.tsv", "summary.tsv", "global_dice.tsv", "table.md", "table.tex", "table.html",
               "friedman.tsv", "posthoc.tsv")
#: Files written after the per-style tables.
ANALYSIS_FILES = ("ranking.tsv", "ranking_bootstrap.tsv", "ranking_significance.tsv", "volume_agreement.tsv",
                  "abc2_bands.tsv", "volume_subgroups.tsv", "classification.tsv", "roc.tsv", "auc_tests.tsv")
PROVENANCE_FILE = "provenance.json"
TABLE_FORMATS = ("tsv", "md", "tex", "html")


def output_names(settings: CompareSettings) -> list[str]:
    """Every file name :func:`compare` writes for ``settings``, in writing order."""
    styled = [f"table_{style}.{fmt}" for style in settings.table_styles for fmt in TABLE_FORMATS]
    return [*FIXED_FILES, *styled, *ANALYSIS_FILES, PROVENANCE_FILE]


def segmentation_frames(frames: Mapping[str, pd.DataFrame], settings: CompareSettings) -> dict[str, pd.DataFrame]:
    """The models with at least one of ``settings.metrics`` as a column (a classifier has none).

    Raises:
        MetricsTableError: the reference model is a classifier (it cannot be the reference of
            the segmentation statistics).
    """
    kept = {model: frame for model, frame in frames.items() if set(settings.metrics) & set(frame.columns)}
    left_out = [model for model in frames if model not in kept]
    if left_out:
        log.info("compare: %s have no segmentation metric (classification only)", ", ".join(left_out))
    if settings.reference is not None and settings.reference not in kept and settings.reference in frames:
        raise MetricsTableError(f"reference model '{settings.reference}' has none of the metrics "
                                f"{list(settings.metrics)}: a classifier cannot be the reference of a comparison")
    return kept


def compare(
    metric_tsvs: Sequence[PathLike], out_dir: PathLike, settings: CompareSettings | Mapping[str, Any]
) -> list[Path]:
    """Statistics, tables, rankings, volume and classification analyses of a dataset's experiments.

    Everything is computed before the first file is written, and each file is written
    atomically, so a failure leaves no new partial output.

    Args:
        metric_tsvs: ``metrics/{experiment}.tsv`` files, one per experiment.
        out_dir: destination folder (``results/{dataset}/stats``).
        settings: :class:`CompareSettings` or its dict form.

    Returns:
        Paths written, in the order of :func:`output_names`; ``provenance.json`` holds the
        settings, the inputs with their SHA-256 and the package provenance.
    """
    if not isinstance(settings, CompareSettings):
        settings = CompareSettings.from_dict(settings)
    frames = read_metrics(metric_tsvs)
    contents = compare_frames(frames, settings)
    inputs = {str(p): file_sha256(Path(p)) for p in metric_tsvs}
    record = {"settings": settings.to_dict(), "inputs": inputs,
              "provenance": provenance(settings.to_dict(), seed=settings.seed, models=list(frames))}
    out = Path(out_dir)
    written = []
    for name in output_names(settings)[:-1]:
        content = contents[name]
        if isinstance(content, pd.DataFrame):
            with atomic_path(out / name) as tmp:
                content.to_csv(tmp, sep="\t", index=False, na_rep="NA")
        else:
            write_text(out / name, content)
        written.append(out / name)
    write_json(out / PROVENANCE_FILE, record)
    written.append(out / PROVENANCE_FILE)
    log.info("compare: %d models x %d metrics -> %s", len(frames), len(settings.metrics), out)
    return written


def compare_frames(frames: Mapping[str, pd.DataFrame], settings: CompareSettings) -> dict[str, Any]:
    """In-memory form of :func:`compare`: ``{file name: DataFrame or text}``.

    A classifier's table (no segmentation metric column, only ``cls_prob``/``cls_label``; paper
    001's CNN) takes part in the classification files and the table styles' classification
    columns only; every segmentation statistic is computed on the other models.
    """
    # These packages import lesionbench.stats themselves: imported here, not at module level.
    from lesionbench.classification.analysis import auc_tests, classification_table, roc_table
    from lesionbench.ranking.analysis import rank_models
    from lesionbench.volumes.bands import BAND_COLUMNS, abc2_by_band
    from lesionbench.volumes.tables import subgroup_table, volume_agreement

    everyone, frames = frames, segmentation_frames(frames, settings)
    tests = paired_tests(frames, settings)
    summary = summary_table(frames, tests, settings)
    ctx = StyleContext(frames, settings, {"tests": tests, "summary": summary,
                                          "global_dice": global_dice(frames, settings)}, everyone)
    friedman, posthoc = friedman_tests(frames, settings)
    contents: dict[str, Any] = {"tests.tsv": tests, "summary.tsv": summary, "global_dice.tsv": ctx.global_dice,
                                "friedman.tsv": friedman, "posthoc.tsv": posthoc}
    for i, style in enumerate(settings.table_styles):
        table = build_table(style, ctx)
        rendered = {"tsv": table.data, "md": to_markdown(table.display, table.note),
                    "tex": to_latex(table.display, table.note, caption=table.caption),
                    "html": to_html(table.display, table.note, title=table.caption)}
        contents.update({f"table_{style}.{fmt}": rendered[fmt] for fmt in TABLE_FORMATS})
        if i == 0:
            contents.update({f"table.{fmt}": rendered[fmt] for fmt in ("md", "tex", "html")})
    rankings = rank_models(frames, settings)
    reference = frames[settings.reference]
    if {"ref_volume_ml", "ref_abc2_ml"} <= set(reference.columns):
        bands = abc2_by_band(reference, settings.volume_bands_ml, settings.subset, f"experiment '{settings.reference}'")
    else:
        bands = pd.DataFrame(columns=BAND_COLUMNS)
    contents.update({
        "ranking.tsv": rankings.ranking, "ranking_bootstrap.tsv": rankings.bootstrap,
        "ranking_significance.tsv": rankings.significance, "volume_agreement.tsv": volume_agreement(frames, settings),
        "abc2_bands.tsv": bands, "volume_subgroups.tsv": subgroup_table(frames, settings)[0],
        "classification.tsv": classification_table(everyone, settings), "roc.tsv": roc_table(everyone, settings),
        "auc_tests.tsv": auc_tests(everyone, settings),
    })
    return contents


