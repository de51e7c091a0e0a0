"""doc/v1-gap.md, .png and .json from the v1 loss-gap A/B runs (experiments/v1_gap.py), each file
whole or not at all; the page's last section comes from v1_gap_backends.py."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from v1_gap_backends import DELIVERABLES, backend_block, ratios, study_losses
from v1_gap_stack import STACK, inside_text, losses, stack_section, stack_sentence

from mnist_repro import versions
from mnist_repro.outputs import markdown, style
from mnist_repro.outputs.atomic import write_text_atomic
from mnist_repro.study.report_environment import cpu_kind

# Runs made before each run recorded its CPU (up to 2026-11-29): the page of that time named the machine.
UNRECORDED_CPU = "not recorded (the page of that time said AMD EPYC)"


def machine(runs: list) -> str:
    """The CPU model and kind the arm's runs recorded."""
    seen = sorted({f"{run['cpu']} ({cpu_kind({'cpu_flags': run.get('cpu_flags')})})" for run in runs
                   if isinstance(run, dict) and "cpu" in run})
    return "; ".join(seen) or UNRECORDED_CPU


def recorded(runs: list, key: str, digits: int, unit: str) -> str:
    """The seed mean ± std of a value, where the runs recorded it."""
    values = [run[key] for run in runs if isinstance(run, dict) and key in run]
    if not values:
        return "not recorded"
    spread = f" ± {statistics.stdev(values):.{digits}f}" if len(values) > 1 else ""
    return f"{statistics.mean(values):.{digits}f}{spread}{unit}"


# Why keras3-logits can equal keras3: on TensorFlow a softmax output carries its logits (`_keras_logits`), and the
# default cross-entropy of Keras 3 (and of tf_keras 2.21, the keras2 arms) computes from them, never from clipped
# probabilities (keras/src/backend/tensorflow/nn.py `_get_logits`, Keras 3.15.1). TF 1.12's computes
# log(clip(p, 1e-7, 1 - 1e-7)) (tensorflow/python/keras/backend.py `sparse_categorical_crossentropy`).
SAME_LOSS_FORM = ("On TensorFlow, Keras 3's default cross-entropy already computes from the softmax's logits, as "
                  "tf_keras 2.21 in the keras2 arms does: no arm but the 2018 stack's computes it another way (TF "
                  "1.12's tf.keras takes the log of the probabilities clipped to [1e-7, 1 − 1e-7]), and that arm "
                  "changes everything else too.")


def same_as_default(results: dict) -> list[str]:
    """The arms whose per-seed losses equal the faithful default's value for value: the same computation."""
    default = [losses(run) for run in results.get("keras3") or []]
    return [arm for arm, runs in results.items() if arm != "keras3" and isinstance(runs, list) and runs
            and default and [losses(run) for run in runs] == default]


def closer(ratio: list[float], base: list[float], late: range) -> float:
    """How much nearer the paper's curve (ratio 1) `ratio` is than `base` over the epochs `late`, in the
    paper's loss: positive nearer, negative further."""
    return statistics.mean(abs(1 - base[e]) - abs(1 - ratio[e]) for e in late)


def moved_text(arm: str, move: float) -> str:
    return f"{arm} {abs(move):.3f} {'nearer to' if move > 0 else 'further from'} it"


