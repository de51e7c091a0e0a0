"""`make reproduce`: every version over several seeds with the faithful defaults, on one backend.

Each run's metrics.json and history.csv are kept under deliverables/seeds/ver_N/seed_S/ (on JAX or
torch: deliverables/BACKEND/seeds/ver_N/seed_S/); labels and models stay only in ver_N/. A seed folder that holds a readable metrics.json is
complete and skipped, so an interrupted study resumes where it stopped (and a run interrupted
mid-training resumes from its own checkpoint).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from .. import backend as backend_module, paths, versions
from ..api import run_argv
from ..errors import BadSetting, RecordUnusable
from ..outputs.run_record import RunRecord
from . import records


def usable_record(folder: Path) -> RunRecord | None:
    """The record in `folder`, or None when it has none that this code reads."""
    try:
        return RunRecord.read(folder)
    except RecordUnusable:
        return None


def is_faithful(record: RunRecord | None, version, seed: int, backend: str = "tensorflow") -> bool:
    """A complete default run of the current format (full data, the recipe's epochs and batch,
    validation on train, float32) on `backend` (runs made before backends were a setting are
    TensorFlow's)."""
    if record is None:  # missing, or of an older format: older runs predate exact resume and v1's own Adam
        return False
    settings = record.settings
    return (settings.seed == seed and settings.limit is None
            and settings.epochs == version.epochs and settings.batch_size == version.batch_size
            and settings.validation == "train" and record.version == version.number
            and settings.precision == "float32" and settings.backend == backend)


def keep(source: Path, target: Path) -> None:
    records.save_record(target, records.read_record(source))


def plan(numbers: list[int], seeds: int, root: Path, main: Path, backend: str = "tensorflow"):
    """(version, seed, state) for every run: 'done', 'from-main' (reuse ver_N) or 'todo'."""
    for number in numbers:
        version = versions.get(number)
        main_record = usable_record(paths.version_folder(number, main))
        for seed in range(seeds):
            if is_faithful(usable_record(paths.seed_folder(number, seed, root)), version, seed, backend):
                yield version, seed, "done"
            elif is_faithful(main_record, version, seed, backend):
                yield version, seed, "from-main"
            else:
                yield version, seed, "todo"


def estimate(version, root: Path, main: Path) -> float | None:
    """Seconds per run of this version, from runs already made on this machine."""
    times = [record.timing.run_s for record in (usable_record(folder) for _, folder in
                                                   paths.seed_folders(paths.version_folder(version.number, root)))
             if record is not None]
    main_record = usable_record(paths.version_folder(version.number, main))
    if not times and main_record is not None and main_record.settings.limit is None:
        times = [main_record.timing.run_s]
    return sum(times) / len(times) if times else None


def reproduce(numbers: list[int], seeds: int, root: Path | None = None, main: Path | None = None,
              settings: dict | None = None, cluster: str | None = None, workers: int = 2,
              backend: str = "tensorflow") -> int:
    """Every missing (version, seed) run on `backend`: here, one after the other, or on a Dask
    cluster. `main` (where ver_N/ is reused from) and `root` (the seeds) default to the backend's;
    `settings` are more settings of each run (api.run_argv's), such as a smaller `limit` in tests."""
    settings = settings or {}
    main = paths.backend_root(paths.deliverables(), backend) if main is None else main
    root = paths.seeds_root(main) if root is None else root
    if seeds < 1:
        raise BadSetting(f"SEEDS={seeds}: need at least 1 seed")
    if cluster is not None:
        from . import cluster as dask_cluster

        client = dask_cluster.connect(cluster, workers)  # a bad address fails here, before any work
    runs = list(plan(numbers, seeds, root, main, backend))
    todo = [(v, s) for v, s, state in runs if state == "todo"]
    for version, seed, state in runs:
        if state == "from-main":
            keep(paths.version_folder(version.number, main), paths.seed_folder(version.number, seed, root))
            print(f"version {version.number} seed {seed}: taken from {paths.version_folder(version.number, main)} "
                  "(same settings)")
    done = len(runs) - len(todo)
    print(f"study: {len(runs)} runs, {done} complete, {len(todo)} to run")
    if cluster is not None:
        with dask_cluster.closing(client):
            return dask_cluster.run_all(client, todo, root, settings, backend)
    for index, (version, seed) in enumerate(todo, 1):
        left = [estimate(v, root, main) for v, _ in todo[index - 1:]]
        eta = f"about {sum(t for t in left if t) / 60:.0f} min left" if all(left) else "time left unknown yet"
        print(f"[{index}/{len(todo)}] version {version.number}, seed {seed} ({eta})", flush=True)
        work = paths.seed_work_folder(version.number, seed, root)
        command = run_argv(version.number, seed=seed, out=work, **backend_module.setting(backend), **settings)
        started = time.perf_counter()
        done_run = subprocess.run(command)
        if done_run.returncode != 0:
            print(f"version {version.number} seed {seed} failed (exit {done_run.returncode}); "
                  "rerun `make reproduce` to resume", file=sys.stderr)
            return done_run.returncode
        keep(paths.version_folder(version.number, paths.backend_root(work, backend)),
             paths.seed_folder(version.number, seed, root))
        shutil.rmtree(work, ignore_errors=True)
        print(f"version {version.number} seed {seed} done in {time.perf_counter() - started:.0f} s", flush=True)
    return 0
