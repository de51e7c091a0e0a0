"""doc/v1-gap.md, .png and .json from the v1 loss-gap A/B runs (experiments/v1_gap.py), each file
whole or not at all."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from mnist_repro import backend, paths, versions
from mnist_repro.outputs import markdown, style
from mnist_repro.outputs.atomic import write_text_atomic
from mnist_repro.study import report_backends
from mnist_repro.study.report_environment import cpu_kind
from mnist_repro.study.stats import Spread, collect, interval_verdict, permutation_p_value

DELIVERABLES = Path(__file__).resolve().parents[1] / paths.DELIVERABLES

# Runs made before each run recorded its CPU (up to 2026-11-29): the page of that time named the machine.
UNRECORDED_CPU = "not recorded (the page of that time said AMD EPYC)"


def machine(runs: list) -> str:
    """The CPU model and kind the arm's runs recorded."""
    seen = sorted({f"{run['cpu']} ({cpu_kind({'cpu_flags': run.get('cpu_flags')})})" for run in runs
                   if isinstance(run, dict) and "cpu" in run})
    return "; ".join(seen) or UNRECORDED_CPU


def losses(run) -> list[float]:
    """One run's per-epoch losses: a record {"loss", "test_accuracy"}, or a bare list (older runs)."""
    return run["loss"] if isinstance(run, dict) else run


def test_accuracy(runs: list) -> str:
    """The seed mean ± std of the test accuracy, where the runs recorded it."""
    values = [run["test_accuracy"] for run in runs if isinstance(run, dict) and "test_accuracy" in run]
    if not values:
        return "not recorded"
    spread = f" ± {statistics.stdev(values):.2f}" if len(values) > 1 else ""
    return f"{statistics.mean(values):.2f}{spread} %"


def ratios(runs: list, paper: list[float]) -> list[float]:
    """Per epoch: the seed mean of our training loss over the paper's."""
    return [statistics.mean(losses(run)[e] for run in runs) / paper[e] for e in range(len(paper))]


# Why keras3-logits can equal keras3: on TensorFlow a softmax output carries its logits (`_keras_logits`), and the
# default cross-entropy of Keras 3 (and of tf_keras 2.21, the keras2 arms) computes from them, never from clipped
# probabilities (keras/src/backend/tensorflow/nn.py `_get_logits`, Keras 3.15.1).
SAME_LOSS_FORM = ("On TensorFlow, Keras 3's default cross-entropy already computes from the softmax's logits, as "
                  "tf_keras 2.21 in the keras2 arms does: no arm varies the loss form, and whether the 2018 stack "
                  "computed it from clipped probabilities is not tested.")


def same_as_default(results: dict) -> list[str]:
    """The arms whose per-seed losses equal the faithful default's value for value: the same computation."""
    default = [losses(run) for run in results.get("keras3") or []]
    return [arm for arm, runs in results.items() if arm != "keras3" and isinstance(runs, list) and runs
            and default and [losses(run) for run in runs] == default]


