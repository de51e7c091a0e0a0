"""Fault injection on the real CLI: a kill during the deliverables swap, and bad data files.

Kills during training and resuming are in test_resume.py; failures after `fit` in test_after_fit.py."""

import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, assert_one_line_error, cli_env, run_cli, wait_for
from mnist_repro import run_argv
from mnist_repro.outputs import formats
from mnist_repro.outputs.run_record import RunRecord

# v2 on 1,000 images, 2 epochs: the deliverables take over a second to write, long enough to
# interrupt the swap at a chosen moment.
SETTINGS = {"limit": 1000, "epochs": 2, "seed": 3}
SMALL = run_argv(2, **SETTINGS)[4:]  # --version 2 --limit 1000 ..., for the CLI in this process


def start(out, **changed):
    return subprocess.Popen(run_argv(2, **{**SETTINGS, **changed}, out=out),
                            cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_kill_while_writing_deliverables_keeps_the_old_folder(tmp_path):
    first = run_cli("run", *SMALL, "--out", tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    before = {p.name: p.read_bytes() for p in (tmp_path / "ver_2").iterdir()}
    process = start(tmp_path, seed=5)
    wait_for(lambda: any(tmp_path.glob(".ver_2.tmp-*")), process)
    process.kill()
    process.wait()
    assert {p.name: p.read_bytes() for p in (tmp_path / "ver_2").iterdir()} == before
    done = run_cli("run", *SMALL, "--out", tmp_path, "--seed", "5")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "training already complete at epoch 2; writing the deliverables" in done.stdout  # not trained twice
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".ver")) == []


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


@pytest.mark.slow
def test_unverified_data_runs_only_when_allowed(tmp_path, mnist):
    path = tmp_path / "relabelled.npz"
    write_npz(path, x_test=255 - mnist["x_test"])
    done = run_cli("run", "--version", 1, "--dry-run", "--data", path, "--out", tmp_path, "--allow-unverified-data")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "warning:" in done.stderr and "SHA-256 of x_test differs" in done.stderr
    assert RunRecord.read(tmp_path / "ver_1").data.verified is False


@pytest.mark.slow
def test_missing_data_file_writes_nothing(tmp_path):
    env = cli_env()
    env["HOME"] = str(tmp_path)  # no Keras cache
    done = subprocess.run([sys.executable, "-m", "mnist_repro", "run", "--version", "1", "--data", str(tmp_path / "no.npz")],
                          cwd=tmp_path, env=env, capture_output=True, text=True)
    assert_one_line_error(done, "no.npz", "does not exist")
    assert os.listdir(tmp_path) == []
