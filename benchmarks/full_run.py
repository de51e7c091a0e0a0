"""The whole-run part of `make bench`: one `python -m mnist_repro run --version 3` as a user runs
it, split by the timings it records (import, data, fit, evaluation, deliverables)."""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

from child import timed
from mnist_repro import paths

ROOT = Path(__file__).resolve().parents[1]


def summary(metrics: dict, wall: float, rss_mib: float, source: str | None = None) -> dict:
    timing = metrics["timing"]
    epochs = timing["epoch_s"]
    split = {"import": timing["import_s"], "data": timing["data_s"], "fit": timing["fit_s"],
             "evaluation": timing["evaluate_and_label_s"], "deliverables": timing["deliverables_s"]}
    split["the rest"] = wall - sum(split.values())  # results.py says what it holds
    later = epochs[1:]  # the first epoch traces the graphs
    return {"source": source, "wall_s": wall, "split_s": split, "outside_fit": 1 - split["fit"] / wall,
            "epoch_s": epochs, "median_s": statistics.median(later),
            "slowest_over_median": max(later) / statistics.median(later),
            "slowest_over_median_all": max(epochs) / statistics.median(epochs),
            "test_accuracy": metrics["results"]["test_accuracy"], "peak_rss_mib": rss_mib}


def timed_run(argv: list[str], number: int, backend: str = "tensorflow",
              env: dict | None = None) -> tuple[dict | None, str, float, float]:
    """One `python -m mnist_repro run --version NUMBER ...` (argv, without --out) to completion, into
    a temporary --out removed afterwards: its metrics.json (None when it failed), the last line of its
    stderr, wall seconds and peak RSS in MiB."""
    with tempfile.TemporaryDirectory(prefix="bench-run-") as out:
        code, _, err, wall, rss = timed([*argv, "--out", out], dict(os.environ) if env is None else env)
        if code != 0:
            return None, (err.strip().splitlines() or ["no output"])[-1], wall, rss
        folder = paths.version_folder(number, paths.backend_root(out, backend))
        return json.loads((folder / "metrics.json").read_text()), "", wall, rss


def full_run(settings: dict) -> dict:
    """One whole `run --version 3`, as a user runs it."""
    metrics, error, wall, rss = timed_run([sys.executable, "-m", "mnist_repro", "run", "--version", "3", "--restart"], 3)
    return {"error": error} if metrics is None else summary(metrics, wall, rss)


def committed_full_run(cpu: dict) -> dict | None:
    """With BENCH_FULL_RUN=0: the committed default v3 run, when this CPU model made it."""
    try:
        metrics = json.loads((ROOT / paths.version_folder(3) / "metrics.json").read_text())
    except (OSError, ValueError):
        return None
    if metrics.get("environment", {}).get("cpu") != cpu["cpu"] or "fit_s" not in metrics.get("timing", {}):
        return None
    source = (f"{paths.version_folder(3)}/metrics.json, the committed default run (code {metrics['code']['commit'][:7]}) "
              "on this CPU model; its wall time starts after Python's start-up, and its peak RSS was not measured")
    return summary(metrics, metrics["timing"]["run_s"], float("nan"), source)
