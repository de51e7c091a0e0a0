"""REPORT.md's comparison of Keras backends for one version: TensorFlow's seeds (the report's
framework, deliverables/seeds/) against those of JAX and PyTorch (deliverables/BACKEND/seeds/),
with the TensorFlow table's statistics and a permutation test of whether the backend shifts the
test accuracy, compared on one CPU kind where the runs allow."""

from __future__ import annotations

from pathlib import Path

from .. import backend, paths
from ..outputs import markdown
from ..outputs.run_record import RunRecord
from .report_environment import cpu_group
from .stats import CLIPPED, CLIPPED_NOTE, Study, collect, final_spread, interval_text, interval_verdict, permutation_p_value

OTHERS = tuple(name for name in backend.NAMES if name != backend.DEFAULT)
LABELS = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}
TARGET_SEEDS = {1: 20, 2: 10, 3: 3}  # the study's n per backend for v1, v2, v3 (issue 34)
MIN_RUNS = 2  # a standard deviation, a prediction interval and a test all need two runs per backend


def mean_text(spread, digits: int, unit: str = "") -> str:
    """'97.81 ± 0.10 %', or the value alone for one run, whose spread is unknown rather than 0."""
    mean = f"{spread.mean:.{digits}f}"
    return f"{mean} ± {spread.std:.{digits}f}{unit}" if spread.n >= MIN_RUNS else f"{mean}{unit}"


def seeds_root(deliverables: Path, name: str) -> Path:
    return paths.seeds_root(paths.backend_root(deliverables, name))


def collect_backends(deliverables: Path) -> dict[str, Study]:
    """Each other backend's seed records; a record that names another backend is skipped as misplaced."""
    return {name: collect(seeds_root(deliverables, name), backend=name, base=deliverables) for name in OTHERS}


def kinds(runs: dict) -> dict[str, list[RunRecord]]:
    """CPU kind -> the runs made on it."""
    found: dict[str, list[RunRecord]] = {}
    for _, run in sorted(runs.items()):
        found.setdefault(cpu_group(run.environment), []).append(run)
    return found


def kinds_text(runs: dict) -> str:
    """'AMD EPYC, AVX-512 (5); AMD EPYC, AVX2 (15)': which CPU kinds the runs come from, and how many on each."""
    return "; ".join(f"{kind} ({len(found)})" for kind, found in sorted(kinds(runs).items()))


def _library(runs: dict, name: str) -> str:
    environments = [run.environment for _, run in sorted(runs.items())]
    found = sorted({env.get("backend_version") or env.get(name, "?") for env in environments})
    return f"{LABELS[name]} {', '.join(found)}"


def _row(version, name: str, runs: dict) -> list:
    accuracy = final_spread(runs, "test_accuracy")
    losses = [final_spread(runs, key) for key in ("train_loss", "test_loss")]
    interval = interval_text(accuracy, 2, " %", upper=100.0) if accuracy.n >= MIN_RUNS else "—"
    verdict = interval_verdict(version.paper.test_accuracy, accuracy, 2, " pp") if accuracy.n >= MIN_RUNS else "—"
    return [_library(runs, name), accuracy.n, kinds_text(runs), mean_text(accuracy, 2, " %"),
            f"[{accuracy.low:.2f}, {accuracy.high:.2f}] %", interval, verdict, *(mean_text(loss, 5) for loss in losses)]


def errors_of(run: RunRecord) -> int:
    """The permutation test's value: whole test errors, whose ties are exact (see permutation_p_value)."""
    return run.results.test_errors


def comparison(tensorflow_runs: dict, runs: dict, value=errors_of) -> tuple[str | None, list, list]:
    """(the CPU kind both are compared on, or None when pooled; TensorFlow's values, the other's).
    One kind where both backends have at least MIN_RUNS runs on it (the one holding most of the
    other backend's runs), so that the CPU cannot pass for the backend; otherwise every run."""
    ours, theirs = kinds(tensorflow_runs), kinds(runs)
    shared = [kind for kind in theirs if len(theirs[kind]) >= MIN_RUNS and len(ours.get(kind, [])) >= MIN_RUNS]
    if not shared:
        return None, [value(run) for _, run in sorted(tensorflow_runs.items())], [value(run) for _, run in sorted(runs.items())]
    kind = max(shared, key=lambda k: (len(theirs[k]), len(ours[k]), k))
    return kind, [value(run) for run in ours[kind]], [value(run) for run in theirs[kind]]


