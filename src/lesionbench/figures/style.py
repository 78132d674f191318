"""Colours, figure creation and saving shared by every figure.

Figures are built with matplotlib's object-oriented API on the Agg canvas
(:class:`matplotlib.figure.Figure` + :class:`FigureCanvasAgg`), never through ``pyplot``, so no
GUI backend is touched, no global figure list grows in a long Snakemake job, and each figure is
released as soon as it is saved.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lesionbench import __version__
from lesionbench.io import atomic_path
from lesionbench.typing import PathLike

#: Okabe & Ito (2008) colour-blind-safe palette, ordered so the first colours are the most
#: distinct on white and on a CT image (black last: it vanishes on a windowed slice).
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
)
#: Used after the eight Okabe-Ito colours (not colour-blind safe; more than eight models in one
#: figure is rare and then distinguishable hues matter more).
EXTRA_COLORS: tuple[str, ...] = (
    "#7F7F7F", "#8C564B", "#17BECF", "#BCBD22", "#9467BD", "#2CA02C", "#D62728", "#1F77B4",
)
FORMATS = ("png", "pdf")


class Drawn(NamedTuple):
    """A figure and what was drawn on it, for saving and for tests.

    Attributes:
        figure: the matplotlib figure.
        artists: artists keyed by a tuple such as ``("median", model)``.
        data: the numbers plotted, keyed likewise.
    """

    figure: Figure
    artists: dict[tuple, Any]
    data: dict[tuple, Any]


def model_colors(models: Iterable[str]) -> dict[str, str]:
    """One colour per model, in the given order: the same list gives the same colours in every
    figure (pass the dataset's full model list, reference first).

    Raises:
        ValueError: if a model name repeats.
    """
    models = list(models)
    if len(set(models)) != len(models):
        raise ValueError(f"model names repeat: {models}")
    palette = OKABE_ITO + EXTRA_COLORS
    return {model: palette[i % len(palette)] for i, model in enumerate(models)}


def new_figure(width_in: float, height_in: float, dpi: int, **kwargs: Any) -> Figure:
    """A figure of ``width_in x height_in`` inches on an Agg canvas (constrained layout)."""
    figure = Figure(figsize=(width_in, height_in), dpi=dpi, layout=kwargs.pop("layout", "constrained"), **kwargs)
    FigureCanvasAgg(figure)
    return figure


def model_ticks(ax: Axes, positions: Sequence[float], labels: Sequence[str]) -> None:
    """Label the x positions with model names, slanted when one is longer than 8 characters."""
    long = max(map(len, labels), default=0) > 8
    ax.set_xticks(list(positions), list(labels), rotation=30 if long else 0, ha="right" if long else "center")


def save_figure(figure: Figure, out_stem: PathLike, dpi: int, info: Mapping[str, Any] | None = None) -> list[Path]:
    """Write ``{out_stem}.png`` (at ``dpi``) and ``{out_stem}.pdf`` atomically.

    The pixel size of the PNG is the figure size in inches times ``dpi`` (no tight bounding
    box). ``info`` (e.g. provenance) is stored in the PNG text chunk and the PDF subject; the
    PDF creation date is left out so reruns give identical files.

    Returns:
        The two paths written.
    """
    stem = Path(out_stem)
    description = json.dumps({"lesionbench_version": __version__, **(info or {})}, sort_keys=True, default=str)
    metadata = {
        "png": {"Software": f"lesionbench {__version__}", "Description": description},
        "pdf": {"Creator": f"lesionbench {__version__}", "Subject": description, "CreationDate": None},
    }
    written = []
    for fmt in FORMATS:
        path = stem.with_name(f"{stem.name}.{fmt}")
        with atomic_path(path, suffix=f".{fmt}") as tmp:
            figure.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata[fmt], facecolor=figure.get_facecolor())
        written.append(path)
    return written
