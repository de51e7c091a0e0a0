"""`make ladder-page`: doc/ladder.md, its data (doc/ladder.json) and its figure (doc/ladder.png), from
the committed records only: deliverables/ladder/selection.json (the holdout trials), the end rungs'
seed records under deliverables/ladder/seeds/ with their sittings, and deliverables/ver_3's record
(rung 0's test accuracy and training time). `make docs` checks the page is current (doc/render.py).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from .. import errors, paths
from ..outputs import atomic, markdown, style
from ..outputs.run_record import RunRecord
from . import facts, tried
from .seeds import SEEDS, SITTINGS

PAGE, DATA, FIGURE = Path("doc/ladder.md"), Path("doc/ladder.json"), Path("doc/ladder.png")
COMPLAINT_ES = ("aunque al haberlo ejecutado en local los tiempos de espera hayan sido, sobre todo hacia el final "
                "de la práctica, bastante elevados")
COMPLAINT_EN = ("although, having run it locally, the waiting times were rather long, above all towards the end "
                "of the assignment")


def gathered(root: Path) -> dict:
    """Every fact of the page, from the committed files under `root` (the project root)."""
    selection = json.loads((root / paths.DELIVERABLES / paths.LADDER / "selection.json").read_text())
    rows = facts.selection_rows(selection, {name: rung.step for name, rung in tried().items()})
    seeds_root = root / paths.DELIVERABLES / paths.LADDER / "seeds"
    sittings = json.loads((seeds_root / SITTINGS).read_text()) if (seeds_root / SITTINGS).exists() else {}
    ends = {}
    for name in SEEDS:
        records = [RunRecord.read(folder) for _, folder in paths.seed_folders(seeds_root / name)]
        full = [record for record in records if record.settings.limit is None]
        if full:
            ends[name] = facts.test_set(name, full, sittings)
    rung0 = RunRecord.read(paths.version_folder(3, root / paths.DELIVERABLES))
    verdict = facts.goal(ends["fast"], rung0) if "fast" in ends else None
    return {"rows": rows, "ends": ends, "rung0": rung0, "goal": verdict}


def spread(values: facts.Spread, digits: int) -> str:
    return f"{values.mean:.{digits}f} ± {values.std:.{digits}f}"


def machine(busy: bool | None) -> str:
    return {True: "busy", False: "quiet", None: "not measured"}[busy]


def answer(found: dict) -> str:
    """The one sentence that answers the report's complaint, from the numbers."""
    fast, rung0, verdict = found["ends"].get("fast"), found["rung0"], found["goal"]
    if fast is None:
        return "The fast rung has no test-set runs yet (`make ladder RUNGS=fast`), so the page cannot answer it yet."
    told = (f"Today the fast rung reaches {fast.accuracy.mean:.2f} % mean test accuracy over {fast.accuracy.n} "
            f"seeds in {fast.training_s.mean:.1f} s of training ({fast.cpu})")
    if not verdict.comparable:
        return (f"{told}; the faithful v3 trained {rung0.results.training_time_s:.0f} s ({facts.cpu_of(rung0)}), "
                "on another CPU, so the two times cannot be compared.")
    return (f"{told}, {1 / verdict.share:.0f} times less than the faithful v3's "
            f"{rung0.results.training_time_s:.0f} s on the same CPU.")


def goal_line(found: dict) -> str:
    verdict, fast = found["goal"], found["ends"].get("fast")
    if verdict is None:
        return "Not measured yet: the fast rung has no test-set runs."
    accuracy = ("met" if verdict.accuracy_met else f"not met, {verdict.accuracy_short_pp:.2f} points short")
    if not verdict.comparable:
        time = "cannot be judged: rung 0 and the fast rung were timed on different CPUs"
    else:
        time = f"{'met' if verdict.time_met else 'not met'}: 1/{1 / verdict.share:.0f} of v3's time"
    overall = {True: "**met**", False: "**not met**", None: "**not decided**"}[verdict.met]
    return (f"Goal (issue 44): a mean test accuracy of at least {facts.PAPER_V3} % (the paper's v3) in at most "
            f"1/{facts.GOAL_SHARE} of the faithful v3's training time on the same CPU: {overall}. Accuracy "
            f"{fast.accuracy.mean:.2f} %: {accuracy}; time: {time}.")


