"""The guarantees of a run on a Keras backend other than TensorFlow, checked on one backend per
test module: test_backends_jax.py and test_backends_torch.py set BACKEND and take these tests
with `from backend_checks import *` (two modules, so that two pytest-xdist workers share them).

A backend is fixed per process, so every run here is a real process in the backend's own
environment (.venv-jax, .venv-torch; `make test` installs both), as `make run BACKEND=...` runs
it. The runs are made once per module and shared: v1 and v3 small, v2 twice (the bytes repeat)
and once killed and resumed, compared with the first."""

from __future__ import annotations

import json
import math
import re
import signal
import subprocess

import pytest

from conftest import ROOT, wait_for
from mnist_repro.outputs import analysis, formats
from test_first_minute import NOISE, user_env
from test_resume import EXACT, saved_epoch

__all__ = ["backend", "run_env", "backend_runs", "test_a_run_writes_every_deliverable_and_names_its_backend",
           "test_the_same_command_twice_writes_the_same_bytes", "test_a_run_killed_after_an_epoch_resumes_exactly"]

# Whole batches of 128 only: on JAX each other batch or chunk shape is one more XLA compilation.
SMALL = ("--limit", "256", "--epochs", "2", "--seed", "11")  # v1 and v3: every deliverable
# v2 also shares its run with the repeat and the resume: an epoch of 1,024 images lasts long enough
# (a second or more) that a SIGTERM sent once epoch 1's checkpoint appears lands before epoch 3 is saved.
V2 = ("--limit", "1024", "--epochs", "3", "--seed", "11")
V2_EPOCHS = 3


def python(name: str):
    return ROOT / f".venv-{name}" / "bin" / "python"


def needs_environment(name: str):
    """Skip a module's tests where its backend's environment is missing (pytest run directly)."""
    return pytest.mark.skipif(not python(name).exists(),
                              reason=f".venv-{name} is not installed: `make test` installs it "
                                     f"(or `make .venv-{name}/.installed`)")


def command(name: str, version: int, out) -> list[str]:
    return [str(python(name)), "-m", "mnist_repro", "run", "--version", str(version),
            *(V2 if version == 2 else SMALL), "--backend", name, "--out", str(out)]


@pytest.fixture(scope="module")
def backend(request) -> str:
    return request.module.BACKEND


@pytest.fixture(scope="module")
def run_env(backend, tmp_path_factory) -> dict:
    """A user's environment (the project's own TensorFlow log level) with a KERAS_HOME whose keras.json
    agrees with --backend and no KERAS_BACKEND: a run then has no note to print. (Without a keras.json,
    Keras's first import would write one saying tensorflow, and the next run would note it.)"""
    keras_home = tmp_path_factory.mktemp(f"keras-home-{backend}")
    (keras_home / "keras.json").write_text(json.dumps({"backend": backend}))
    env = user_env()
    env.pop("KERAS_BACKEND", None)
    return {**env, "KERAS_HOME": str(keras_home)}


@pytest.fixture(scope="module")
def backend_runs(backend, run_env, tmp_path_factory):
    """`runs(version, again=False)` -> (the ver_N folder, the CompletedProcess), each run made once
    per module; `again` is a second run of the same command into another folder."""
    made = {}

    def runs(version: int, again: bool = False):
        if (version, again) not in made:
            out = tmp_path_factory.mktemp(f"{backend}-v{version}{'-again' if again else ''}")
            done = subprocess.run(command(backend, version, out), cwd=ROOT, env=run_env,
                                  capture_output=True, text=True, timeout=600)
            made[version, again] = (out / backend / f"ver_{version}", done)
        return made[version, again]

    return runs


def locked_version(name: str) -> str:
    return re.search(rf"^{name}==(\S+)", (ROOT / "lock" / f"{name}.txt").read_text(), re.M).group(1)


@pytest.mark.parametrize("version", [1, 2, 3])
def test_a_run_writes_every_deliverable_and_names_its_backend(backend, backend_runs, version):
    folder, done = backend_runs(version)
    assert done.returncode == 0, done.stderr[-3000:]
    assert not NOISE.search(done.stderr + done.stdout), done.stderr
    assert "note:" not in done.stdout  # keras.json agrees with --backend
    assert not (folder.parent.parent / f"ver_{version}").exists()  # beside TensorFlow's, never in its place
    metrics = json.loads((folder / "metrics.json").read_text())
    pages = max(1, math.ceil(metrics["results"]["test_errors"] / analysis.PAGE))
    gallery = {"misclassified.png", *(f"misclassified_{page}.png" for page in range(2, pages + 1))}
    assert sorted(path.name for path in folder.iterdir()) == sorted({*formats.REQUIRED_FILES, "confusion_matrix.png",
                                                                     *gallery})
    assert all((folder / name).stat().st_size > 0 for name in formats.REQUIRED_FILES)
    env = metrics["environment"]
    assert metrics["settings"]["backend"] == env["backend"] == backend
    assert env["backend_version"] == locked_version(backend)  # the locked library computed it
    names = f"Keras {env['keras']} on {backend} {env['backend_version']}"
    made_by = [line for line in (folder / "README.md").read_text().splitlines() if line.startswith("Made by")]
    assert len(made_by) == 1 and f"{names} (tf.data from TensorFlow {env['tensorflow']})" in made_by[0]
    assert f"--backend {backend}" in made_by[0]
    assert f"Using {names} (the batches from TensorFlow" in (folder / "console.output").read_text()
    assert len(formats.read_history(folder / "history.csv")) == metrics["settings"]["epochs"]


def test_the_same_command_twice_writes_the_same_bytes(backend_runs):
    (first, done), (second, again) = backend_runs(2), backend_runs(2, again=True)
    assert done.returncode == again.returncode == 0, again.stderr[-3000:]
    for name in EXACT:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_a_run_killed_after_an_epoch_resumes_exactly(backend, run_env, backend_runs, tmp_path):
    arguments = command(backend, 2, tmp_path)
    process = subprocess.Popen(arguments, cwd=ROOT, env=run_env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    wait_for(lambda: saved_epoch(tmp_path / backend, 2) >= 1, process, timeout=400)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    interrupted_at = saved_epoch(tmp_path / backend, 2)
    assert process.returncode == 130, stderr[-3000:]
    assert "Traceback" not in stderr and "interrupted: run the same command again to resume" in stderr
    assert 1 <= interrupted_at < V2_EPOCHS and not (tmp_path / backend / "ver_2").exists()

    done = subprocess.run(arguments, cwd=ROOT, env=run_env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"resuming version 2 from epoch {interrupted_at}" in done.stdout
    uninterrupted, _ = backend_runs(2)
    for name in EXACT:
        assert (tmp_path / backend / "ver_2" / name).read_bytes() == (uninterrupted / name).read_bytes(), name
    assert not (tmp_path / backend / ".checkpoints" / "ver_2").exists()
