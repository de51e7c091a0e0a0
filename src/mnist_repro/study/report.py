"""`make report`: deliverables/REPORT.md and its figures from the study's run folders (no training).

Everything is derived from deliverables/seeds/ver_N/seed_S/; the same folders give the same
bytes, so the report can be checked by regenerating it.
"""

from __future__ import annotations

from pathlib import Path

from .. import versions
from ..errors import UserError
from ..outputs import style
from ..outputs.atomic import write_text_atomic
from .stats import FINAL, Spread, collect, epoch_spread, final_spread, verdict

RULE = ("A paper value is **inside the seed range** when it lies within [min, max] of our seeds. "
        "Otherwise it is **outside by X**: X is the distance to the nearer end of the range, also given "
        "in units of our standard deviation. With n = 5 the range is a rough interval; a value a little "
        "outside it is not by itself evidence of a real difference.")


WHY = [
    "## Why a paper value can fall outside our range",
    "",
    "- **The paper is one run with an unknown seed.** Its value is a single draw; ours is the range of a few "
    "draws. With n = 5, a single draw from the same distribution falls outside [min, max] about a third of "
    "the time, so a value just outside the range is expected now and then.",
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


def _figure(version, runs: dict, path: Path) -> None:
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


def _environments(runs: dict) -> list[str]:
    seen = []
    for _, run in sorted(runs.items()):
        env = run["metrics"]["environment"]
        text = (f"{env['device']}; Python {env['python']}, TensorFlow {env['tensorflow']}, "
                f"Keras {env['keras']}, NumPy {env['numpy']}")
        if text not in seen:
            seen.append(text)
    return seen


def _times_section(version, runs: dict) -> list[str]:
    """Training time per CPU model (never pooled across CPUs), and a flag when the runs mix
    CPUs or library versions (a study spread over a cluster can)."""
    paper = version.paper
    paper_epoch = paper.training_time_s / version.epochs
    lines = ["### Training time", "", "| | n | total (s) | per epoch (s) | × the paper's per epoch |",
             "|---|---|---|---|---|",
             f"| paper, {paper.hardware} | 1 | {paper.training_time_s:.1f} | {paper_epoch:.1f} | 1.00 |"]
    by_cpu: dict[str, list[float]] = {}
    for _, run in sorted(runs.items()):
        env = run["metrics"]["environment"]
        by_cpu.setdefault(f"{env.get('cpu', env['device'])}, {env.get('cpu_count', '?')} cores", []).append(
            float(run["metrics"]["results"]["training_time_s"]))
    for cpu, values in by_cpu.items():
        times, per_epoch = Spread(values), Spread([t / version.epochs for t in values])
        lines.append(f"| ours, {cpu} | {times.n} | {_pm(times, 1)} | {_pm(per_epoch, 1)} | "
                     f"{per_epoch.mean / paper_epoch:.2f} |")
    environments = _environments(runs)
    lines += ["", "Both include the validation pass over the 60,000 training images. Ours ran on: "
              + "; ".join(environments) + ".", ""]
    if len(environments) > 1:
        lines += [f"**Mixed environments:** these {len(runs)} runs used {len(environments)} different CPU or library "
                  "combinations. Times are given per CPU model; a spread of results may include library "
                  "differences, not only seeds.", ""]
    return lines


def _version_section(version, runs: dict, figure_name: str) -> list[str]:
    paper = version.paper
    seeds = ", ".join(str(s) for s in sorted(runs))
    lines = [f"## Version {version.number}: {version.name}", "",
             f"n = {len(runs)} runs (seeds {seeds}), each the faithful default: {version.epochs} epochs, "
             f"batch {version.batch_size}, validation on the training set.", "",
             "### Final evaluation (report table 4.%d)" % (2 * version.number), "",
             "| metric | paper | ours, mean ± std | [min, max] | n | verdict |", "|---|---|---|---|---|---|"]
    for key, label, attribute, digits, unit in FINAL:
        spread, value = final_spread(runs, key), getattr(paper, attribute)
        lines.append(f"| {label} | {value:.{digits}f}{unit} | {_pm(spread, digits, unit)} | "
                     f"[{spread.low:.{digits}f}, {spread.high:.{digits}f}] | {spread.n} | "
                     f"{verdict(value, spread, digits, unit.replace(' %', ' pp'))} |")
    errors = final_spread(runs, "test_errors")
    per_seed = ", ".join(f"seed {s}: {int(r['metrics']['results']['test_errors'])}" for s, r in sorted(runs.items()))
    lines += ["", f"Test errors of 10,000: paper {paper.test_errors}; ours {errors.mean:.1f} ± {errors.std:.1f} "
              f"({per_seed}); verdict: {verdict(paper.test_errors, errors, 0)}.", ""]

    lines += _times_section(version, runs)
    lines += [f"### Per epoch (report table 4.{2 * version.number - 1} and figure 4.{version.number})", "",
              "The paper's values are its console log. Where the report's table printed something else, "
              "the table's value is given too and marked †.", "",
              "| epoch | paper loss | ours loss, mean ± std | paper acc | ours acc, mean ± std |",
              "|---|---|---|---|---|"]
    for epoch, (loss, acc, _, _) in enumerate(paper.epochs, 1):
        ours_loss, ours_acc = epoch_spread(runs, epoch - 1, "loss"), epoch_spread(runs, epoch - 1, "accuracy")
        note = ""
        if epoch in paper.table_errata:
            table_loss, table_acc = paper.table_errata[epoch]
            note = f" († table: {table_loss:.4f})" if table_loss != loss else f" († table acc {table_acc:.4f})"
        elif epoch in paper.table_missing_epochs:
            note = " († not in the table)"
        lines.append(f"| {epoch} | {loss:.4f}{note} | {_pm(ours_loss, 4) if ours_loss else '—'} | {acc:.4f} | "
                     f"{_pm(ours_acc, 4) if ours_acc else '—'} |")
    lines += ["", f"![figure 4.{version.number} redrawn](report/{figure_name})", ""]
    return lines


def dataset_figure(data_path: str | None = None, out: Path = Path("deliverables")) -> Path:
    """deliverables/mnist_samples.png from the verified data (report figure 1.1)."""
    from .. import data
    from ..outputs.dataset_figure import mnist_samples

    mnist = data.load(data_path)
    path = out / "mnist_samples.png"
    mnist_samples(mnist.x_train, mnist.y_train, path)
    print(f"wrote {path} from {mnist.source}")
    return path


def build(root: Path = Path("deliverables/seeds"), out: Path = Path("deliverables")) -> Path:
    study = collect(root)
    if study.skipped:  # a report over part of the study would look complete; refuse before writing
        more = f" (and {len(study.skipped) - 1} more)" if len(study.skipped) > 1 else ""
        raise UserError(f"{study.skipped[0]}{more}; delete that folder and run `make reproduce` to remake it, "
                        "then `make report`", exit_code=1)
    if not study.runs:
        raise UserError(f"no study runs under {root}/; run `make reproduce` first (or `make reproduce SEEDS=1` "
                        "for one seed of each version)", exit_code=1)
    figures = out / "report"
    figures.mkdir(parents=True, exist_ok=True)
    lines = ["# Reproduction report: the 2018 MNIST report against this repository", "",
             "Generated by `make report` from the run folders under `deliverables/seeds/` "
             "(made by `make reproduce`); every number below is computed from them. "
             "Method, errata and caveats: [doc/reproduction.md](../doc/reproduction.md), "
             "[doc/errata.md](../doc/errata.md).", "", "**Verdict rule.** " + RULE, ""]
    summary = ["| version | paper test acc | ours, mean ± std | [min, max] | n | verdict |", "|---|---|---|---|---|---|"]
    sections = []
    for number, version in versions.available().items():
        runs = study.runs.get(number, {})
        if not runs:
            summary.append(f"| {number} | {version.paper.test_accuracy:.2f} % | no runs yet | | 0 | |")
            continue
        spread = final_spread(runs, "test_accuracy")
        summary.append(f"| {number} ({version.name}) | {version.paper.test_accuracy:.2f} % | {_pm(spread, 2, ' %')} | "
                       f"[{spread.low:.2f}, {spread.high:.2f}] | {spread.n} | "
                       f"{verdict(version.paper.test_accuracy, spread, 2, ' pp')} |")
        figure_name = f"figure_4_{number}.png"
        _figure(version, runs, figures / figure_name)
        sections += _version_section(version, runs, figure_name)
    lines += ["## Summary: test accuracy", ""] + summary + [""] + WHY + sections
    report = out / "REPORT.md"
    write_text_atomic(report, "\n".join(lines))
    print(f"wrote {report} from {sum(len(r) for r in study.runs.values())} runs")
    return report
