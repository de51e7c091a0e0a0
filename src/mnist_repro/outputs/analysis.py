"""Where a version errs on the test set: confusion matrix, per-class accuracy, misclassified digits.

Written by every run, and regenerable from model.keras alone (`make analyze VERSION=N`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import error_figures, markdown as md

PAGE = 144  # tiles per gallery page (12 x 12); more errors go to misclassified_2.png, ...


def confusion(true: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Rows are true digits, columns predicted digits."""
    matrix = np.zeros((10, 10), dtype=np.int64)
    np.add.at(matrix, (true.astype(np.int64), predicted.astype(np.int64)), 1)
    return matrix


def markdown(matrix: np.ndarray) -> str:
    rows = []
    for digit in range(10):
        total = int(matrix[digit].sum())
        accuracy = 100.0 * matrix[digit, digit] / total if total else float("nan")
        cells = [f"**{c}**" if d == digit else (str(c) if c else "·") for d, c in enumerate(matrix[digit])]
        rows.append([f"**{digit}**", *cells, f"{total:,}", f"{accuracy:.2f} %"])
    return md.table(["true \\ predicted", *range(10), "total", "accuracy"], rows)


def misclassified(true: np.ndarray, probabilities: np.ndarray) -> list[tuple[int, int, int, float]]:
    """(index, true, predicted, probability of the prediction), most confident mistakes first."""
    predicted = probabilities.argmax(-1)
    wrong = np.nonzero(predicted != true)[0]
    rows = [(int(i), int(true[i]), int(predicted[i]), float(probabilities[i, predicted[i]])) for i in wrong]
    return sorted(rows, key=lambda row: (-row[3], row[0]))


def write(folder: Path, version, images: np.ndarray, true: np.ndarray, probabilities: np.ndarray) -> str:
    """Write the figures into `folder` and return the README section (markdown)."""
    matrix = confusion(true, probabilities.argmax(-1))
    errors = misclassified(true, probabilities)
    error_figures.confusion_matrix(  # every figure is written atomically (style.save)
        matrix, f"{version.label.capitalize()}: test-set confusion matrix ({len(errors)} errors of {len(true):,})",
        folder / "confusion_matrix.png")
    for stale in folder.glob("misclassified*.png"):
        stale.unlink()
    pages = [errors[start:start + PAGE] for start in range(0, len(errors), PAGE)] or [[]]
    names = []
    for number, page in enumerate(pages, 1):
        name = "misclassified.png" if number == 1 else f"misclassified_{number}.png"
        names.append(name)
        captions = [f"{t} → {p} ({prob:.2f})" for _, t, p, prob in page]
        title = (f"{version.label.capitalize()}: misclassified test digits, most confident first "
                 f"(page {number} of {len(pages)}; true → predicted (probability))")
        error_figures.gallery(images[[row[0] for row in page]], captions, title, folder / name)
    lines = [
        "## Where it errs (test set)",
        "",
        f"{len(errors)} of {len(true):,} test digits are misclassified. Rows are the true digit, columns "
        "the prediction; the last column is the per-class accuracy.",
        "",
        markdown(matrix),
        "",
        "![confusion matrix](confusion_matrix.png)",
        "",
        f"Every misclassified digit, captioned \"true → predicted (probability)\": "
        + ", ".join(f"[{name}]({name})" for name in names) + ".",
        "",
    ]
    return "\n".join(lines)
