"""One look for every figure the project draws: training curves, the study's figures, the
confusion matrix, the galleries and the dataset figure.

Losses go on a log scale: by the late epochs they are a few hundredths, a flat line on a linear
axis, and the differences between the paper and this run are ratios anyway. Epochs are integers.
PNG metadata carries no timestamp, so the same inputs give the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from .atomic import replacing  # noqa: E402

METADATA = {"Software": None}
PAPER = {"color": "0.45", "marker": "o", "linestyle": "--", "markersize": 4}
OURS = {"color": "tab:blue", "marker": "o", "linestyle": "-", "markersize": 4}
VAL = {"color": "tab:orange", "marker": "s", "linestyle": ":", "markersize": 4}
DIGITS = "gray_r"  # MNIST's ink is high values: dark strokes on white, as the report showed them
COUNTS = "Blues"

plt.rcParams.update({
    "font.size": 9, "axes.titlesize": 10, "figure.titlesize": 11, "legend.fontsize": 8,
    "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
})


def panels(count: int, width: float = 5.2, height: float = 4.0):
    """A row of `count` axes, laid out so that a suptitle never overlaps a label."""
    fig, axes = plt.subplots(1, count, figsize=(width * count, height), layout="constrained", squeeze=False)
    return fig, list(axes[0])


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
    try:
        with replacing(path) as partial:
            fig.savefig(partial, dpi=dpi, metadata=METADATA, format=Path(path).suffix.lstrip(".") or "png", **options)
    finally:
        plt.close(fig)
