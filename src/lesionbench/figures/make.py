"""The figures stage: all figures of a dataset into ``{R}/figures`` (docs/file-formats.md).

Writes, as PNG and PDF: ``boxplot_{metric}`` (or ``violin_{metric}``) with the adjusted p vs
the reference; ``metric_strip`` (every case's metrics for the reference model, paper 001 Fig. 3)
and ``mean_bars_{metric}`` (mean per model with its bootstrap CI, paper 001 Fig. 4);
``volume_scatter``, ``bland_altman``, ``ranking_blobs_{metric}`` and ``significance_map_{metric}``
for every ranking metric; ``roc_curves`` when a model writes classification outputs;
``learning_curves`` with histories; ``overlays`` (the reference model's best, median and worst
case, every model's contour), ``overlays_per_model`` (each model's own best, median and worst
case) and ``overlays_by_class`` (one case per lesion class and size group, paper 001 Fig. 5, when
the tables carry those labels) with images, masks and predictions; ``complexity`` with a
complexity table. A model whose table lacks a figure's columns (a classification-only network
has no segmentation metric) is left out of that figure. Every model gets its colour once, from
the full list of models (reference first), so a model has the same colour in every figure. The
statistics drawn are recomputed with the compare settings carried by the figure settings, with
the same functions and seeds as the compare stage, so they equal the numbers in ``{R}/stats``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from lesionbench.figures.agreement import bland_altman_figure
from lesionbench.figures.boxplots import boxplots
from lesionbench.figures.columns import among, with_columns
from lesionbench.figures.complexity import plot_complexity, read_complexity
from lesionbench.figures.curves import learning_curves
from lesionbench.figures.mean_bars import mean_bars
from lesionbench.figures.metric_strip import metric_strip
from lesionbench.figures.overlay_grid import overlay_grid
from lesionbench.figures.overlays import overlay_montage, pick_cases
from lesionbench.figures.overlays_by_class import overlays_by_class
from lesionbench.figures.ranking import ranking_figures
from lesionbench.figures.roc import roc_curves
from lesionbench.figures.settings import FigureSettings
from lesionbench.figures.style import model_colors, save_figure
from lesionbench.figures.volumes import volume_scatter
from lesionbench.stats.frames import order_models, read_metrics
from lesionbench.stats.paired import paired_tests
from lesionbench.typing import PathLike

log = logging.getLogger(__name__)

_FOLD = re.compile(r"^fold-(\d+)$")


def _fold_dirs(folder: Path) -> list[Path]:
    """``fold-{k}`` sub-folders of ``folder``, by fold number, then ``ensemble`` (a test set's
    predictions by every fold's model) if there is one."""
    found = [(int(m.group(1)), p) for p in folder.iterdir() if p.is_dir() and (m := _FOLD.match(p.name))]
    ensemble = [folder / "ensemble"] if (folder / "ensemble").is_dir() else []
    return [p for _, p in sorted(found)] + ensemble


def find_histories(model_dirs: Sequence[PathLike]) -> dict[str, list[Path]]:
    """``{experiment: [fold-*/history.tsv]}`` from ``models/{experiment}`` folders.

    Raises:
        FileNotFoundError: naming a folder that is missing or holds no ``fold-*/history.tsv``.
    """
    out: dict[str, list[Path]] = {}
    for raw in model_dirs:
        folder = Path(raw)
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder}: model folder not found")
        files = [d / "history.tsv" for d in _fold_dirs(folder) if (d / "history.tsv").is_file()]
        if not files:
            raise FileNotFoundError(f"{folder}: no fold-*/history.tsv inside")
        out[folder.name] = files
    return out


def find_predictions(prediction_dirs: Sequence[PathLike]) -> dict[str, dict[str, Path]]:
    """``{experiment: {case: path}}`` from ``predictions/{experiment}/fold-*/{case}.nii.gz``
    (or a test set's ``test/predictions/{experiment}/ensemble/{case}.nii.gz``).

    Raises:
        FileNotFoundError: naming a folder that is missing or holds no prediction.
        ValueError: naming a case predicted in two folds (it must be in one test fold only).
    """
    out: dict[str, dict[str, Path]] = {}
    for raw in prediction_dirs:
        folder = Path(raw)
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder}: prediction folder not found")
        cases: dict[str, Path] = {}
        for fold in _fold_dirs(folder):
            for path in sorted(fold.glob("*.nii.gz")):
                case = path.name[: -len(".nii.gz")]
                if case in cases:
                    raise ValueError(f"{path}: case '{case}' is also predicted in {cases[case]}")
                cases[case] = path
        if not cases:
            raise FileNotFoundError(f"{folder}: no fold-*/*.nii.gz predictions inside")
        out[folder.name] = cases
    return out


