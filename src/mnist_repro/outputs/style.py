"""One look for every figure the project draws: training curves, the study's figures, the
confusion matrix, the galleries and the dataset figure.

Losses go on a log scale: by the late epochs they are a few hundredths, a flat line on a linear
axis, and the differences between the paper and this run are ratios anyway. Epochs are integers.
PNG metadata carries no timestamp, so the same inputs give the same bytes.
"""

from __future__ import annotations

import functools
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .atomic import replacing

METADATA = {"Software": None}
PAPER = {"color": "0.45", "marker": "o", "linestyle": "--", "markersize": 4}
OURS = {"color": "tab:blue", "marker": "o", "linestyle": "-", "markersize": 4}
VAL = {"color": "tab:orange", "marker": "s", "linestyle": ":", "markersize": 4}
DIGITS = "gray_r"  # MNIST's ink is high values: dark strokes on white, as the report showed them
COUNTS = "Blues"
LOOK = {
    "font.size": 9, "axes.titlesize": 10, "figure.titlesize": 11, "legend.fontsize": 8,
    "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
}


def styled(draw):
    """Run a drawing function in the project's look (LOOK), leaving matplotlib's settings as they
    were: importing or calling this package changes nothing in a notebook's own plots. The files are
    drawn on Figure objects, which no pyplot backend holds, so no backend is chosen either."""

    @functools.wraps(draw)
    def in_look(*args, **kwargs):
        with matplotlib.rc_context(LOOK):
            return draw(*args, **kwargs)

    return in_look


def figure(**options) -> Figure:
    """A figure for a file: drawn and saved without pyplot (no window, no backend, nothing to close)."""
    return Figure(**options)


def panels(count: int, width: float = 5.2, height: float = 4.0):
    """A row of `count` axes, laid out so that a suptitle never overlaps a label."""
    fig = figure(figsize=(width * count, height), layout="constrained")
    return fig, list(fig.subplots(1, count, squeeze=False)[0])


def epoch_axis(axis, metric: str) -> None:
    """Integer epoch ticks; a log scale for a loss."""
    axis.set_xlabel("epoch")
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    if "loss" in metric:
        axis.set_yscale("log")
        axis.set_ylabel(f"{metric} (log scale)")
    else:
        axis.set_ylabel(metric)


def save(fig, path, dpi: int = 100, **options) -> None:
    """Write the PNG beside the target and rename it over, so a failed write (a full disk) leaves
    the previous figure whole and no partial file behind. `options` go to savefig."""
    with replacing(path) as partial:
        fig.savefig(partial, dpi=dpi, metadata=METADATA, format=Path(path).suffix.lstrip(".") or "png", **options)
