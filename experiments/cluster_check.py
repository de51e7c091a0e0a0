"""`make cluster-check`: a small study on this machine, one run after another and on a Dask
LocalCluster of 1 and 2 workers; writes doc/cluster-measurement.md (do not edit it by hand).

The study: version 1, CHECK_SEEDS=4 seeds, each run on the first 1,000 images for 2 epochs.
Dispatch overhead per task is (the 1-worker wall time - the sequential wall time) / runs: the
cost of Dask's scheduling and transfers, beyond the same runs made one after another.
"""

from __future__ import annotations

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


def timed_study(seeds: int, workers: int | None) -> tuple[float, float]:
    """(wall seconds of the runs, seconds to start the cluster) for one study into a scratch folder."""
    with tempfile.TemporaryDirectory(prefix="cluster-check-") as scratch:
        todo = [(reproduce.versions.get(1), seed) for seed in range(seeds)]
        if workers is None:
            started = time.perf_counter()
            code = reproduce.reproduce([1], seeds, Path(scratch), Path(scratch) / "nomain", SMALL)
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


def main() -> None:
    seeds = int(os.environ.get("CHECK_SEEDS", "4"))
    sequential, _ = timed_study(seeds, None)
    one, one_start = timed_study(seeds, 1)
    two, two_start = timed_study(seeds, 2)
    overhead = (one - sequential) / seeds
    commit = environment.git_commit()
    lines = ["# Measured: the study on a Dask LocalCluster", "",
             "Written by `make cluster-check` (experiments/cluster_check.py); do not edit by hand.", "",
             f"- **Study:** version 1, {seeds} seeds, each run `{' '.join(SMALL)}` in its own process",
             f"- **Machine:** {environment.cpu_model()}, {os.cpu_count()} cores",
             f"- **Code:** {commit['commit']}{' (with uncommitted changes in src/)' if commit['src_dirty'] else ''}", "",
             table(["how", "wall time of the runs (s)", "× sequential", "cluster start-up (s)"],
                   [["one after another, no Dask", f"{sequential:.1f}", "1.00", "–"],
                    ["LocalCluster, 1 worker", f"{one:.1f}", f"{one / sequential:.2f}", f"{one_start:.1f}"],
                    ["LocalCluster, 2 workers", f"{two:.1f}", f"{two / sequential:.2f}", f"{two_start:.1f}"]]), "",
             f"Dispatch overhead per task: {overhead:.2f} s ((1-worker time - sequential time) / {seeds}).", "",
             f"With {os.cpu_count()} cores, two workers run two TensorFlow processes that share the same cores, so "
             "the speed-up is bounded by the cores, not by Dask; on a cluster each worker brings its own.", ""]
    path = ROOT / "doc" / "cluster-measurement.md"
    write_text_atomic(path, "\n".join(lines))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
