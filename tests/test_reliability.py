"""Fault injection on the real CLI: kills, Ctrl-C, locks, corrupt checkpoints and bad data files."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import ROOT, assert_one_line_error, cli_env, run_cli
from mnist_repro.outputs import formats

# v2 on 3,000 images: under a second per epoch, long enough to interrupt at a chosen moment.
SMALL = ["--version", "2", "--limit", "3000", "--epochs", "3", "--seed", "3"]


def start(out, *extra):
    return subprocess.Popen([sys.executable, "-m", "mnist_repro", "run", *SMALL, "--out", str(out), *extra],
                            cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition, process, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(f"run ended before the condition: {process.communicate()[1][-2000:]}")
        time.sleep(0.02)
    process.kill()
    pytest.fail("timed out")


def saved_epochs(out):
    try:
        return json.loads((out / ".checkpoints/ver_2/backup/training_metadata.json").read_text())["epoch"]
    except (OSError, ValueError, KeyError):
        return 0


def interrupt_after_first_epoch(out, sig):
    process = start(out)
    wait_for(lambda: saved_epochs(out) >= 1, process)
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=120)
    return process.returncode, stdout, stderr


def assert_complete(folder, epochs=3):
    for name in formats.REQUIRED_FILES:
        assert (folder / name).is_file(), name
    history = formats.read_history(folder / "history.csv")
    assert [int(row["epoch"]) for row in history] == list(range(epochs))
    metrics = json.loads((folder / "metrics.json").read_text())
    assert len(metrics["history"]) == epochs
    labels = formats.read_labels(folder / "assigned_labels_test.txt")
    assert len(labels) == 3000


@pytest.mark.parametrize("sig, code", [(signal.SIGKILL, -9), (signal.SIGINT, 130), (signal.SIGTERM, 130)])
def test_interrupted_run_resumes_from_the_last_epoch(tmp_path, sig, code):
    returncode, stdout, stderr = interrupt_after_first_epoch(tmp_path, sig)
    assert returncode == code
    if sig != signal.SIGKILL:
        assert "Traceback" not in stderr
        assert "interrupted: run the same command again to resume" in stderr
    assert not (tmp_path / "ver_2").exists()
    resumed_at = saved_epochs(tmp_path)
    done = run_cli("run", *SMALL, "--out", tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"resuming version 2 from epoch {resumed_at}" in done.stdout
    assert_complete(tmp_path / "ver_2")
    assert not (tmp_path / ".checkpoints" / "ver_2").exists()  # removed after success
    metrics = json.loads((tmp_path / "ver_2" / "metrics.json").read_text())
    assert metrics["settings"]["resumed_from_epoch"] == resumed_at


def test_changed_settings_or_restart_discard_the_checkpoint(tmp_path):
    interrupt_after_first_epoch(tmp_path, signal.SIGKILL)
    done = run_cli("run", *SMALL[:-1], "4", "--out", tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "the settings changed (seed)" in done.stdout and "resuming" not in done.stdout
    interrupt_after_first_epoch(tmp_path, signal.SIGKILL)
    done = run_cli("run", *SMALL, "--out", tmp_path, "--restart")
    assert "--restart was given" in done.stdout and "resuming" not in done.stdout


@pytest.mark.parametrize("damage", ["weights", "metadata"])
def test_corrupt_checkpoint_starts_fresh(tmp_path, damage):
    interrupt_after_first_epoch(tmp_path, signal.SIGKILL)
    backup = tmp_path / ".checkpoints/ver_2/backup"
    if damage == "weights":
        weights = backup / "latest.weights.h5"
        weights.write_bytes(weights.read_bytes()[:5000])
    else:
        (backup / "training_metadata.json").write_text("{not json")
    done = run_cli("run", *SMALL, "--out", tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "corrupt" in done.stdout and "resuming" not in done.stdout
    assert_complete(tmp_path / "ver_2")


def test_kill_while_writing_deliverables_keeps_the_old_folder(tmp_path):
    first = run_cli("run", *SMALL, "--out", tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    before = {p.name: p.read_bytes() for p in (tmp_path / "ver_2").iterdir()}
    process = start(tmp_path, "--seed", "5")
    wait_for(lambda: any(tmp_path.glob(".ver_2.tmp-*")), process)
    process.kill()
    process.wait()
    assert {p.name: p.read_bytes() for p in (tmp_path / "ver_2").iterdir()} == before
    done = run_cli("run", *SMALL, "--out", tmp_path, "--seed", "5")
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".ver")) == []


def test_a_second_run_is_refused_and_a_stale_lock_is_taken_over(tmp_path):
    process = start(tmp_path)
    wait_for(lambda: saved_epochs(tmp_path) >= 1, process)
    second = run_cli("run", *SMALL, "--out", tmp_path)
    assert_one_line_error(second, "version 2", "already running", f"pid {process.pid}")
    assert second.returncode == 1
    process.kill()
    process.wait()
    lock = tmp_path / ".checkpoints" / "ver_2.lock"
    assert lock.read_text().strip() == str(process.pid)  # left behind by the killed run
    done = run_cli("run", *SMALL, "--out", tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]


def write_npz(path, **changes):
    from mnist_repro import data

    arrays = data.read_npz(ROOT / "data" / "mnist.npz")
    arrays.update(changes)
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})
    return arrays


@pytest.mark.parametrize("name, make, fragments", [
    ("empty", lambda p, a: p.write_bytes(b""), ["is empty"]),
    ("truncated", lambda p, a: (write_npz(p), p.write_bytes(p.read_bytes()[:300_000])), ["not a readable npz"]),
    ("missing key", lambda p, a: write_npz(p, y_test=None), ["missing array 'y_test'"]),
    ("wrong shape", lambda p, a: write_npz(p, x_test=a["x_test"][:10]), ["'x_test' has shape (10, 28, 28)"]),
    ("wrong dtype", lambda p, a: write_npz(p, x_train=a["x_train"].astype(np.int32)), ["dtype int32"]),
    ("labels out of range", lambda p, a: write_npz(p, y_test=(a["y_test"] + 3).astype(np.uint8)), ["out of range"]),
    ("NaN", lambda p, a: write_npz(p, x_test=np.full((10000, 28, 28), np.nan)), ["contains NaN"]),
    ("wrong hashes", lambda p, a: write_npz(p, x_test=255 - a["x_test"]), ["SHA-256", "--allow-unverified-data"]),
])
def test_bad_data_files(tmp_path, mnist, name, make, fragments):
    path = tmp_path / "bad.npz"
    make(path, mnist)
    done = run_cli("run", "--version", 1, "--data", path, "--out", tmp_path / "out")
    assert_one_line_error(done, str(path), *fragments)
    assert "Using TensorFlow" not in done.stdout  # refused before any training
    assert not (tmp_path / "out" / "ver_1").exists()


def test_unverified_data_runs_only_when_allowed(tmp_path, mnist):
    path = tmp_path / "relabelled.npz"
    write_npz(path, x_test=255 - mnist["x_test"])
    done = run_cli("run", "--version", 1, "--dry-run", "--data", path, "--out", tmp_path, "--allow-unverified-data")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "warning:" in done.stderr and "SHA-256 of x_test differs" in done.stderr
    metrics = json.loads((tmp_path / "ver_1" / "metrics.json").read_text())
    assert metrics["data"]["verified"] is False


def test_missing_data_file_writes_nothing(tmp_path):
    env = cli_env()
    env["HOME"] = str(tmp_path)  # no Keras cache
    done = subprocess.run([sys.executable, "-m", "mnist_repro", "run", "--version", "1", "--data", str(tmp_path / "no.npz")],
                          cwd=tmp_path, env=env, capture_output=True, text=True)
    assert_one_line_error(done, "no.npz", "does not exist")
    assert os.listdir(tmp_path) == []
