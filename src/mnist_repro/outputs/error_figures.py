"""Figures of where a version errs: the confusion matrix and the gallery of misclassified digits."""

from __future__ import annotations

import numpy as np

from . import style
from .style import plt


def confusion_matrix(matrix: np.ndarray, title: str, path) -> None:
    fig, axis = plt.subplots(figsize=(7.2, 6.2), layout="constrained")
    shown = np.log1p(matrix)  # log colour: the diagonal's thousands would hide the errors otherwise
    axis.imshow(shown, cmap=style.COUNTS)
    axis.grid(False)
    for true in range(10):
        for predicted in range(10):
            count = int(matrix[true, predicted])
            if count:
                dark = shown[true, predicted] > 0.6 * shown.max()
                axis.text(predicted, true, str(count), ha="center", va="center", fontsize=8,
                          color="white" if dark else ("black" if true == predicted else "tab:red"))
    axis.set_xticks(range(10))
    axis.set_yticks(range(10))
    axis.set_xlabel("predicted digit")
    axis.set_ylabel("true digit")
    axis.set_title(title)
    style.save(fig, path)


def gallery(images: np.ndarray, captions: list[str], title: str, path, columns: int = 12) -> None:
    """The digits as one tiled picture in one axes, each caption above its digit. One axes instead
    of one per digit: a page of 120 digits draws in a fraction of a second instead of seconds."""
    rows = max(1, -(-len(images) // columns))
    cell, gap, head = 28, 4, 12  # pixels: a digit, the space beside it, the space for its caption
    height, width = rows * (head + cell + gap), columns * (cell + gap)
    # Each cell's top-left corner: its caption's band, then its digit `head` pixels lower.
    corners = [((i // columns) * (head + cell + gap), (i % columns) * (cell + gap) + gap // 2) for i in range(len(images))]
    mosaic = np.full((height, width), np.nan)
    for image, (top, left) in zip(images, corners):
        mosaic[top + head:top + head + cell, left:left + cell] = image
    fig = plt.figure(figsize=(columns * 1.05, rows * 1.25 + 0.5))
    axis = fig.add_axes((0.005, 0.005, 0.99, 1 - 0.55 / (rows * 1.25 + 0.5)))
    axis.imshow(np.ma.masked_invalid(mosaic), cmap=style.DIGITS, vmin=0, vmax=255, interpolation="nearest",
                aspect="auto")
    axis.axis("off")
    for caption, (top, left) in zip(captions, corners):
        axis.text(left + cell / 2, top + head - 2, caption, ha="center", va="bottom", fontsize=7)
    fig.suptitle(title)
    style.save(fig, path, dpi=80)
