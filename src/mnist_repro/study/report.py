"""`make report`: deliverables/REPORT.md and its figures from the study's run folders (no training).

Everything is derived from deliverables/seeds/ver_N/seed_S/; the same folders give the same
bytes, so the report can be checked by regenerating it.
"""

from __future__ import annotations

from pathlib import Path

from .. import errors, paths, versions
from ..errors import FolderUnusable, NoStudyRuns
from ..outputs import markdown
from ..outputs.atomic import write_text_atomic
from . import report_backends
from .report_environment import accuracy_by_cpu_kind, cpu_kind, package_sets
from .report_figures import accuracy_histogram, figure_4
from .stats import (CLIPPED, CLIPPED_NOTE, FINAL, Spread, collect, epoch_spread, final_spread, interval_text,
                    interval_verdict, rank_text)

FINAL_HEADER = ["95 % prediction interval", "n", "verdict", "paper's rank among our runs"]

RULE = ("The paper's value is one run, so it is judged against where **one new run** of ours would land: "
        "the 95 % prediction interval mean ± t(0.975, n − 1) · s · √(1 + 1/n), from our n seeds' mean and "
        "sample standard deviation s. It is **inside** when it lies in that interval, otherwise **outside** "
        "by the distance to the nearer end; its rank among our runs (the share of runs below it) is given beside.")


WHY = [
    "## Why a paper value can fall outside our range",
    "",
    "- **The paper is one run with an unknown seed.** Its value is a single draw. A single draw from our own "
    "distribution falls outside our 95 % prediction interval one time in twenty, and outside [min, max] "
    "of n runs 2/(n + 1) of the time, so [min, max] alone is no verdict.",
    "- **Different random streams.** Keras 3 / TF 2.21 draw other initial weights, batch orders and "
    "dropout masks than tf.keras / TF 1.12 for any seed, so no seed reproduces the 2018 run itself.",
    "- **Systematic framework differences** would show as a gap that is consistent over epochs and "
    "seeds, not only at the end. The recipe is the same in both: initialisers (Glorot-uniform, zero bias), "
    "Adam with each version's own epsilon (1e-8 for v1's TF1 optimizer, 1e-7 for v2 and v3) applied to the "
    "uncorrected second moment, shuffling every epoch, and 469 batches per epoch, the last one partial. "
    "doc/reproduction.md lists what changed between the two stacks; doc/v1-gap.md tests candidate causes "
    "of v1's loss gap one at a time.",
    "- **Times** are not expected to match: other hardware (see each version), and TF 2.21 on a 2-core "
    "machine against TF 1.12 on a 4-core laptop.",
    "",
]


def _pm(spread: Spread, digits: int, unit: str = "") -> str:
    return f"{spread.mean:.{digits}f} ± {spread.std:.{digits}f}{unit}"


def _environments(runs: dict) -> list[str]:
    seen = []
    for _, run in sorted(runs.items()):
        env = run.environment
        text = (f"{env['device']}{_isa(env)}; Python {env['python']}, TensorFlow {env['tensorflow']}, "
                f"Keras {env['keras']}, NumPy {env['numpy']}")
        if text not in seen:
            seen.append(text)
    return seen


def _isa(env: dict) -> str:
    """The vector width, which tells CPU models apart when their names are the same ("AMD EPYC")."""
    kind = cpu_kind(env)
    return "" if kind in ("unknown", "GPU") else f" ({kind})"


