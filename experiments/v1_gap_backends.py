"""doc/v1-gap.md's last section: v1's final-epoch training loss on each Keras backend, from the study's
seed records (deliverables/seeds/ and deliverables/BACKEND/seeds/; no training)."""

from __future__ import annotations

import statistics
from pathlib import Path

from mnist_repro import backend, paths, versions
from mnist_repro.outputs import markdown
from mnist_repro.study import report_backends
from mnist_repro.study.stats import Spread, collect, interval_text, interval_verdict, permutation_p_value

DELIVERABLES = Path(__file__).resolve().parents[1] / paths.DELIVERABLES
# The section sits between these markers, so that `make docs` (doc/render.py) rewrites it too when new seed records come.
BLOCK_START, BLOCK_END = "<!-- v1-gap-backends:start (make v1-gap) -->", "<!-- v1-gap-backends:end -->"


def ratios(runs: list[list[float]], paper: list[float]) -> list[float]:
    """Per epoch: the seed mean of the runs' training loss over the paper's."""
    return [statistics.mean(run[e] for run in runs) / paper[e] for e in range(len(paper))]


def study_losses(deliverables: Path = DELIVERABLES) -> list[list[float]]:
    """Each of the study's TensorFlow v1 seeds' per-epoch training losses (today's stack, `make reproduce`)."""
    runs = collect(paths.seeds_root(deliverables), backend=backend.DEFAULT).runs.get(1, {})
    return [[float(row["loss"]) for row in run.history] for _, run in sorted(runs.items())]


def final_loss(run) -> float:
    """A study run's training loss in its last epoch (Keras's running mean, the report's log value)."""
    return float(run.history[-1]["loss"])


def backend_rows(name: str, runs: dict, paper: list[float]) -> list:
    spread = Spread([final_loss(run) for _, run in sorted(runs.items())])
    curve = ratios([[row["loss"] for row in run.history] for _, run in sorted(runs.items())], paper)
    return [report_backends.LABELS[name], spread.n, report_backends.kinds_text(runs),
            f"{spread.mean:.4f} ± {spread.std:.4f}", f"{spread.mean / paper[-1]:.3f}",
            interval_text(spread, 4) if spread.n > 1 else "—", f"{statistics.mean(curve):.3f}"]


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


def backend_block(paper: list[float], deliverables: Path = DELIVERABLES) -> list[str]:
    """The page's lines of the section, between its markers."""
    return [BLOCK_START, "\n".join(backend_section(paper, deliverables)).strip("\n"), BLOCK_END, ""]