def conclusion(results: dict, paper: list[float]) -> list[str]:
    """Which arm moves the curve toward the paper's, measured against the faithful default."""
    measured = {arm: ratios(runs, paper) for arm, runs in results.items() if isinstance(runs, list) and runs}
    if "keras3" not in measured or len(measured) < 2:
        return ["Not enough arms ran to compare."]
    base = measured["keras3"]
    late = range(len(paper) // 2, len(paper))  # the gap grows with the epochs; judge the second half
    lines = ["**Reading.** Mean ratio over the second half of the epochs, where the gap is largest: "
             + "; ".join(f"{arm} {statistics.mean(r[e] for e in late):.3f}" for arm, r in measured.items()) + "."]
    same = same_as_default(results)
    if same:
        lines.append(f"{', '.join(same)} equal{'s' if len(same) == 1 else ''} keras3 value for value (every seed, "
                     "every epoch, in v1-gap.json): the same computation, left out of the comparison below."
                     + (" " + SAME_LOSS_FORM if "keras3-logits" in same else ""))
    moved = {arm: statistics.mean(r[e] - base[e] for e in late) for arm, r in measured.items()
             if arm != "keras3" and arm not in same}
    if not moved:
        return lines + ["No arm computes anything other than the faithful default."]
    best = max(moved, key=moved.get)
    if moved[best] < 0.01:
        lines.append(f"No arm moves the curve toward the paper's by even 0.01 of the paper's loss against the faithful "
                     f"default (the most: {best}, {moved[best]:+.3f}); none of the factors they vary explains the gap.")
    else:
        reaches = statistics.mean(measured[best][e] for e in late) >= 0.99
        lines.append(f"The arm that moves the curve most toward the paper's is {best}, by {moved[best]:+.3f} of the "
                     "paper's loss against the faithful default; " + ("it reaches the paper's curve." if reaches else
                     "it does not reach the paper's curve, so it explains the gap only in part, if at all "
                     "(compare the move with the seed spread in deliverables/REPORT.md)."))
    return lines


def final_loss(run) -> float:
    """A study run's training loss in its last epoch (Keras's running mean, the report's log value)."""
    return float(run.history[-1]["loss"])


def backend_rows(name: str, runs: dict, paper: list[float]) -> list:
    spread = Spread([final_loss(run) for _, run in sorted(runs.items())])
    low, high = spread.prediction_interval()
    curve = ratios([[row["loss"] for row in run.history] for _, run in sorted(runs.items())], paper)
    return [report_backends.LABELS[name], spread.n, report_backends.kinds_text(runs),
            f"{spread.mean:.4f} ± {spread.std:.4f}", f"{spread.mean / paper[-1]:.3f}",
            f"[{low:.4f}, {high:.4f}]" if spread.n > 1 else "—", f"{statistics.mean(curve):.3f}"]


def backend_sentence(name: str, runs: dict, tensorflow_runs: dict, paper: float) -> str:
    """Where the paper's last loss lies against one new run on `name`, and whether `name` moves it from TensorFlow's."""
    label, spread = report_backends.LABELS[name], Spread([final_loss(run) for _, run in sorted(runs.items())])
    if spread.n < report_backends.MIN_RUNS:
        return f"{label} has one run: a prediction interval and a test need at least {report_backends.MIN_RUNS}."
    verdict = interval_verdict(paper, spread, 4)
    text = (f"{label}: the paper's {paper} lies {'inside' if verdict == 'inside' else verdict} the 95 % prediction "
            f"interval for one new {label} run.")
    if name == backend.DEFAULT or len(tensorflow_runs) < report_backends.MIN_RUNS:
        return text
    kind, ours, theirs = report_backends.comparison(tensorflow_runs, runs, final_loss)
    p, method = permutation_p_value(ours, theirs)
    where = f"on {kind}" if kind else "over all runs, CPU kinds pooled"
    return (text + f" Against TensorFlow's {where} ({len(theirs)} against {len(ours)} runs), its mean final loss is "
            f"{statistics.mean(theirs) / statistics.mean(ours):.3f} of TensorFlow's; a permutation test ({method}) gives "
            f"p = {p:.3f}, so {'the backend moves it (p < 0.05)' if p < 0.05 else 'no evidence that the backend moves it'}.")


def backend_section(paper: list[float], deliverables: Path = DELIVERABLES) -> list[str]:
    """v1's final-epoch training loss on each backend, from the study's seed records (no training)."""
    studies = {backend.DEFAULT: collect(paths.seeds_root(deliverables), backend=backend.DEFAULT),
               **report_backends.collect_backends(deliverables)}
    found = {name: study.runs.get(1, {}) for name, study in studies.items()}
    lines = ["## On each backend: the study's v1 seeds", "",
             "From the seed records of `make reproduce` (deliverables/seeds/ for TensorFlow, deliverables/BACKEND/seeds/ "
             "for the others; no arm is rerun: `python experiments/v1_gap.py --render` redraws this page from them). "
             f"The value is v1's training loss in its last epoch, against the paper's {paper[-1]}.", ""]
    rows = [backend_rows(name, runs, paper) for name, runs in found.items() if runs]
    if rows:
        lines += [markdown.table(["backend", "n", "CPU kinds (runs)", "final-epoch loss, mean ± std", "÷ the paper's",
                                  "95 % prediction interval", "mean ratio over the 15 epochs"], rows), ""]
    for name, runs in found.items():
        if runs:
            lines += [backend_sentence(name, runs, found[backend.DEFAULT], paper[-1]), ""]
        else:
            lines += [report_backends.missing_line(versions.get(1), name), ""]
    skipped = [reason for study in studies.values() for reason in study.skipped]
    if skipped:
        lines += [f"Left out, unreadable or misplaced: {'; '.join(skipped)}.", ""]
    return lines


@style.styled
def write(results: dict, seeds: int, folder: Path, deliverables: Path = DELIVERABLES) -> None:
    paper = [row[0] for row in versions.get(1).paper.epochs]
    epochs = range(1, len(paper) + 1)
    fig, axes = style.panels(2)
    axes[0].plot(epochs, paper, **style.PAPER, label="paper (2018 log)")
    lines = ["# The v1 loss gap: controlled A/B runs", "",
             "Written by `make v1-gap` (experiments/v1_gap.py); do not edit by hand.", "",
             f"v1, full data, 15 epochs, batch 128, seeds 0-{seeds - 1} per arm, each run a fresh process; each "
             "arm's CPU is in its row. The value is the per-epoch training loss (Keras's running mean over "
             "the epoch), as the seed mean over the paper's, so 1.00 is the paper's curve.", "",
             f"The test accuracy is the seed mean of `model.evaluate` on the 10,000 test images; the paper's is "
             f"{versions.get(1).paper.test_accuracy:.2f} %.", "",
             "| arm | epoch 1 | epoch 2 | epoch 5 | epoch 10 | epoch 15 | mean over epochs | test accuracy | seeds | CPU |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for arm, runs in results.items():
        if isinstance(runs, str) or not runs:
            lines.append(f"| {arm} | {runs or 'no runs'} | | | | | | | 0 | |")
            continue
        ratio = ratios(runs, paper)
        cells = " | ".join(f"{ratio[e - 1]:.3f}" for e in (1, 2, 5, 10, 15))
        lines.append(f"| {arm} | {cells} | {statistics.mean(ratio):.3f} | {test_accuracy(runs)} | {len(runs)} | "
                     f"{machine(runs)} |")
        axes[0].plot(epochs, [statistics.mean(losses(run)[e] for run in runs) for e in range(len(paper))], marker="o",
                     markersize=3, label=arm)
        axes[1].plot(epochs, ratio, marker="o", markersize=3, label=arm)
    style.epoch_axis(axes[0], "training loss, seed mean")
    axes[0].legend()
    style.epoch_axis(axes[1], "ours / paper")
    axes[1].axhline(1.0, **{k: v for k, v in style.PAPER.items() if k != "marker"})
    axes[1].legend()
    fig.suptitle("Version 1: the per-epoch training loss of each arm against the 2018 log")
    style.save(fig, folder / "v1-gap.png")
    lines += ["", *conclusion(results, paper), "", "![per-epoch loss of each arm](v1-gap.png)", "",
              "The per-seed losses are in [v1-gap.json](v1-gap.json).", "", *backend_section(paper, deliverables)]
    write_text_atomic(folder / "v1-gap.md", "\n".join(lines))
    write_text_atomic(folder / "v1-gap.json", json.dumps({"paper": paper, "arms": results}, indent=1) + "\n")
    print(f"wrote {folder / 'v1-gap.md'} and v1-gap.png")
