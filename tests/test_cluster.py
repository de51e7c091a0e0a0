"""The study on Dask distributed, on 127.0.0.1 only: the same files as the sequential path, a
worker killed mid-task, and a bad scheduler address."""

import json
import os
import signal
import tempfile
import time
from pathlib import Path

import pytest

from conftest import assert_one_line_error, run_cli

pytest.importorskip("distributed", reason="make test installs requirements-cluster.txt")

from mnist_repro.study import cluster, reproduce  # noqa: E402

SMALL = ("--limit", "256", "--epochs", "1")


def task_folders():
    return set(Path(tempfile.gettempdir()).glob(f"{cluster.TASK_PREFIX}*"))


def files_under(root):
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def assert_complete(root, runs):
    for number, seed in runs:
        metrics = json.loads((root / f"ver_{number}" / f"seed_{seed}" / "metrics.json").read_text())
        assert (metrics["version"], metrics["settings"]["seed"]) == (number, seed)
        assert metrics["environment"]["host"]  # where it ran, for the report's provenance
    assert not [path for path in root.rglob("*") if path.name.endswith(".partial")]


def test_local_cluster_writes_what_the_sequential_path_writes(tmp_path):
    """Two tasks, one per worker, against the sequential path's real run of the first seed: the same
    files (records.KEPT per run), and no work or task folder left behind."""
    from mnist_repro.study.records import KEPT

    runs = [(1, seed) for seed in (0, 1)]
    before = task_folders()
    assert reproduce.reproduce([1], 1, tmp_path / "here", tmp_path / "nomain", SMALL) == 0
    assert reproduce.reproduce([1], 2, tmp_path / "dask", tmp_path / "nomain", SMALL, cluster="local",
                               workers=2) == 0
    assert files_under(tmp_path / "here") == [f"ver_1/seed_0/{name}" for name in sorted(KEPT)]
    assert files_under(tmp_path / "dask") == sorted(f"ver_1/seed_{seed}/{name}" for _, seed in runs for name in KEPT)
    assert_complete(tmp_path / "dask", runs)
    assert not list((tmp_path / "here").rglob(".work-seed_*"))  # the sequential study's work folder goes
    assert task_folders() - before == set()  # and every Dask task's folder


def test_a_worker_killed_mid_task_does_not_lose_or_duplicate_a_run(tmp_path):
    client = cluster.connect("local", 2)
    runs = [(1, seed) for seed in range(2)]  # one task per worker; the killed one's task reruns
    todo = [(reproduce.versions.get(1), seed) for _, seed in runs]
    pids = client.run(os.getpid)  # worker address -> pid

    def kill_a_busy_worker():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            busy = [address for address, keys in client.processing().items() if keys]
            if busy:
                time.sleep(3)  # let its run process start training
                os.kill(pids[busy[0]], signal.SIGKILL)
                return
            time.sleep(0.1)
        pytest.fail("no task started")

    import threading

    before = task_folders()
    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    with cluster.closing(client):
        code = cluster.run_all(client, todo, tmp_path, SMALL)
    killer.join()
    assert code == 0
    assert task_folders() - before == set()  # the killed worker's folder was swept by a later task
    assert sorted(path.name for path in (tmp_path / "ver_1").iterdir()) == [f"seed_{s}" for s in range(2)]
    assert_complete(tmp_path, runs)


def test_a_bad_cluster_address_is_one_line_within_seconds(tmp_path):
    started = time.monotonic()
    done = run_cli("reproduce", "--versions", "1", "--seeds", "1", "--cluster", "tcp://127.0.0.1:9", cwd=tmp_path,
                   timeout=60)
    assert_one_line_error(done, "cannot reach a Dask scheduler at 'tcp://127.0.0.1:9'", "dask scheduler")
    assert done.returncode == 1
    assert time.monotonic() - started < 30
    assert not (tmp_path / "deliverables").exists()