def conclusion(results: dict, paper: list[float], today: list[list[float]]) -> list[str]:
    """Which arm moves the curve toward the paper's, measured against the faithful default."""
    measured = {arm: ratios([losses(run) for run in runs], paper) for arm, runs in results.items()
                if isinstance(runs, list) and runs}
    if "keras3" not in measured or len(measured) < 2:
        return ["Not enough arms ran to compare."]
    late = range(len(paper) // 2, len(paper))  # the gap grows with the epochs; judge the second half
    lines = ["**Reading.** Mean ratio over the second half of the epochs, where the gap is largest: "
             + "; ".join(f"{arm} {statistics.mean(r[e] for e in late):.3f}" for arm, r in measured.items()) + "."]
    same = same_as_default(results)
    if same:
        lines.append(f"{', '.join(same)} equal{'s' if len(same) == 1 else ''} keras3 value for value (every seed, "
                     "every epoch, in v1-gap.json): the same computation, left out of the comparison below."
                     + (" " + SAME_LOSS_FORM if "keras3-logits" in same else ""))
    moved = {arm: closer(r, measured["keras3"], late) for arm, r in measured.items() if arm not in ("keras3", *same)}
    if not moved:
        return lines + ["No arm computes anything other than the faithful default."]
    lines.append("Against the faithful default, over the second half, in the paper's loss: "
                 + "; ".join(moved_text(arm, move) for arm, move in moved.items()) + ".")
    single = {arm: move for arm, move in moved.items() if arm != STACK}
    best = max(single, key=single.get) if single else None
    if best and single[best] < 0.01:
        lines.append("No arm that changes one factor comes nearer to the paper's curve by 0.01 of the paper's loss "
                     f"(the nearest: {moved_text(best, single[best])}); none of the factors they vary explains the gap.")
    elif best:
        lines.append(f"Of the arms that change one factor, {best} comes nearest to the paper's curve, "
                     f"{single[best]:.3f} nearer than the faithful default.")
    if STACK in measured:
        lines.append(stack_sentence([losses(run) for run in results[STACK]], paper, today))
    return lines


def intro(results: dict) -> list[str]:
    unrecorded = sum(machine(runs) == UNRECORDED_CPU for runs in results.values() if isinstance(runs, list))
    return ["# The v1 loss gap: controlled A/B runs", "",
            "Written by `make v1-gap` (experiments/v1_gap.py); do not edit by hand.", "",
            "v1, full data, 15 epochs, batch 128, seeds 0 to n − 1 per arm (n in its row), each run a fresh process. "
            "The value is the per-epoch training loss (Keras's running mean over the epoch), as the seed mean over the "
            "paper's, so 1.00 is the paper's curve; \"paper inside\" counts the epochs at which the paper's loss lies "
            "inside the arm's 95 % prediction interval for one new run.", "",
            f"The test accuracy is the seed mean of `model.evaluate` on the 10,000 test images; the paper's is "
            f"{versions.get(1).paper.test_accuracy:.2f} %. The training time is `fit`'s, validation pass included, as "
            "each run measured it: a run beside other work on its machine takes longer (for speed, quote `make bench`). "
            "The CPU is the one the arm's runs recorded"
            + (f"; {unrecorded} of the {len(results)} arms ran before runs recorded it." if unrecorded else "."), "",
            "| arm | epoch 1 | epoch 2 | epoch 5 | epoch 10 | epoch 15 | mean over epochs | paper inside | "
            "test accuracy | training time | seeds | CPU |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|"]


@style.styled
def write(results: dict, folder: Path, deliverables: Path = DELIVERABLES) -> None:
    paper = [row[0] for row in versions.get(1).paper.epochs]
    epochs = range(1, len(paper) + 1)
    fig, axes = style.panels(2)
    axes[0].plot(epochs, paper, **style.PAPER, label="paper (2018 log)")
    lines = intro(results)
    for arm, runs in results.items():
        if isinstance(runs, str) or not runs:
            lines.append(f"| {arm} | {runs or 'no runs'} | | | | | | | | | 0 | |")
            continue
        ratio = ratios([losses(run) for run in runs], paper)
        cells = " | ".join(f"{ratio[e - 1]:.3f}" for e in (1, 2, 5, 10, 15))
        lines.append(f"| {arm} | {cells} | {statistics.mean(ratio):.3f} | {inside_text(runs, paper)} | "
                     f"{recorded(runs, 'test_accuracy', 2, ' %')} | {recorded(runs, 'training_time_s', 1, ' s')} | "
                     f"{len(runs)} | {machine(runs)} |")
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
    stack, today = results.get(STACK) if isinstance(results.get(STACK), list) else [], study_losses(deliverables)
    lines += ["", *conclusion(results, paper, today), "", "![per-epoch loss of each arm](v1-gap.png)", "",
              "The per-seed runs (each epoch's loss; the 2018 stack's whole log and versions) are in "
              "[v1-gap.json](v1-gap.json).", "", *stack_section(stack, paper, today), *backend_block(paper, deliverables)]
    write_text_atomic(folder / "v1-gap.md", "\n".join(lines))
    write_text_atomic(folder / "v1-gap.json", json.dumps({"paper": paper, "arms": results}, indent=1) + "\n")
    print(f"wrote {folder / 'v1-gap.md'} and v1-gap.png")
