"""The study's figures in REPORT.md: each version's figure 4.N redrawn over the seeds, and the
histogram of test accuracy over the seeds with the paper's value and our prediction interval."""

from __future__ import annotations

from pathlib import Path

from ..outputs import style
from .stats import epoch_spread, final_spread


@style.styled
def figure_4(version, runs: dict, path: Path) -> None:
    """The report's per-epoch figure: the paper's log against our mean and min–max over seeds."""
    epochs = range(1, version.epochs + 1)
    fig, axes = style.panels(2)
    for axis, key, column in ((axes[0], "loss", 0), (axes[1], "accuracy", 1)):
        spreads = [epoch_spread(runs, e - 1, key) for e in epochs]
        shown = [(e, s) for e, s in zip(epochs, spreads) if s]
        axis.plot(epochs, [row[column] for row in version.paper.epochs], **style.PAPER, label="paper (2018 log)")
        axis.plot([e for e, _ in shown], [s.mean for _, s in shown], **style.OURS,
                  label=f"this repository, mean of {len(runs)} seeds")
        axis.fill_between([e for e, _ in shown], [s.low for _, s in shown], [s.high for _, s in shown],
                          color=style.OURS["color"], alpha=0.25, label="min–max over seeds")
        style.epoch_axis(axis, f"training {key}")
        axis.legend()
    fig.suptitle(f"Report figure 4.{version.number} redrawn: version {version.number} ({version.name}); "
                 "running mean over each epoch, dropout on")
    style.save(fig, path)


@style.styled
def accuracy_histogram(version, runs: dict, path: Path) -> None:
    """Test accuracy of every seed (0.01 pp bins: one bin is one test image), the paper's value
    and the 95 % prediction interval for one new run."""
    spread = final_spread(runs, "test_accuracy")
    paper = version.paper.test_accuracy
    low, high = spread.prediction_interval()
    left, right = min(spread.low, paper, low) - 0.02, max(spread.high, paper, high) + 0.02
    bins = [round(left + 0.01 * i, 2) - 0.005 for i in range(int(round((right - left) / 0.01)) + 2)]
    fig, axes = style.panels(1, width=6.4, height=3.6)
    axis = axes[0]
    axis.hist(spread.values, bins=bins, color=style.OURS["color"], alpha=0.8,
              label=f"this repository, {spread.n} seeds")
    axis.axvspan(low, high, color=style.OURS["color"], alpha=0.12, label="95 % prediction interval, one new run")
    axis.axvline(paper, color=style.PAPER["color"], linestyle="--", linewidth=2, label=f"paper: {paper:.2f} %")
    axis.set_xlabel("test accuracy (%)")
    axis.set_ylabel("runs")
    axis.yaxis.get_major_locator().set_params(integer=True)
    axis.legend(loc="upper left")
    fig.suptitle(f"Version {version.number} ({version.name}): test accuracy over seeds")
    style.save(fig, path)
