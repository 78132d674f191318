"""Model complexity against segmentation quality (paper 003, Table 4.3: FLOPs and parameters).

Reads the TSV that ``lesionbench complexity`` writes (columns ``experiment``, ``parameters``,
``flops``; more columns are ignored) and draws the mean of the first figure metric (Dice by
default, the mean of ``summary.tsv``: same cases) against the parameter count and, when known,
the FLOPs, log-scaled, one point per model in its colour.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter

from lesionbench.figures.settings import FigureSettings
from lesionbench.figures.style import Drawn, model_colors, new_figure, save_figure
from lesionbench.stats.frames import metric_values, order_models, selected_frames
from lesionbench.typing import PathLike

COMPLEXITY_COLUMNS = ("experiment", "parameters", "flops")
PANELS = (("parameters", "Parameters"), ("flops", "FLOPs per forward pass"))


class ComplexityFileError(ValueError):
    """The complexity table cannot be read or lacks a column."""


def read_complexity(path: PathLike) -> pd.DataFrame:
    """Read the complexity TSV, indexed by experiment.

    Raises:
        FileNotFoundError: naming the missing file.
        ComplexityFileError: naming the file if it is unreadable, lacks a column, repeats an
            experiment or holds non-numeric counts.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: complexity table not found")
    try:
        table = pd.read_csv(path, sep="\t")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ComplexityFileError(f"{path}: cannot be read as a TSV table ({error})") from error
    missing = [c for c in COMPLEXITY_COLUMNS if c not in table.columns]
    if missing:
        raise ComplexityFileError(f"{path}: missing column(s) {missing} (columns: {list(table.columns)})")
    if table["experiment"].duplicated().any():
        raise ComplexityFileError(f"{path}: experiment(s) listed twice: "
                                  f"{sorted(table.loc[table['experiment'].duplicated(), 'experiment'])}")
    try:
        counts = table[["parameters", "flops"]].apply(pd.to_numeric, errors="raise").astype(float)
    except (ValueError, TypeError) as error:
        raise ComplexityFileError(f"{path}: non-numeric parameters or flops ({error})") from error
    return counts.set_index(table["experiment"].astype(str))


def plot_complexity(frames: Mapping[str, pd.DataFrame], complexity: pd.DataFrame, settings: FigureSettings,
                    colors: Mapping[str, str] | None = None) -> Drawn | None:
    """Draw mean metric against parameters (and FLOPs); None if no model is in both tables with
    the metric column (a classification-only model has no segmentation metric).

    Returns:
        The figure; ``data[("point", model)]`` = ``(parameters, flops, mean metric)``.
    """
    metric = settings.metrics[0]
    models = [m for m in order_models(list(frames), settings.reference)
              if m in complexity.index and metric in frames[m].columns]
    if not models:
        return None
    colors = dict(colors) if colors is not None else model_colors(models)
    chosen = selected_frames({m: frames[m] for m in models}, settings.subset)
    means = {m: float(np.nanmean(metric_values(chosen[m], metric, f"experiment '{m}'").to_numpy())) for m in models}
    panels = [(c, t) for c, t in PANELS if complexity.loc[models, c].notna().any()]
    if not panels:
        return None
    figure = new_figure(4.2 * len(panels), 3.8, settings.dpi)
    axes = np.atleast_1d(figure.subplots(1, len(panels), squeeze=False)).ravel()
    artists, data = {}, {}
    for ax, (column, title) in zip(axes, panels):
        for model in models:
            x = float(complexity.loc[model, column])
            if not np.isfinite(x):
                continue
            artists[(column, model)] = ax.scatter([x], [means[model]], s=40, color=colors[model], zorder=3)
            ax.annotate(settings.label(model), (x, means[model]), textcoords="offset points", xytext=(4, 4),
                        fontsize="x-small")
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())  # only decades: minor labels collide
        ax.margins(x=0.2, y=0.15)
        ax.set_xlabel(title)
        ax.set_ylabel(f"Mean {settings.metric_label(metric)}")
        ax.grid(alpha=0.3)
    for model in models:
        data[("point", model)] = (float(complexity.loc[model, "parameters"]), float(complexity.loc[model, "flops"]),
                                  means[model])
    return Drawn(figure, artists, data)


def complexity_figure(frames: Mapping[str, pd.DataFrame], complexity_tsv: PathLike, out_path_stem: PathLike,
                      settings: FigureSettings, colors: Mapping[str, str] | None = None) -> list[Path]:
    """Write ``{out_path_stem}.png`` and ``.pdf``; nothing if no model is in both tables."""
    drawn = plot_complexity(frames, read_complexity(complexity_tsv), settings, colors)
    if drawn is None:
        return []
    return save_figure(drawn.figure, out_path_stem, settings.dpi, {"figure": "complexity"})
