"""Matplotlib figures: training curves beside the paper's, and the layer-stack fallback drawing."""

from __future__ import annotations

from ..versions import PaperResults
from . import style


def draw_history(axes, history: list[dict], paper: PaperResults | None) -> None:
    """Loss and accuracy per epoch on two axes: the run's training curves (and its val curves, when
    it had a val pass), beside the paper's 2018 log when `paper` is given."""
    ours_epochs = [int(row["epoch"]) + 1 for row in history]
    for axis, key, column in ((axes[0], "loss", 0), (axes[1], "accuracy", 1)):
        if paper is not None:
            paper_epochs = list(range(1, len(paper.epochs) + 1))
            axis.plot(paper_epochs, [row[column] for row in paper.epochs], **style.PAPER,
                      label="paper, training (2018 log)")
        axis.plot(ours_epochs, [row[key] for row in history], **style.OURS, label="this run, training")
        if history and history[0].get(f"val_{key}") is not None:
            axis.plot(ours_epochs, [row[f"val_{key}"] for row in history], **style.VAL, label=f"this run, val_{key}")
        style.epoch_axis(axis, key)
        axis.legend()


@style.styled
def training_curves(history: list[dict], paper: PaperResults, title: str, path) -> None:
    """The report's figure 4.N (loss and accuracy per epoch) with our run drawn beside it."""
    fig, axes = style.panels(2)
    draw_history(axes, history, paper)
    fig.suptitle(title)
    style.save(fig, path)


@style.styled
def layer_stack(rows: list[tuple[str, str, str]], title: str, path) -> None:
    """A plot_model-like drawing (name, class, output shape per layer) for machines without graphviz."""
    height = 0.8 + 0.75 * len(rows)
    fig = style.figure(figsize=(5.5, height))
    axis = fig.subplots()
    axis.set_xlim(0, 1)
    axis.set_ylim(0, len(rows))
    axis.axis("off")
    for index, (name, kind, shape) in enumerate(rows):
        y = len(rows) - index - 0.5
        axis.text(0.5, y, f"{name}: {kind}\noutput {shape}", ha="center", va="center", fontsize=9,
                  bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "black"})
        if index < len(rows) - 1:
            axis.annotate("", xy=(0.5, y - 0.62), xytext=(0.5, y - 0.38), arrowprops={"arrowstyle": "->"})
    axis.set_title(title, fontsize=10)
    style.save(fig, path, bbox_inches="tight")