def shift_sentence(name: str, tensorflow_runs: dict, runs: dict) -> str:
    """Whether `name` shifts the test accuracy against TensorFlow, in one or two sentences."""
    label = LABELS[name]
    if len(runs) < MIN_RUNS or len(tensorflow_runs) < MIN_RUNS:
        return (f"No test of whether {label} shifts the accuracy: it needs at least {MIN_RUNS} runs on each backend "
                f"(TensorFlow has {len(tensorflow_runs)}, {label} {len(runs)}).")
    kind, ours, theirs = comparison(tensorflow_runs, runs)
    p, method = permutation_p_value(ours, theirs)
    shift = (sum(ours) / len(ours) - sum(theirs) / len(theirs)) / 100  # one test error is 0.01 pp
    finding = ("the backend shifts the accuracy (p < 0.05)" if p < 0.05 else
               "no evidence that the backend shifts the accuracy at the 5 % level")
    where = (f"On one CPU kind, {kind} ({len(theirs)} {label} runs against {len(ours)} TensorFlow runs)" if kind else
             f"Over all runs ({len(theirs)} {label}, {len(ours)} TensorFlow)")
    sentence = (f"{where}, {label} is {shift:+.2f} pp from TensorFlow in mean test accuracy; a permutation test of "
                f"the difference ({method}) gives p = {p:.3f}, so {finding}.")
    if kind is None:
        sentence += (f" The two share no CPU kind with at least {MIN_RUNS} runs of each ({label}: {kinds_text(runs)}; "
                     f"TensorFlow: {kinds_text(tensorflow_runs)}), so this pools CPU kinds, and a shift could be "
                     "the CPU's as well as the backend's.")
    elif len(theirs) < len(runs) or len(ours) < len(tensorflow_runs):
        sentence += " Runs on other CPU kinds are left out of the test."
    return sentence


def interval_sentence(version, name: str, runs: dict) -> str:
    accuracy, paper = final_spread(runs, "test_accuracy"), version.paper.test_accuracy
    label = LABELS[name]
    if accuracy.n < MIN_RUNS:
        return (f"{label} has one run ({accuracy.mean:.2f} %), from {kinds_text(runs)}: a spread and a prediction "
                f"interval need at least {MIN_RUNS}.")
    low, high = accuracy.prediction_interval()
    verdict = interval_verdict(paper, accuracy, 2, " pp")
    where = "lies inside it" if verdict == "inside" else f"lies {verdict.replace('outside, ', 'outside it, ')}"
    return (f"{label}'s {accuracy.n} runs (CPU kinds: {kinds_text(runs)}) average {accuracy.mean:.2f} ± "
            f"{accuracy.std:.2f} %; one new {label} run would land in [{low:.2f}, {high:.2f}] % (95 % prediction "
            f"interval), and the paper's {paper:.2f} % {where}.")


def reproduce_command(version, name: str) -> str:
    """The command that makes (or completes) the study's runs of `version` on backend `name`."""
    return f"`make reproduce BACKEND={name} VERSIONS={version.number} SEEDS={TARGET_SEEDS.get(version.number, 5)}`"


def missing_line(version, name: str) -> str:
    return f"No {LABELS[name]} runs of version {version.number} yet: {reproduce_command(version, name)} makes them."


def plan_text() -> str:
    """'20, 10 and 3 runs for versions 1, 2 and 3': the study's n per backend."""
    counts, numbers = [str(TARGET_SEEDS[n]) for n in sorted(TARGET_SEEDS)], [str(n) for n in sorted(TARGET_SEEDS)]
    return f"{', '.join(counts[:-1])} and {counts[-1]} runs for versions {', '.join(numbers[:-1])} and {numbers[-1]}"


def short_sentence(version, name: str, runs: dict) -> str:
    """For a backend short of the study's n: the plan, how many runs are made, and the command that makes the rest."""
    wanted = TARGET_SEEDS.get(version.number, 5)
    if len(runs) >= wanted:
        return ""
    made = f"{len(runs)} {'is' if len(runs) == 1 else 'are'} made so far"
    return (f" The study plans {plan_text()} on each backend: of {LABELS[name]}'s {wanted} on version "
            f"{version.number}, {made}; {reproduce_command(version, name)} makes the other {wanted - len(runs)}.")


def section(version, tensorflow_runs: dict, others: dict[str, dict]) -> list[str]:
    """### Test accuracy by backend: the table, then per other backend its interval and its test."""
    present = [(name, runs) for name, runs in [(backend.DEFAULT, tensorflow_runs), *others.items()] if runs]
    head = ["backend", "n", "CPU kinds (runs)", "test accuracy, mean ± std", "[min, max]",
            "95 % prediction interval", f"where the paper's {version.paper.test_accuracy:.2f} % lies", "train loss, mean ± std",
            "test loss, mean ± std"]
    lines = ["### Test accuracy by backend", "",
             "The same recipe and run path on Keras's other backends (`--backend jax|torch`; their seed records are "
             "in deliverables/BACKEND/seeds/); TensorFlow's row is the study above.", ""]
    if present:
        rows = [_row(version, name, runs) for name, runs in present]
        lines += [markdown.table(head, rows), ""] + ([CLIPPED_NOTE, ""] if any(CLIPPED in row[5] for row in rows) else [])
    for name, runs in others.items():
        if not runs:
            lines += [missing_line(version, name), ""]
            continue
        lines += [interval_sentence(version, name, runs) + " " + shift_sentence(name, tensorflow_runs, runs)
                  + short_sentence(version, name, runs), ""]
    return lines

