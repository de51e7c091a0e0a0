"""The study on Dask distributed: each missing (version, seed) run becomes one task.

A task runs one faithful run in a fresh `python -m mnist_repro run` process on its worker (so
TensorFlow state is never shared between runs; the run verifies its data by the same hashes),
and returns the run's small record: metrics.json and history.csv. The client writes each seed
folder atomically as results arrive. A task whose worker dies is rescheduled by Dask on another
worker; a task that fails is retried (`retries`). See doc/cluster.md.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .. import backend as backend_module, paths, process
from ..api import run_argv
from ..errors import SchedulerUnreachable, UserError
from .records import read_record, save_record

RETRIES = 2


def connect(address: str, workers: int = 2):
    """A Dask client: `local` starts a LocalCluster of `workers` processes on 127.0.0.1."""
    from dask.distributed import Client, LocalCluster  # a missing extra is errors.missing_extra's line
    if address == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
        return Client(cluster)
    try:
        return Client(address, timeout="5s")
    except (OSError, TimeoutError, ValueError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise SchedulerUnreachable(f"cannot reach a Dask scheduler at {address!r} ({reason}); start one with "
                                   "`dask scheduler` and pass its tcp://HOST:8786 address, or use --cluster "
                                   "local") from None


@contextlib.contextmanager
def closing(client):
    """Close the client, and the LocalCluster it started, however the study ends."""
    try:
        yield client
    finally:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()


TASK_PREFIX = "mnist-repro-task-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive, and not ours to clean
        return True
    return True


def sweep_stale_task_folders(tmp: Path | None = None) -> None:
    """Remove the task folders of dead workers: a worker killed mid-task cannot clean up after
    itself, so the next task on that machine does. Each folder's name carries its worker's pid."""
    for folder in Path(tmp or tempfile.gettempdir()).glob(f"{TASK_PREFIX}*-*"):
        pid = folder.name[len(TASK_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def run_on_worker(number: int, seed: int, settings: dict, backend: str = "tensorflow") -> dict:
    """Executed by a Dask worker: one run in a fresh process; its record and where it ran. The
    run's folder goes when the task ends, however it ends; a killed worker's, at the next task."""
    sweep_stale_task_folders()
    with tempfile.TemporaryDirectory(prefix=f"{TASK_PREFIX}{os.getpid()}-", ignore_cleanup_errors=True) as out:
        command = run_argv(number, seed=seed, out=out, **backend_module.setting(backend), **settings)
        # The run ends itself if this worker dies (process.PARENT_PID), so no orphan keeps training.
        done = subprocess.run(command, capture_output=True, text=True,
                              env={**os.environ, process.PARENT_PID: str(os.getpid())})
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"version {number} seed {seed} failed on {platform.node()}: {last}")
        return read_record(paths.version_folder(number, paths.backend_root(out, backend)))


def run_all(client, todo: list, root: Path, settings: dict | None = None, backend: str = "tensorflow") -> int:
    """Submit every run, write each record as it arrives; the exit code is 1 if any run failed."""
    from dask.distributed import as_completed

    started = time.perf_counter()
    futures = {client.submit(run_on_worker, version.number, seed, dict(settings or {}), backend, pure=False,
                             retries=RETRIES, key=f"mnist-repro-v{version.number}-seed{seed}-{time.time_ns()}"):
               (version, seed) for version, seed in todo}
    workers = len(client.scheduler_info()["workers"])
    print(f"sent {len(futures)} runs to {workers} Dask worker(s) at {client.scheduler.address}", flush=True)
    failed = 0
    for finished, future in enumerate(as_completed(futures), 1):
        version, seed = futures[future]
        try:
            save_record(paths.seed_folder(version.number, seed, root), future.result())
        except UserError:  # this machine's disk is full: every later record would fail the same way
            raise
        except Exception as error:  # noqa: BLE001 - one failed run must not lose the others
            failed += 1
            print(f"version {version.number} seed {seed}: {error}", file=sys.stderr, flush=True)
            continue
        elapsed = time.perf_counter() - started
        left = elapsed / finished * (len(futures) - finished)
        print(f"[{finished}/{len(futures)}] version {version.number} seed {seed} done "
              f"({elapsed / 60:.1f} min so far, about {left / 60:.0f} min left)", flush=True)
    if failed:
        print(f"{failed} run(s) failed; run the same command again to retry them", file=sys.stderr)
    return 1 if failed else 0
