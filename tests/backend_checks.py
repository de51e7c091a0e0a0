"""The guarantees of a run on a Keras backend other than TensorFlow, checked on one backend per
test module: test_backends_jax.py and test_backends_torch.py set BACKEND and take these tests
with `from backend_checks import *` (two modules, so that two pytest-xdist workers share them).

A backend is fixed per process, so the runs are made in the backend's own environment (.venv-jax,
.venv-torch; `make test` installs both), once per module and shared: v2 killed by SIGTERM after an
epoch, in a process of its own (the behaviour is the process's); then, in one process
(backend_driver.py, each command as `main(argv)`), v2 straight through, the killed command again
(it resumes), and v1 and v3 small."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import signal
import subprocess

import pytest

from conftest import INSTALLED, ROOT, wait_for
from mnist_repro.outputs import analysis, formats
from mnist_repro.outputs.run_record import RunRecord
from test_first_minute import NOISE, user_env
from test_resume import EXACT, saved_epoch

__all__ = ["backend", "run_env", "backend_runs", "test_a_run_writes_every_deliverable_and_names_its_backend",
           "test_the_same_command_twice_writes_the_same_bytes_across_a_kill_and_resume"]

# Whole batches of 128 only: on JAX each other batch or chunk shape is one more XLA compilation.
SMALL = ("--limit", "256", "--epochs", "2", "--seed", "11")  # v1 and v3: every deliverable
# v2 is also the run killed and resumed: an epoch of 1,024 images lasts long enough (a second or more)
# that a SIGTERM sent once epoch 1's checkpoint appears lands before epoch 3 is saved.
V2 = ("--limit", "1024", "--epochs", "3", "--seed", "11")
V2_EPOCHS = 3


def python(name: str):
    return ROOT / f".venv-{name}" / "bin" / "python"


def needs_environment(name: str):
    """Skip a module's tests where its backend's environment is missing (pytest run directly); under
    make test, which installs it, they run and fail."""
    return pytest.mark.skipif(not python(name).exists() and not INSTALLED["all"],
                              reason=f".venv-{name} is not installed: `make test` installs it "
                                     f"(or `make .venv-{name}/.installed`)")


def arguments(name: str, version: int, out) -> list[str]:
    return ["run", "--version", str(version), *(V2 if version == 2 else SMALL), "--backend", name, "--out", str(out)]


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


@dataclasses.dataclass
class Runs:
    killed: subprocess.CompletedProcess  # v2, sent SIGTERM once epoch 1's checkpoint was saved
    interrupted_at: int  # the epoch its checkpoint held when it stopped
    left_deliverables: bool  # whether it wrote a ver_2 folder (it must not)
    driver: subprocess.CompletedProcess  # the one process of the commands below (its own stderr)
    done: dict  # "v1", "v2", "v3", "resumed" -> (the ver_N folder, that command's CompletedProcess)


def kill_after_first_epoch(backend: str, run_env: dict, out) -> tuple[subprocess.CompletedProcess, int, bool]:
    process = subprocess.Popen([str(python(backend)), "-m", "mnist_repro", *arguments(backend, 2, out)], cwd=ROOT,
                               env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: saved_epoch(out / backend, 2) >= 1, process, timeout=400)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=120)
    return (subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr), saved_epoch(out / backend, 2),
            (out / backend / "ver_2").exists())


@pytest.fixture(scope="module")
def backend_runs(backend, run_env, tmp_path_factory) -> Runs:
    root = tmp_path_factory.mktemp(backend)
    killed, interrupted_at, left_deliverables = kill_after_first_epoch(backend, run_env, root / "resumed")
    versions = {"v2": 2, "resumed": 2, "v1": 1, "v3": 3}  # v2 first: the process is fresh, as a user's
    commands = [arguments(backend, version, root / name) for name, version in versions.items()]
    driver = subprocess.run([str(python(backend)), str(ROOT / "tests" / "backend_driver.py")], cwd=ROOT, env=run_env,
                            input=json.dumps(commands), capture_output=True, text=True, timeout=900)
    assert driver.returncode == 0 and driver.stdout, driver.stderr[-3000:]
    results = json.loads(driver.stdout.splitlines()[-1])
    done = {name: (root / name / backend / f"ver_{version}",
                   subprocess.CompletedProcess(command, result["returncode"], result["stdout"], result["stderr"]))
            for (name, version), command, result in zip(versions.items(), commands, results)}
    return Runs(killed, interrupted_at, left_deliverables, driver, done)


def locked_version(name: str) -> str:
    return re.search(rf"^{name}==(\S+)", (ROOT / "lock" / f"{name}.txt").read_text(), re.M).group(1)


@pytest.mark.parametrize("version", [1, 2, 3])
def test_a_run_writes_every_deliverable_and_names_its_backend(backend, backend_runs, version):
    folder, done = backend_runs.done[f"v{version}"]
    assert done.returncode == 0, done.stderr[-3000:]
    assert not NOISE.search(done.stderr + done.stdout), done.stderr
    assert not NOISE.search(backend_runs.driver.stderr), backend_runs.driver.stderr  # the backend's import
    assert "note:" not in done.stdout  # keras.json agrees with --backend
    assert not (folder.parent.parent / f"ver_{version}").exists()  # beside TensorFlow's, never in its place
    record = RunRecord.read(folder)
    pages = max(1, math.ceil(record.results.test_errors / analysis.PAGE))
    gallery = {"misclassified.png", *(f"misclassified_{page}.png" for page in range(2, pages + 1))}
    assert sorted(path.name for path in folder.iterdir()) == sorted({*formats.REQUIRED_FILES, "confusion_matrix.png",
                                                                     *gallery})
    assert all((folder / name).stat().st_size > 0 for name in formats.REQUIRED_FILES)
    env = record.environment
    assert record.settings.backend == env["backend"] == backend
    assert env["backend_version"] == locked_version(backend)  # the locked library computed it
    names = f"Keras {env['keras']} on {backend} {env['backend_version']}"
    made_by = [line for line in (folder / "README.md").read_text().splitlines() if line.startswith("Made by")]
    assert len(made_by) == 1 and f"{names} (tf.data from TensorFlow {env['tensorflow']})" in made_by[0]
    assert f"--backend {backend}" in made_by[0]
    assert f"Using {names} (the batches from TensorFlow" in (folder / "console.output").read_text()
    assert len(formats.read_history(folder / "history.csv")) == RunRecord.read(folder).settings.epochs


def test_the_same_command_twice_writes_the_same_bytes_across_a_kill_and_resume(backend_runs):
    """The same v2 command in two processes: once straight through, once killed by SIGTERM after an
    epoch and then run again, which resumes. Byte-identical label files and history.csv say both that
    the bytes repeat from one process to the next (the first epoch was trained by the killed process)
    and that the resume is exact."""
    killed, interrupted_at = backend_runs.killed, backend_runs.interrupted_at
    assert killed.returncode == 130, killed.stderr[-3000:]
    assert "Traceback" not in killed.stderr and "interrupted: run the same command again to resume" in killed.stderr
    assert 1 <= interrupted_at < V2_EPOCHS and not backend_runs.left_deliverables

    (straight, first), (resumed, again) = backend_runs.done["v2"], backend_runs.done["resumed"]
    assert first.returncode == again.returncode == 0, (first.stderr + again.stderr)[-3000:]
    assert f"resuming version 2 from epoch {interrupted_at}" in again.stdout
    for name in EXACT:
        assert (resumed / name).read_bytes() == (straight / name).read_bytes(), name
    assert not (resumed.parent / ".checkpoints" / "ver_2").exists()
