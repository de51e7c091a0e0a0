"""Matplotlib figures: training curves beside the paper's, and the layer-stack fallback drawing."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402

from ..versions import PaperResults  # noqa: E402


def training_curves(history: list[dict], paper: PaperResults, title: str, path) -> None:
    """The report's figure 4.N (loss and accuracy per epoch) with our run drawn beside it."""
    ours_epochs = [int(row["epoch"]) + 1 for row in history]
    paper_epochs = list(range(1, len(paper.epochs) + 1))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for axis, key, column, label in ((axes[0], "loss", 0, "loss"), (axes[1], "accuracy", 1, "accuracy")):
        axis.plot(paper_epochs, [row[column] for row in paper.epochs], "o--", color="tab:gray",
                  label=f"paper, training {label} (2018 log)")
        axis.plot(ours_epochs, [float(row[key]) for row in history], "o-", color="tab:blue",
                  label=f"this run, training {label}")
        if history and f"val_{key}" in history[0] and history[0][f"val_{key}"] not in ("", None):
            axis.plot(ours_epochs, [float(row[f"val_{key}"]) for row in history], "s:", color="tab:orange",
                      label=f"this run, val_{key}")
        axis.set_xlabel("epoch")
        axis.set_ylabel(label)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def layer_stack(rows: list[tuple[str, str, str]], title: str, path) -> None:
    """A plot_model-like drawing (name, class, output shape per layer) for machines without graphviz."""
    height = 0.8 + 0.75 * len(rows)
    fig, axis = plt.subplots(figsize=(5.5, height))
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
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