def make_figures(
    frames: Mapping[str, pd.DataFrame], out_dir: PathLike, settings: FigureSettings | Mapping[str, Any],
    histories: Mapping[str, Sequence[PathLike]] | None = None, images_dir: PathLike | None = None,
    masks_dir: PathLike | None = None, predictions: Mapping[str, Mapping[str, PathLike]] | None = None,
    complexity_tsv: PathLike | None = None,
) -> list[Path]:
    """Draw every figure whose inputs are given.

    Box plots, metric strip, mean bars, volume plots, ranking plots and ROC curves need only
    ``frames``; learning curves need ``histories``; the overlays need ``images_dir``,
    ``masks_dir`` and ``predictions`` (the montage picks its cases with :func:`pick_cases` on the
    reference model, the grid on each model, the class x size grid by lesion class and size on
    the reference model); the complexity plot needs ``complexity_tsv``.

    Args:
        frames: ``{experiment: metrics frame}``.
        out_dir: destination folder (``results/{dataset}/figures``).
        settings: :class:`FigureSettings` or its dict form.
        histories: ``{experiment: [history.tsv per fold]}``.
        images_dir: folder of ``{case}.nii.gz`` images.
        masks_dir: folder of ``{case}.nii.gz`` reference masks.
        predictions: ``{experiment: {case: path}}``.
        complexity_tsv: ``lesionbench complexity`` output (experiment, parameters, flops).

    Returns:
        The files written.
    """
    if not isinstance(settings, FigureSettings):
        settings = FigureSettings.from_dict(settings)
    out = Path(out_dir)
    histories = dict(histories or {})
    predictions = dict(predictions or {})
    models = order_models(list(frames), settings.reference)
    extra = [m for m in list(histories) + list(predictions) if m not in models]
    colors = model_colors(models + list(dict.fromkeys(extra)))
    complexity = read_complexity(complexity_tsv) if complexity_tsv is not None else None  # fail before drawing
    tests = _tests(frames, settings)
    written = boxplots(frames, settings.metrics, out, settings, colors, tests)
    written += metric_strip(frames, out / "metric_strip", settings, colors)
    written += mean_bars(frames, settings.metrics, out, settings, colors)
    written += volume_scatter(frames, out / "volume_scatter", settings, colors)
    written += bland_altman_figure(frames, out / "bland_altman", settings, colors)
    written += ranking_figures(frames, out, settings, colors)
    written += roc_curves(frames, out / "roc_curves", settings, colors)
    if histories:
        written += learning_curves(histories, out / "learning_curves", settings, colors)
    else:
        log.info("figures: no training histories given; learning curves skipped")
    if predictions and images_dir is not None and masks_dir is not None:
        written += _overlays(frames, Path(images_dir), Path(masks_dir), predictions, out, settings, colors)
    else:
        log.info("figures: images, masks or predictions missing; overlays skipped")
    drawn = plot_complexity(frames, complexity, settings, colors) if complexity is not None else None
    if drawn is not None:
        written += save_figure(drawn.figure, out / "complexity", settings.dpi, {"figure": "complexity"})
    return written


def _tests(frames: Mapping[str, pd.DataFrame], settings: FigureSettings) -> pd.DataFrame | None:
    """The paired tests the box plots annotate, on the models with every metric column (a
    classification-only model has none); None without annotation or with fewer than 2 such models."""
    tested = with_columns(frames, *settings.metrics)
    if not settings.annotate or len(tested) < 2:
        return None
    return paired_tests(tested, among(settings, list(tested)).compare_settings(list(tested)))


def _overlays(frames: Mapping[str, pd.DataFrame], images_dir: Path, masks_dir: Path,
              predictions: Mapping[str, Mapping[str, PathLike]], out: Path, settings: FigureSettings,
              colors: Mapping[str, str]) -> list[Path]:
    """``overlays`` (cases of the first model with a ``pick_metric`` column, the reference
    first), ``overlays_per_model`` and ``overlays_by_class``."""
    models = order_models(list(frames), settings.reference)
    picker = next((m for m in models if settings.pick_metric in frames[m].columns), None)
    written: list[Path] = []
    if picker is None:
        log.info("figures: no model has a '%s' column; overlays skipped", settings.pick_metric)
        return written
    cases = pick_cases(frames[picker], settings.overlay_cases, settings.pick_metric, settings.subset)
    first = settings.reference if settings.reference in predictions else None
    ordered = {m: predictions[m] for m in order_models(list(predictions), first)}
    written += overlay_montage(cases, images_dir, masks_dir, ordered, out / "overlays", settings=settings,
                               colors=colors)
    if any(m in predictions and settings.pick_metric in frames[m].columns for m in models):
        written += overlay_grid(frames, images_dir, masks_dir, predictions, out / "overlays_per_model", settings,
                                colors)
    written += overlays_by_class(frames, images_dir, masks_dir, ordered, out / "overlays_by_class", settings, colors)
    return written


def figures_from_files(
    metric_tsvs: Sequence[PathLike], out_dir: PathLike, settings: FigureSettings | Mapping[str, Any],
    model_dirs: Sequence[PathLike] = (), images_dir: PathLike | None = None,
    masks_dir: PathLike | None = None, prediction_dirs: Sequence[PathLike] = (),
    complexity_tsv: PathLike | None = None,
) -> list[Path]:
    """:func:`make_figures` from the pipeline's folders (what ``lesionbench figures`` calls).

    Args:
        metric_tsvs: ``metrics/{experiment}.tsv`` files.
        out_dir: destination folder.
        settings: figure settings.
        model_dirs: ``models/{experiment}`` folders with ``fold-*/history.tsv``.
        images_dir: ``images`` folder.
        masks_dir: ``masks`` folder.
        prediction_dirs: ``predictions/{experiment}`` folders with ``fold-*/{case}.nii.gz``.
        complexity_tsv: optional complexity table (experiment, parameters, flops).
    """
    return make_figures(
        read_metrics(metric_tsvs), out_dir, settings, histories=find_histories(model_dirs),
        images_dir=images_dir, masks_dir=masks_dir, predictions=find_predictions(prediction_dirs),
        complexity_tsv=complexity_tsv,
    )
