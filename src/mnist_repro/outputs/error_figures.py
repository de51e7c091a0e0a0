"""Figures of where a version errs: the confusion matrix and the gallery of misclassified digits."""

from __future__ import annotations

import numpy as np

from . import style


def draw_confusion(axis, matrix: np.ndarray) -> None:
    """A 10x10 confusion matrix (rows the true digit) with its counts, on a log colour scale."""
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


@style.styled
def confusion_matrix(matrix: np.ndarray, title: str, path) -> None:
    fig = style.figure(figsize=(7.2, 6.2), layout="constrained")
    axis = fig.subplots()
    draw_confusion(axis, matrix)
    axis.set_title(title)
    style.save(fig, path)


CELL, GAP, HEAD = 28, 4, 12  # pixels: a digit, the space beside it, the space for its caption


def gallery_rows(count: int, columns: int) -> int:
    return max(1, -(-count // columns))


def draw_gallery(axis, images: np.ndarray, captions: list[str], columns: int = 12) -> None:
    """The digits as one tiled picture in one axes, each caption above its digit. One axes instead
    of one per digit: a page of 120 digits draws in a fraction of a second instead of seconds."""
    rows = gallery_rows(len(images), columns)
    height, width = rows * (HEAD + CELL + GAP), columns * (CELL + GAP)
    # Each cell's top-left corner: its caption's band, then its digit HEAD pixels lower.
    corners = [((i // columns) * (HEAD + CELL + GAP), (i % columns) * (CELL + GAP) + GAP // 2) for i in range(len(images))]
    mosaic = np.full((height, width), np.nan)
    for image, (top, left) in zip(images, corners):
        mosaic[top + HEAD:top + HEAD + CELL, left:left + CELL] = image
    axis.imshow(np.ma.masked_invalid(mosaic), cmap=style.DIGITS, vmin=0, vmax=255, interpolation="nearest",
                aspect="auto")
    axis.axis("off")
    for caption, (top, left) in zip(captions, corners):
        axis.text(left + CELL / 2, top + HEAD - 2, caption, ha="center", va="bottom", fontsize=7)


@style.styled
def gallery(images: np.ndarray, captions: list[str], title: str, path, columns: int = 12) -> None:
    rows = gallery_rows(len(images), columns)
    fig = style.figure(figsize=(columns * 1.05, rows * 1.25 + 0.5))
    axis = fig.add_axes((0.005, 0.005, 0.99, 1 - 0.55 / (rows * 1.25 + 0.5)))
    draw_gallery(axis, images, captions, columns)
    fig.suptitle(title)
    style.save(fig, path, dpi=80)