def render(found: dict) -> str:
    rows, ends, rung0 = found["rows"], found["ends"], found["rung0"]
    table = markdown.table(["step", "rung", "change", "holdout accuracy (%)", "n", "fit time (s)", "CPU", "machine",
                            "kept"], [
        [row.step, f"`{row.name}`", row.change, spread(row.holdout, 2), row.holdout.n, spread(row.fit_s, 1), row.cpu,
         machine(row.busy), "kept" if row.kept else "dropped"] for row in rows])
    results = markdown.table(["rung", "seeds", "test accuracy (%)", "min – max", "vs the paper's v3",
                              "training time (s)", "CPU", "machine", "code", "run on"], [
        [f"`{end.name}`", end.accuracy.n, spread(end.accuracy, 2), f"{end.accuracy.low:.2f} – {end.accuracy.high:.2f}",
         f"{end.accuracy.mean - facts.PAPER_V3:+.2f} points", spread(end.training_s, 1), end.cpu, machine(end.busy),
         ", ".join(end.commits), ", ".join(end.dates)] for end in ends.values()]) if ends else "None yet."
    end_rungs = " and ".join(f"`{name}` {count} seeds" for name, count in SEEDS.items())
    return "\n".join([
        "# The ladder: from the report's v3 (2018) to a recipe of today",
        "",
        "<!-- Generated by `make ladder-page` (src/mnist_repro/ladder/page.py) from the committed records; "
        "do not edit. -->",
        "",
        f"The report ends on one complaint: «{COMPLAINT_ES}» ({COMPLAINT_EN}). {answer(found)}",
        "",
        "## One change per rung, chosen without the test set",
        "",
        "Each rung changes one thing in the rung below it (`src/mnist_repro/ladder/rungs/`). Every choice was "
        "made on a holdout of 10,000 of the 60,000 training images (seed 2018), the same for every rung; the "
        "test set chose nothing. The table holds every change tried, kept or dropped "
        "(deliverables/ladder/selection.json): the holdout accuracy after the last epoch and the fit time, "
        "mean ± std over the trials' seeds. *busy*: a trial began with a 1-minute load average above "
        f"{facts.BUSY_LOAD} per core (which may count the trial before it, so never *quiet* by mistake); a "
        f"test-set run below, when other processes took over {facts.BUSY_SHARE:.0%} of the machine's CPU "
        "time while it ran (deliverables/ladder/seeds/sittings.json).",
        "",
        table,
        "",
        "![Fit time against holdout accuracy per rung, kept and dropped](ladder.png)",
        "",
        "## The end rungs on the test set",
        "",
        f"Trained on all 60,000 training images (the holdout only chose), seeds 0..n-1 ({end_rungs}: a run of "
        "the accurate rung takes minutes, so it has fewer), by `make ladder`; none rerun or dropped. Training "
        "time is the sum of the epochs' wall times, as result.txt's.",
        "",
        results,
        "",
        f"Rung 0, the faithful v3 (deliverables/ver_3): {rung0.results.test_accuracy:.2f} % test accuracy in "
        f"{rung0.results.training_time_s:.0f} s of training ({facts.cpu_of(rung0)}), code "
        f"{(rung0.code.commit or 'unknown')[:7]}.",
        "",
        goal_line(found),
        "",
        "## Run it",
        "",
        "`make ladder-run RUNG=fast` (or `python -m mnist_repro run --rung fast`) trains the fast rung into "
        "deliverables/ladder/fast/ with a version folder's files; `python -m mnist_repro predict --rung fast "
        "digit.png` reads your own digits with its model.keras. `make ladder` runs the test-set seeds and "
        "renders this page (`RUNGS=fast SEEDS=10` to choose).",
        "",
    ])


def data(found: dict) -> dict:
    """The page's numbers as JSON, beside it (doc/ladder.json)."""
    return {"selection": [dataclasses.asdict(row) for row in found["rows"]],
            "test_set": {name: dataclasses.asdict(end) for name, end in found["ends"].items()},
            "goal": None if found["goal"] is None else dataclasses.asdict(found["goal"])}


@style.styled
def figure(rows: list[facts.Row], path: Path) -> None:
    fig = style.figure(figsize=(8, 5))
    axis = fig.subplots()
    for kept, look in ((True, {"color": "tab:blue", "marker": "o"}), (False, {"color": "0.5", "marker": "x"})):
        mine = [row for row in rows if row.kept == kept]
        axis.errorbar([row.fit_s.mean for row in mine], [row.holdout.mean for row in mine],
                      xerr=[row.fit_s.std for row in mine], yerr=[row.holdout.std for row in mine], linestyle="none",
                      label="kept" if kept else "dropped", **look)
        for row in mine:
            axis.annotate(row.name, (row.fit_s.mean, row.holdout.mean), fontsize=7, xytext=(3, 3),
                          textcoords="offset points")
    axis.set_xscale("log")
    sitting = "busy" if any(row.busy for row in rows) else "quiet"
    axis.set_xlabel(f"fit time (s, log scale; {' / '.join(sorted({row.cpu for row in rows}))}, {sitting})")
    axis.set_ylabel("holdout accuracy after the last epoch (%)")
    axis.legend()
    axis.set_title("The ladder's changes on the holdout (mean ± std over seeds)")
    style.save(fig, path)


def main(root: Path | None = None) -> int:
    root = Path(root or paths.project_root())

    def write() -> None:
        found = gathered(root)
        with errors.writing("the ladder's page", root / "doc"):
            figure(found["rows"], root / FIGURE)
            atomic.write_text_atomic(root / DATA, json.dumps(data(found), indent=1) + "\n")
            atomic.write_text_atomic(root / PAGE, render(found))
        print(f"wrote {PAGE}, {DATA} and {FIGURE}")

    return errors.one_line_exit(write)


if __name__ == "__main__":
    sys.exit(main())
