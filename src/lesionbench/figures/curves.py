"""Learning curves: training loss and validation Dice against epoch (paper 000, Fig 4).

Each fold is a thin line, the mean over folds a thick one, one colour per model. Folds may
stop at different epochs (resumed or early-stopped runs); the mean at an epoch is over the
folds that reached it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from lesionbench.figures.settings import FigureSettings
from lesionbench.figures.style import Drawn, model_colors, new_figure, save_figure
from lesionbench.typing import PathLike

#: Columns of ``models/{experiment}/fold-{k}/history.tsv`` that are plotted.
HISTORY_COLUMNS = ("epoch", "train_loss", "val_dice")
PANELS = (("train_loss", "Training loss"), ("val_dice", "Validation Dice"))


class HistoryFileError(ValueError):
    """A training history file cannot be read or lacks a column."""


def read_history(path: PathLike) -> pd.DataFrame:
    """Read one ``history.tsv`` (docs/file-formats.md, "Train").

    Raises:
        FileNotFoundError: naming the missing file.
        HistoryFileError: naming the file if it is unreadable, empty or lacks a column.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: training history not found")
    try:
        frame = pd.read_csv(path, sep="\t")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise HistoryFileError(f"{path}: cannot be read as a TSV table ({error})") from error
    missing = [c for c in HISTORY_COLUMNS if c not in frame.columns]
    if missing:
        raise HistoryFileError(f"{path}: missing column(s) {missing} (columns: {list(frame.columns)})")
    if frame.empty:
        raise HistoryFileError(f"{path}: no epochs recorded")
    try:
        return frame.astype({c: float for c in HISTORY_COLUMNS}).sort_values("epoch")
    except (ValueError, TypeError) as error:
        raise HistoryFileError(f"{path}: non-numeric values in {list(HISTORY_COLUMNS)} ({error})") from error


def plot_learning_curves(
    histories: Mapping[str, Sequence[PathLike]], settings: FigureSettings,
    colors: Mapping[str, str] | None = None,
) -> Drawn:
    """Draw training loss and validation Dice against epoch.

    Args:
        histories: ``{experiment: [history.tsv of each fold]}``.
        settings: labels, dpi.
        colors: ``{experiment: colour}``; default :func:`model_colors` of the experiments.

    Returns:
        The figure; ``artists[(column, model)]`` is the thick mean line and
        ``data[(column, model)]`` the mean per epoch (a Series indexed by epoch).

    Raises:
        ValueError: if no history is given.
    """
    models = [m for m in histories if len(histories[m])]
    if not models:
        raise ValueError("learning curves: no history.tsv files given")
    colors = dict(colors) if colors is not None else model_colors(models)
    figure = new_figure(10.0, 4.0, settings.dpi)
    axes = figure.subplots(1, len(PANELS))
    artists, data = {}, {}
    for model in models:
        folds = [read_history(p) for p in histories[model]]
        for column, ax in zip((c for c, _ in PANELS), axes):
            for fold in folds:
                ax.plot(fold["epoch"], fold[column], color=colors[model], linewidth=0.7, alpha=0.45)
            mean = pd.concat(folds).groupby("epoch")[column].mean()
            (line,) = ax.plot(mean.index, mean.to_numpy(), color=colors[model], linewidth=2.2)
            artists[(column, model)] = line
            data[(column, model)] = mean
    for (_, title), ax in zip(PANELS, axes):
        ax.set_xlabel("Epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(title)
        ax.grid(alpha=0.3)
    handles = [Line2D([], [], color=colors[m], linewidth=2.2, label=f"{settings.label(m)} (mean of {len(histories[m])})")
               for m in models]
    handles.append(Line2D([], [], color="grey", linewidth=0.7, alpha=0.6, label="single fold"))
    axes[-1].legend(handles=handles, fontsize="small", loc="best")
    return Drawn(figure, artists, data)


def learning_curves(
    histories: Mapping[str, Sequence[PathLike]], out_path_stem: PathLike,
    settings: FigureSettings | None = None, colors: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write ``{out_path_stem}.png`` and ``.pdf``; returns the paths."""
    settings = settings or FigureSettings()
    drawn = plot_learning_curves(histories, settings, colors)
    return save_figure(drawn.figure, out_path_stem, settings.dpi, {"figure": "learning_curves"})
