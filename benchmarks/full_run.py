"""The whole-run part of `make bench`: one `python -m mnist_repro run --version 3` as a user runs
it, split by the timings it records (import, data, fit, evaluation, deliverables)."""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path

from child import timed
from mnist_repro import paths, run_argv
from mnist_repro.errors import RecordUnusable
from mnist_repro.outputs.run_record import RunRecord

ROOT = Path(__file__).resolve().parents[1]


def summary(record: RunRecord, wall: float, rss_mib: float, source: str | None = None) -> dict:
    timing = record.timing
    epochs = timing.epoch_s
    split = {"import": timing.import_s, "data": timing.data_s, "fit": timing.fit_s,
             "evaluation": timing.evaluate_and_label_s, "deliverables": timing.deliverables_s}
    split["the rest"] = wall - sum(split.values())  # results.py says what it holds
    later = epochs[1:]  # the first epoch traces the graphs
    return {"source": source, "wall_s": wall, "split_s": split, "outside_fit": 1 - split["fit"] / wall,
            "epoch_s": epochs, "median_s": statistics.median(later),
            "slowest_over_median": max(later) / statistics.median(later),
            "slowest_over_median_all": max(epochs) / statistics.median(epochs),
            "test_accuracy": record.results.test_accuracy, "peak_rss_mib": rss_mib}


def timed_run(argv: list[str], number: int, backend: str = "tensorflow",
              env: dict | None = None) -> tuple[RunRecord | None, str, float, float]:
    """One `python -m mnist_repro run --version NUMBER ...` (argv, without --out) to completion, into
    a temporary --out removed afterwards: its record (metrics.json; None when it failed), the last line of its
    stderr, wall seconds and peak RSS in MiB."""
    with tempfile.TemporaryDirectory(prefix="bench-run-") as out:
        code, _, err, wall, rss = timed([*argv, "--out", out], dict(os.environ) if env is None else env)
        if code != 0:
            return None, (err.strip().splitlines() or ["no output"])[-1], wall, rss
        folder = paths.version_folder(number, paths.backend_root(out, backend))
        return RunRecord.read(folder), "", wall, rss


def full_run(settings: dict) -> dict:
    """One whole `run --version 3`, as a user runs it."""
    record, error, wall, rss = timed_run(run_argv(3, restart=True), 3)
    return {"error": error} if record is None else summary(record, wall, rss)


def committed_full_run(cpu: dict) -> dict | None:
    """With BENCH_FULL_RUN=0: the committed default v3 run, when this CPU model made it."""
    try:
        record = RunRecord.read(ROOT / paths.version_folder(3))
    except RecordUnusable:
        return None
    if record.environment.get("cpu") != cpu["cpu"]:
        return None
    source = (f"{paths.version_folder(3)}/metrics.json, the committed default run (code {record.code.commit[:7]}) "
              "on this CPU model; its wall time starts after Python's start-up, and its peak RSS was not measured")
    return summary(record, record.timing.run_s, float("nan"), source)
