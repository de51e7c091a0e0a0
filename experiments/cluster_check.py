"""`make cluster-check`: a small study on this machine, one run after another and on a Dask
LocalCluster of 1 and 2 workers; keeps the times in doc/cluster-measurement.json and renders
doc/cluster-measurement.md from it (do not edit either by hand; `--render` redraws the page).

The study: version 1, CHECK_SEEDS=4 seeds, each run on the first 1,000 images for 2 epochs.
Dispatch overhead per task is (the 1-worker wall time - the sequential wall time) / runs: the
cost of Dask's scheduling and transfers, beyond the same runs made one after another.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from mnist_repro import environment
from mnist_repro.outputs.atomic import write_text_atomic
from mnist_repro.outputs.markdown import table
from mnist_repro.study import cluster, reproduce

ROOT = Path(__file__).resolve().parents[1]
SMALL = ("--limit", "1000", "--epochs", "2")
PAGE, KEPT = ROOT / "doc" / "cluster-measurement.md", ROOT / "doc" / "cluster-measurement.json"


def timed_study(seeds: int, workers: int | None) -> tuple[float, float]:
    """(wall seconds of the runs, seconds to start the cluster) for one study into a scratch folder."""
    with tempfile.TemporaryDirectory(prefix="cluster-check-") as scratch:
        todo = [(reproduce.versions.get(1), seed) for seed in range(seeds)]
        if workers is None:
            started = time.perf_counter()
            if reproduce.reproduce([1], seeds, Path(scratch), Path(scratch) / "nomain", SMALL) != 0:
                sys.exit("error: the sequential study failed")
            return time.perf_counter() - started, 0.0
        started = time.perf_counter()
        client = cluster.connect("local", workers)
        client.wait_for_workers(workers)
        startup = time.perf_counter() - started
        started = time.perf_counter()
        with cluster.closing(client):
            code = cluster.run_all(client, todo, Path(scratch), SMALL)
        if code != 0:
            sys.exit("error: the cluster study failed")
        return time.perf_counter() - started, startup


def page(kept: dict) -> str:
    """doc/cluster-measurement.md from the kept times."""
    seeds, sequential, one, two = kept["seeds"], kept["sequential_s"], kept["one_worker_s"], kept["two_workers_s"]
    code = kept["code"]
    return "\n".join([
        "# Measured: the study on a Dask LocalCluster", "",
        "Written by `make cluster-check` (experiments/cluster_check.py) from "
        "[cluster-measurement.json](cluster-measurement.json); do not edit by hand.", "",
        f"- **Study:** version 1, {seeds} seeds, each run `{' '.join(kept['run_args'])}` in its own process",
        f"- **Machine:** {kept['cpu']}, {kept['cores']} cores" + (f", {kept['date']}" if kept.get("date") else ""),
        f"- **Code:** {code['commit']}{' (with uncommitted changes in src/)' if code['src_dirty'] else ''}", "",
        table(["how", "wall time of the runs (s)", "× sequential", "cluster start-up (s)"],
              [["one after another, no Dask", f"{sequential:.1f}", "1.00", "–"],
               ["LocalCluster, 1 worker", f"{one:.1f}", f"{one / sequential:.2f}", f"{kept['one_worker_start_s']:.1f}"],
               ["LocalCluster, 2 workers", f"{two:.1f}", f"{two / sequential:.2f}", f"{kept['two_workers_start_s']:.1f}"]]),
        "", f"Dispatch overhead per task: {(one - sequential) / seeds:.2f} s ((1-worker time - sequential time) / {seeds}).",
        "", f"With {kept['cores']} cores, two workers run two TensorFlow processes that share the same cores, so the "
        "speed-up is bounded by the cores, not by Dask; on a cluster each worker brings its own.",
        *([""] + [kept["note"]] if kept.get("note") else []), ""])


def main() -> None:
    if sys.argv[1:] == ["--render"]:
        write_text_atomic(PAGE, page(json.loads(KEPT.read_text())))
        print(f"wrote {PAGE}")
        return
    seeds = int(os.environ.get("CHECK_SEEDS", "4"))
    sequential, _ = timed_study(seeds, None)
    one, one_start = timed_study(seeds, 1)
    two, two_start = timed_study(seeds, 2)
    kept = {"seeds": seeds, "run_args": list(SMALL), "cpu": environment.cpu_model(), "cores": os.cpu_count(),
            "date": datetime.date.today().isoformat(), "code": environment.git_commit(), "sequential_s": sequential,
            "one_worker_s": one, "one_worker_start_s": one_start, "two_workers_s": two, "two_workers_start_s": two_start}
    write_text_atomic(KEPT, json.dumps(kept, indent=1) + "\n")
    write_text_atomic(PAGE, page(kept))
    print(f"wrote {KEPT} and {PAGE}")


if __name__ == "__main__":
    main()