def _times_section(version, runs: dict) -> list[str]:
    """Training time per CPU model (never pooled across CPUs), and a flag when the runs mix
    CPUs or library versions (a study spread over a cluster can)."""
    paper = version.paper
    paper_epoch = paper.training_time_s / version.epochs
    rows = [[f"paper, {paper.hardware}", 1, f"{paper.training_time_s:.1f}", f"{paper_epoch:.1f}", "1.00"]]
    by_cpu: dict[str, list[float]] = {}
    for _, run in sorted(runs.items()):
        env = run.environment
        by_cpu.setdefault(f"{env.get('cpu', env['device'])}{_isa(env)}, {env.get('cpu_count', '?')} cores", []).append(
            float(run.results.training_time_s))
    for cpu, values in by_cpu.items():
        times, per_epoch = Spread(values), Spread([t / version.epochs for t in values])
        rows.append([f"ours, {cpu}", times.n, _pm(times, 1), _pm(per_epoch, 1), f"{per_epoch.mean / paper_epoch:.2f}"])
    environments = _environments(runs)
    lines = ["### Training time", "",
             markdown.table([None, "n", "total (s)", "per epoch (s)", "× the paper's per epoch"], rows),
             "", "Both include the validation pass over the 60,000 training images. Ours ran on: "
              + "; ".join(environments) + ". A study run that shared its machine with other work (seeds run "
              "in the background) took longer than a quiet one; for speed, quote `make bench`.", "",
              package_sets(runs), ""]
    if len(environments) > 1:
        lines += [f"**Mixed environments:** these {len(runs)} runs used {len(environments)} different CPU or library "
                  "combinations. Times are given per CPU model; a spread of results may include library "
                  "differences, not only seeds.", ""]
    return lines


def _final_row(label: str, paper: float, spread: Spread, digits: int, unit: str) -> list:
    return [label, f"{paper:.{digits}f}{unit}", _pm(spread, digits, unit),
            f"[{spread.low:.{digits}f}, {spread.high:.{digits}f}]",
            interval_text(spread, digits, upper=100.0 if unit == " %" else None), spread.n,
            interval_verdict(paper, spread, digits, unit.replace(' %', ' pp')), rank_text(paper, spread)]


def _version_section(version, runs: dict, figure_name: str, by_backend: list[str]) -> list[str]:
    paper = version.paper
    seeds = ", ".join(str(s) for s in sorted(runs))
    lines = [f"## Version {version.number}: {version.name}", "",
             f"n = {len(runs)} runs (seeds {seeds}), each the faithful default: {version.epochs} epochs, "
             f"batch {version.batch_size}, validation on the training set.", "",
             "### Final evaluation (report table 4.%d)" % (2 * version.number), ""]
    rows = [_final_row(label, getattr(paper, attribute), final_spread(runs, key), digits, unit)
            for key, label, attribute, digits, unit in FINAL]
    rows.append(_final_row("test errors of 10,000", paper.test_errors, final_spread(runs, "test_errors"), 1, ""))
    lines.append(markdown.table(["metric", "paper", "ours, mean ± std", "[min, max]", *FINAL_HEADER], rows))
    if any(CLIPPED in row[4] for row in rows):
        lines += ["", CLIPPED_NOTE]
    per_seed = ", ".join(f"seed {s}: {r.results.test_errors}" for s, r in sorted(runs.items()))
    lines += ["", f"Test errors per seed: {per_seed}.", "",
              f"![test accuracy over seeds](report/histogram_{version.number}.png)", ""]

    lines += accuracy_by_cpu_kind(runs) + by_backend
    lines += _times_section(version, runs)
    lines += [f"### Per epoch (report table 4.{2 * version.number - 1} and figure 4.{version.number})", "",
              "The paper's values are its console log. Where the report's table printed something else, "
              "the table's value is given too and marked †.", ""]
    rows = []
    for epoch, (loss, acc, _, _) in enumerate(paper.epochs, 1):
        ours_loss, ours_acc = epoch_spread(runs, epoch - 1, "loss"), epoch_spread(runs, epoch - 1, "accuracy")
        note = ""
        if epoch in paper.table_errata:
            table_loss, table_acc = paper.table_errata[epoch]
            note = f" († table: {table_loss:.4f})" if table_loss != loss else f" († table acc {table_acc:.4f})"
        elif epoch in paper.table_missing_epochs:
            note = " († not in the table)"
        rows.append([epoch, f"{loss:.4f}{note}", _pm(ours_loss, 4) if ours_loss else "—", f"{acc:.4f}",
                     _pm(ours_acc, 4) if ours_acc else "—"])
    lines += [markdown.table(["epoch", "paper loss", "ours loss, mean ± std", "paper acc", "ours acc, mean ± std"], rows),
              "", f"![figure 4.{version.number} redrawn](report/{figure_name})", ""]
    return lines


