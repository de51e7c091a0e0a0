"""The README.md of deliverables/ver_N/: recipe, topology, results beside the paper's, error rates."""

from __future__ import annotations

from ..versions import Version
from . import markdown
from .run_record import Results, RunRecord

VALIDATION_MEANING = {
    "train": "the **training set itself**, as in the 2018 report (`validation_data=(train_images, "
             "train_labels)`): `val_loss`/`val_accuracy` are the end-of-epoch model evaluated on the "
             "training images with dropout off, not a held-out score",
    "test": "the 10,000-image test set (`--validation test`), so `val_*` is the test score after each epoch",
    "none": "nothing (`--validation none`): there are no `val_*` columns",
}


def _row(label: str, paper: float, ours: float, digits: int, unit: str = "", delta_unit: str = "") -> list[str]:
    delta = f"{ours - paper:+.{digits}f}{delta_unit or unit}"
    return [label, f"{paper:.{digits}f}{unit}", f"{ours:.{digits}f}{unit}", delta]


def _results_table(paper, results: Results) -> str:
    """The run's final numbers beside the paper's, with the difference."""
    n_test = results.test_images
    return markdown.table([None, "paper (2018)", "this run", "delta"], [
        _row("training time (s)", paper.training_time_s, results.training_time_s, 3),
        _row("train loss", paper.train_loss, results.train_loss, 5),
        _row("train accuracy", paper.train_accuracy, results.train_accuracy, 3, " %", " pp"),
        _row("test loss", paper.test_loss, results.test_loss, 5),
        _row("test accuracy", paper.test_accuracy, results.test_accuracy, 3, " %", " pp"),
        ["test errors (of 10,000)", paper.test_errors, f"{results.test_errors} (of {n_test:,})",
         f"{results.test_errors - paper.test_errors:+d}"],
    ])


def _rung_results(results: Results) -> list[str]:
    """A rung's numbers alone: it has no paper numbers to stand beside (doc/ladder.md compares rungs)."""
    return ["## Results (no paper numbers for a rung)", "", markdown.table([None, "this run"], [
        ["training time (s)", f"{results.training_time_s:.3f}"],
        ["train loss", f"{results.train_loss:.5f}"], ["train accuracy", f"{results.train_accuracy:.3f} %"],
        ["test loss", f"{results.test_loss:.5f}"], ["test accuracy", f"{results.test_accuracy:.3f} %"],
        ["test errors", f"{results.test_errors} (of {results.test_images:,})"],
    ]), ""]


def made_with(env: dict) -> str:
    """The libraries that computed the run; runs made before backends were a setting are TensorFlow's."""
    if env.get("backend", "tensorflow") == "tensorflow":
        return f"TensorFlow {env['tensorflow']}, Keras {env['keras']}"
    return f"Keras {env['keras']} on {env['backend']} {env['backend_version']} (tf.data from TensorFlow {env['tensorflow']})"


def render(version: Version, record: RunRecord, topology_table: str, model_png_source: str,
           analysis_section: str = "") -> str:
    settings, results, paper = record.settings, record.results, version.paper
    n_train, n_test = results.train_images, results.test_images
    env = record.environment
    limited = settings.limit is not None
    rung = paper is None  # a ladder rung: no paper numbers, no report figure
    origin = version.optimizer_origin if rung else f"as the original's {version.optimizer_origin}"
    lines = [
        f"# Rung {version.name}: step {version.step} of the ladder (not a version of the report)" if rung
        else f"# Version {version.number}: {version.name}",
        "",
        f"Made by `{settings.command}` on {env['device']}, {made_with(env)}, "
        f"seed {settings.seed}, code {record.code.commit or 'unknown'}"
        f"{' (with uncommitted changes in src/)' if record.code.src_dirty else ''}.",
        "",
    ]
    if settings.precision != "float32":
        lines += [f"> **Not the report's numerics**: this run computed in {settings.precision} "
                  "(`--precision`), with float32 weights and a float32 softmax. The report trained in float32.", ""]
    if limited or settings.epochs != version.epochs or settings.batch_size != version.batch_size:
        subset = f", and only the first {settings.limit} images of each split" if limited else ""
        lines += [f"> **Not the {'rung' if rung else 'paper'}'s recipe**: this run used {settings.epochs} epochs, batch size "
                  f"{settings.batch_size}{subset}. Its numbers are not comparable with the {'rung' if rung else 'paper'}'s.", ""]
    lines += [
        "## Recipe",
        "",
        f"- Keras `Sequential`, input {version.input_shape}, pixels divided by 255 as float32.",
        f"- Loss `{version.loss}` on {version.label_encoding} labels; metric accuracy.",
        f"- {settings.optimizer}: {origin}.",
        f"- {settings.epochs} epochs, batch size {settings.batch_size}; validation data: "
        f"{VALIDATION_MEANING[settings.validation]}.",
        *([f"- Label smoothing {settings.label_smoothing:g}."] if settings.label_smoothing else []),
        *([f"- Augmentation: {settings.augmentation}."] if settings.augmentation else []),
        *([f"- The change from the rung below ({version.below}): {version.change}."] if rung and version.below else []),
        "",
        "## Topology (read from the trained model)",
        "",
        topology_table,
        "",
        f"`model.png` was drawn by {model_png_source}.",
        "",
        *(_rung_results(results) if rung else [
            "## Results beside the paper's",
            "",
            _results_table(paper, results),
            "",
            f"The paper's time is for {paper.hardware}; ours is for the machine above.",
            "",
        ]),
        "## Error rates",
        "",
        "Computed from the label files in this folder (`assigned_labels_*.txt`, one digit per image, "
        "in dataset order):",
        "",
        f"- train: {results.train_errors:,} wrong of {n_train:,}, error rate "
        f"{100.0 * results.train_errors / n_train:.3f} %",
        f"- test: {results.test_errors:,} wrong of {n_test:,}, error rate "
        f"{100.0 * results.test_errors / n_test:.3f} %",
        "",
        analysis_section,
        "## Files",
        "",
        "`result.txt` (the report's five lines), `assigned_labels_train.txt` / `assigned_labels_test.txt` "
        "(predicted digits), `model.png`, `console.output` (the run's console), `history.csv` "
        "(Keras's per-epoch logs: loss and accuracy, and the val columns when validating; each epoch's "
        "wall time is in metrics.json), `training.png` ("
        + ("this run's curves" if rung else f"report figure 4.{version.number} with this run beside it")
        + "), `metrics.json` (every number, settings, data hashes, versions, timings), `model.keras` "
        "(the trained model, for `predict`), and `confusion_matrix.png` / `misclassified*.png` (the test "
        + ("errors)." if rung else "errors; `make analyze VERSION=N` rebuilds them and this README from `model.keras`)."),
        "",
    ]
    return "\n".join(lines)
