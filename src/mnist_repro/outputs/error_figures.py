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
    rows = max(1, -(-len(images) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.05, rows * 1.25 + 0.5), squeeze=False,
                             layout="constrained")
    for index, axis in enumerate(axes.flat):
        axis.axis("off")
        if index < len(images):
            axis.imshow(images[index], cmap=style.DIGITS, vmin=0, vmax=255)
            axis.set_title(captions[index], fontsize=7, pad=2)
    fig.suptitle(title)
    style.save(fig, path, dpi=80)
