"""The report's figure 1.1 (the original `aux.py` `render_imagelist`): the first 25 training
digits with their labels, 5×5 in the binary colormap, and beside them the mean image of each
class, which shows what a "typical" digit looks like to a model that sees raw pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import style


@style.styled
def mnist_samples(images: np.ndarray, labels: np.ndarray, path: Path) -> None:
    fig = style.figure(figsize=(10.5, 5.4), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=(1, 1.25))
    grid = left.subplots(5, 5)
    for index, axis in enumerate(grid.flat):
        axis.imshow(images[index], cmap="binary", vmin=0, vmax=255)
        axis.set_title(str(int(labels[index])), pad=2)
        axis.axis("off")
    left.suptitle("The first 25 training images and their labels")
    means = right.subplots(2, 5)
    for digit, axis in enumerate(means.flat):
        members = images[labels == digit]
        axis.imshow(members.mean(axis=0), cmap="binary", vmin=0, vmax=255)
        axis.set_title(f"{digit}\n{len(members):,} images", pad=2)
        axis.axis("off")
    right.suptitle("The mean image of each class (training set)")
    style.save(fig, path)
