"""The results table of the top-level README, regenerated from the committed deliverables.

`make report` rewrites the lines between the two markers; nothing in that table is typed by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

from .. import versions
from ..outputs.atomic import write_text_atomic
from .stats import collect, final_spread

START, END = "<!-- results:start (make report) -->", "<!-- results:end -->"


def table(deliverables: Path = Path("deliverables")) -> str:
    study = collect(deliverables / "seeds")
    lines = ["| version | paper test acc | this repo, default run (seed 0) | this repo, mean ± std [min, max] over seeds | "
             "paper train time | ours (default run) |", "|---|---|---|---|---|---|"]
    environments = []
    for number, version in versions.available().items():
        try:
            metrics = json.loads((deliverables / f"ver_{number}" / "metrics.json").read_text())
            results = metrics["results"]
            main = f"{results['test_accuracy']:.2f} % ({results['test_errors']} errors)"
            time = f"{results['training_time_s']:.0f} s"
            environments.append(metrics["environment"]["device"])
        except (OSError, ValueError, KeyError):
            main, time = "not run yet", "—"
        runs = study.runs.get(number, {})
        if runs:
            spread = final_spread(runs, "test_accuracy")
            seeds = f"{spread.mean:.2f} ± {spread.std:.2f} % [{spread.low:.2f}, {spread.high:.2f}], n = {spread.n}"
        else:
            seeds = "no study runs yet"
        lines.append(f"| {number} ({version.name}) | {version.paper.test_accuracy:.2f} % ({version.paper.test_errors} errors) "
                     f"| {main} | {seeds} | {version.paper.training_time_s:.0f} s | {time} |")
    hardware = sorted(set(environments))
    lines += ["", "Paper: " + versions.get(1).paper.hardware + ". Ours: " + ("; ".join(hardware) or "—") + "."]
    return "\n".join(lines)


def update(readme: Path = Path("README.md"), deliverables: Path = Path("deliverables")) -> bool:
    """Rewrite the marked block; returns False (and changes nothing) when the markers are absent."""
    text = readme.read_text()
    if START not in text or END not in text:
        return False
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{table(deliverables)}\n{END}{tail}"
    if new != text:
        write_text_atomic(readme, new)
    return True
