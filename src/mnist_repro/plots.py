"""The API's figures, for a notebook: a run's history beside the report's per-epoch log, the
confusion matrix and the misclassified digits. They draw with the code that draws a run's files
(outputs/figures.py and error_figures.py), in the project's look, on pyplot figures, which a
notebook shows inline; matplotlib's settings are left as they were. Each returns the Axes drawn on.
"""

from __future__ import annotations

import numpy as np

from . import versions
from .errors import BadSetting
from .outputs import analysis, error_figures, figures, style


def history_rows(history) -> list[dict]:
    """Per-epoch rows ({"epoch": 0, "loss": ..., ...}) from a Run, a RunRecord, their `.history`,
    Keras's History or its `.history` dict of lists."""
    history = getattr(history, "history", history)  # Run, RunRecord, keras.callbacks.History
    if isinstance(history, dict):  # Keras's {"loss": [...], "accuracy": [...], ...}
        epochs = len(next(iter(history.values()), []))
        return [{"epoch": e, **{key: float(values[e]) for key, values in history.items()}} for e in range(epochs)]
    if isinstance(history, list) and all(isinstance(row, dict) and "loss" in row for row in history):
        return [{"epoch": e, **row} if "epoch" not in row else row for e, row in enumerate(history)]
    raise BadSetting(f"a history of type {type(history).__name__}: give a Run, a RunRecord, their .history, "
                     "or Keras's History")


@style.styled
def plot_history(history, version=None, ax=None):
    """Loss and accuracy per epoch of `history` (a Run, a RunRecord, their `.history`, or Keras's
    History) beside the report's 2018 log of `version` (by default the run's own; none for Keras's
    History without a version). `ax`: two Axes (loss, accuracy) to draw on; None makes a figure."""
    rows = history_rows(history)
    number = version if version is not None else getattr(history, "version", None)
    recipe = None if number is None else versions.get(getattr(number, "number", number))
    axes = _axes(ax, 2, (10.4, 4.0))
    figures.draw_history(axes, rows, recipe and recipe.paper)
    if ax is None and recipe is not None:
        axes[0].figure.suptitle(f"Version {recipe.number} ({recipe.name}): this run beside the report's "
                                f"figure 4.{recipe.number}")
    return axes


@style.styled
def plot_confusion(true, predicted, ax=None):
    """The confusion matrix of `predicted` digits (or probabilities, (N, 10)) against the `true` ones,
    rows the true digit, with its counts."""
    true, predicted = np.asarray(true), np.asarray(predicted)
    digits = predicted.argmax(-1) if predicted.ndim == 2 else predicted
    if true.shape != digits.shape:
        raise BadSetting(f"{true.shape[0] if true.ndim else 0} true digits for {digits.shape[0] if digits.ndim else 0} "
                         "predictions: give one prediction per true digit")
    axis = _axes(ax, 1, (6.2, 5.4))[0]
    error_figures.draw_confusion(axis, analysis.confusion(true, digits))
    axis.set_title(f"{int(np.sum(digits != true)):,} errors of {len(true):,}")
    return axis


@style.styled
def plot_misclassified(images, true, probabilities, *, limit=48, columns=12, ax=None):
    """The misclassified digits among `images`, most confident mistakes first, each captioned
    "true → predicted (probability)"; at most `limit` of them."""
    true, probabilities = np.asarray(true), np.asarray(getattr(probabilities, "probabilities", probabilities))
    if probabilities.ndim != 2 or len(probabilities) != len(true) or len(images) != len(true):
        raise BadSetting("give the images, their true digits and the model's probabilities (N, 10), one row "
                         "per image (Predictions.probabilities)")
    wrong = analysis.misclassified(true, probabilities)[:limit]
    rows = error_figures.gallery_rows(len(wrong), columns)
    axis = _axes(ax, 1, (columns * 1.05, rows * 1.25 + 0.3))[0]
    error_figures.draw_gallery(axis, np.asarray(images)[[row[0] for row in wrong]],
                               [f"{t} → {p} ({prob:.2f})" for _, t, p, prob in wrong], columns)
    axis.set_title(f"{len(wrong)} of {int(np.sum(probabilities.argmax(-1) != true))} misclassified, "
                   "most confident first")
    return axis


def _axes(ax, count: int, size: tuple[float, float]) -> list:
    """The axes given (one, or `count` of them), or a new pyplot figure's."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, made = plt.subplots(1, count, figsize=size, layout="constrained", squeeze=False)
        return list(made[0])
    given = list(np.ravel(ax)) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
    if len(given) != count:
        raise BadSetting(f"ax holds {len(given)} Axes; this figure draws on {count}")
    return given