def dataset_figure(data_path: str | None = None, out: Path | None = None) -> Path:
    """deliverables/mnist_samples.png from the verified data (report figure 1.1)."""
    from .. import data
    from ..outputs.dataset_figure import mnist_samples

    mnist = data.load(data_path)
    path = paths.dataset_figure(out)
    mnist_samples(mnist.x_train, mnist.y_train, path)
    print(f"wrote {path} from {mnist.source}")
    return path


def build(root: Path | None = None, out: Path | None = None, deliverables: Path | None = None) -> Path:
    """REPORT.md in `out` (default: deliverables/) from TensorFlow's seeds under `root` (default:
    deliverables/seeds/) and the other backends' under `deliverables`/BACKEND/seeds/ (`deliverables`
    defaults to the folder above `root`)."""
    root, out = paths.seeds_root() if root is None else root, paths.deliverables() if out is None else out
    study = collect(root)
    others = report_backends.collect_backends(Path(root).parent if deliverables is None else deliverables)
    study.skipped += [reason for other in others.values() for reason in other.skipped]
    if study.skipped:  # a report over part of the study would look complete; refuse before writing
        more = f" (and {len(study.skipped) - 1} more)" if len(study.skipped) > 1 else ""
        raise FolderUnusable(f"{study.skipped[0]}{more}; delete that folder and run `make reproduce` to remake "
                             "it, then `make report`")
    if not study.runs:
        raise NoStudyRuns(f"no study runs under {root}/; run `make reproduce` first (or `make reproduce SEEDS=1` "
                          "for one seed of each version)")
    with errors.writing("the report", out):
        return _write(study, {name: other.runs for name, other in others.items()}, out)


def _write(study, others: dict[str, dict], out: Path) -> Path:
    figures = paths.report_figures(out)
    figures.mkdir(parents=True, exist_ok=True)
    lines = ["# Reproduction report: the 2018 MNIST report against this repository", "",
             "Generated by `make report` from the run folders under `deliverables/seeds/` "
             "(made by `make reproduce`); every number below is computed from them. "
             "Method, errata and caveats: [doc/reproduction.md](../doc/reproduction.md), "
             "[doc/errata.md](../doc/errata.md).", "", "**Verdict rule.** " + RULE, ""]
    summary = []
    sections = []
    for number, version in versions.available().items():
        runs = study.runs.get(number, {})
        by_backend = report_backends.section(version, runs, {name: found.get(number, {}) for name, found in others.items()})
        if not runs:
            summary.append([number, f"{version.paper.test_accuracy:.2f} %", "no runs yet", None, None, 0, None, None])
            if any(found.get(number) for found in others.values()):  # another backend's runs still get their table
                sections += [f"## Version {number}: {version.name}", "", *by_backend]
            continue
        spread = final_spread(runs, "test_accuracy")
        summary.append(_final_row(f"{number} ({version.name})", version.paper.test_accuracy, spread, 2, " %"))
        figure_name = f"figure_4_{number}.png"
        figure_4(version, runs, figures / figure_name)
        accuracy_histogram(version, runs, figures / f"histogram_{number}.png")
        sections += _version_section(version, runs, figure_name, by_backend)
    summary_table = markdown.table(["version", "paper test acc", "ours, mean ± std", "[min, max]", *FINAL_HEADER], summary)
    lines += ["## Summary: test accuracy", "", summary_table, ""] + WHY + sections
    report = paths.report_file(out)
    write_text_atomic(report, "\n".join(lines))
    elsewhere = sum(len(runs) for found in others.values() for runs in found.values())
    print(f"wrote {report} from {sum(len(r) for r in study.runs.values())} runs"
          + (f" (and {elsewhere} on other backends)" if elsewhere else ""))
    return report
