"""The study on Dask distributed, on 127.0.0.1 only: the same files as the sequential path, a
worker killed mid-task, and a bad scheduler address."""

import dataclasses
import importlib.util
import os
import signal
import tempfile
import threading
import time
from pathlib import Path

import pytest

from conftest import assert_one_line_error, needs_installed, run_cli

needs_installed(importlib.util.find_spec("distributed") is not None, "Dask (requirements-cluster.txt)", module=True)

from mnist_repro.outputs.run_record import RunRecord  # noqa: E402
from mnist_repro.study import cluster, reproduce  # noqa: E402

SMALL = {"limit": 256, "epochs": 1}


def task_folders():
    return set(Path(tempfile.gettempdir()).glob(f"{cluster.TASK_PREFIX}*"))


def files_under(root):
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def assert_complete(root, runs):
    for number, seed in runs:
        record = RunRecord.read(root / f"ver_{number}" / f"seed_{seed}")
        assert (record.version, record.settings.seed) == (number, seed)
        assert record.environment["host"]  # where it ran, for the report's provenance
    assert not [path for path in root.rglob("*") if path.name.endswith(".partial")]


def kill_a_busy_worker(client, pids, killed: list, orphans: list):
    """SIGKILL the first worker seen running a task, a few seconds into it; its task then reruns.
    The killed worker's address goes into `killed`, and the run processes it had started that still
    live 10 s later into `orphans`, for the test's thread to check (a failure raised in this thread
    would not fail the test)."""
    import psutil  # Dask's own dependency

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        busy = [address for address, keys in client.processing().items() if keys]
        if busy:
            time.sleep(3)  # let its run process start training
            runs = psutil.Process(pids[busy[0]]).children(recursive=True)
            os.kill(pids[busy[0]], signal.SIGKILL)
            killed.append((busy[0], len(runs)))
            orphans.extend(run.pid for run in psutil.wait_procs(runs, timeout=10)[1])
            return
        time.sleep(0.1)


@pytest.mark.slow
def test_a_study_on_dask_writes_what_the_sequential_path_writes_though_a_worker_dies(tmp_path):
    """Two tasks on a LocalCluster of two workers, reached by its address as `--cluster tcp://...`
    reaches a scheduler; one worker is killed mid-task, and its task reruns. Against the sequential
    path's real run of the first seed: the same files (records.KEPT per run), the same history.csv
    bytes and results, no run lost or duplicated, no run process outliving its killed worker, and no
    work or task folder left behind (the killed worker's is swept by a later task)."""
    from mnist_repro.study.records import KEPT

    runs = [(1, seed) for seed in (0, 1)]
    before = task_folders()
    assert reproduce.reproduce([1], 1, tmp_path / "here", tmp_path / "nomain", SMALL) == 0
    client = cluster.connect("local", 2)
    killed, orphans = [], []
    killer = threading.Thread(target=kill_a_busy_worker, args=(client, client.run(os.getpid), killed, orphans))
    killer.start()
    with cluster.closing(client):
        code = reproduce.reproduce([1], 2, tmp_path / "dask", tmp_path / "nomain", SMALL,
                                   cluster=client.scheduler.address, workers=2)
    killer.join()
    assert killed, "no worker was seen running a task within 120 s, so none was killed"
    assert killed[0][1] >= 1 and not orphans, f"{killed}: run processes {orphans} outlived their worker"
    assert code == 0
    assert files_under(tmp_path / "here") == [f"ver_1/seed_0/{name}" for name in sorted(KEPT)]
    assert files_under(tmp_path / "dask") == sorted(f"ver_1/seed_{seed}/{name}" for _, seed in runs for name in KEPT)
    assert_complete(tmp_path / "dask", runs)
    # The same run in a Dask task's fresh process as in the sequential path: the same history.csv bytes
    # and the same results (metrics.json differs only where it records when, where and how long).
    here, there = (tmp_path / place / "ver_1" / "seed_0" for place in ("here", "dask"))
    assert (here / "history.csv").read_bytes() == (there / "history.csv").read_bytes()
    results = [dataclasses.replace(RunRecord.read(folder).results, training_time_s=0.0) for folder in (here, there)]
    assert results[0] == results[1]
    assert not list((tmp_path / "here").rglob(".work-seed_*"))  # the sequential study's work folder goes
    assert task_folders() - before == set()  # and every Dask task's folder


def test_a_bad_cluster_address_is_one_line_within_seconds(tmp_path):
    started = time.monotonic()
    done = run_cli("reproduce", "--versions", "1", "--seeds", "1", "--cluster", "tcp://127.0.0.1:9", cwd=tmp_path,
                   timeout=60)
    assert_one_line_error(done, "cannot reach a Dask scheduler at 'tcp://127.0.0.1:9'", "dask scheduler")
    assert done.returncode == 1
    assert time.monotonic() - started < 30
    assert not (tmp_path / "deliverables").exists()
