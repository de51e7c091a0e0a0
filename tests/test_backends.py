"""The Keras backend choice as the TensorFlow environment (.venv, no JAX, no torch) meets it: a missing
backend is one line before anything loads, a backend that KERAS_BACKEND or keras.json name other
than --backend is one note line, and each backend's speed settings; `make test` installs the
backend environments that test_backends_jax.py and test_backends_torch.py run in."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, assert_one_line_error, cli_env, run_cli
from test_backend_install import plan
from test_cli import NEVER_LOADED

PYTORCH_INDEX = "--extra-index-url https://download.pytorch.org/whl/cpu"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["jax", "torch"])
def test_a_missing_backend_is_one_line_before_tensorflow_loads(tmp_path, name):
    if importlib.util.find_spec(name) is not None:
        pytest.skip(f"{name} is installed in this environment")
    args = ("run", "--version", "1", "--backend", name, "--out", tmp_path / "out")
    done = run_cli(*args)
    line = assert_one_line_error(done, f"--backend {name} needs the optional '{name}' extra",
                                 f"`make run BACKEND={name}`", f"mnist-repro[{name}]")
    assert done.returncode == 1 and done.stdout == ""
    assert (PYTORCH_INDEX in line) == (name == "torch"), line  # PyTorch's CPU wheel is not on PyPI
    assert not (tmp_path / "out").exists()
    fresh = subprocess.run([sys.executable, "-c", NEVER_LOADED, *map(str, args)], cwd=ROOT, env=cli_env(),
                           capture_output=True, text=True, timeout=120)
    assert fresh.stdout.splitlines()[-1] == "exit 1, loaded []", fresh.stdout + fresh.stderr
    assert fresh.stderr == line + "\n"


@pytest.mark.parametrize("says, note", [
    ({"KERAS_BACKEND": "torch"}, "KERAS_BACKEND says torch"),
    ({"keras.json": "jax"}, "{keras_home}/keras.json says jax"),
], ids=["environment", "keras.json"])  # (where they agree, no note: backend_checks.py's runs)
@pytest.mark.slow
def test_a_backend_that_keras_would_choose_otherwise_is_one_note(tmp_path, monkeypatch, says, note):
    """--backend (here its default, tensorflow) decides; the run says so when Keras's own choice differs."""
    monkeypatch.delenv("KERAS_BACKEND", raising=False)  # backend.load sets it in this process
    keras_home = tmp_path / "keras"  # never the user's ~/.keras, which Keras fills on its first import
    keras_home.mkdir()
    if "keras.json" in says:
        (keras_home / "keras.json").write_text(json.dumps({"backend": says["keras.json"]}))
    env = {"KERAS_HOME": keras_home, **{key: value for key, value in says.items() if key == "KERAS_BACKEND"}}
    done = run_cli("run", "--version", 1, "--limit", 256, "--epochs", 1, "--out", tmp_path / "out", env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    notes = [line for line in done.stdout.splitlines() if line.startswith("note: running on")]
    assert notes == [f"note: running on tensorflow as --backend says; {note.format(keras_home=keras_home)}"], \
        done.stdout[:2000]
    assert "Using TensorFlow" in done.stdout
    assert notes == [line for line in (tmp_path / "out" / "ver_1" / "console.output").read_text().splitlines()
                     if line.startswith("note: running on")]


def test_torch_runs_one_step_per_call_and_jax_as_many_as_tensorflow():
    """Keras 3.15's torch trainer refuses steps_per_execution > 1; nothing else of the speed changes.
    (backend_settings imports neither torch nor JAX, which this environment lacks.)"""
    from mnist_repro.training import backend_settings, batches

    assert batches.FAST.steps_per_execution == 64
    assert backend_settings.speed("jax", "fast") == backend_settings.speed("tensorflow", "fast") == batches.FAST
    assert backend_settings.speed("torch", "fast") == dataclasses.replace(batches.FAST, steps_per_execution=1)
    assert all(backend_settings.speed(name, "plain") == batches.PLAIN for name in ("tensorflow", "jax", "torch"))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_test_installs_the_backend_environments():
    lines = plan("test")
    for name in ("jax", "torch"):
        assert f"python3 lock/install.py .venv-{name}/bin/python lock/{name}.txt" in lines, lines
    assert lines[-1].startswith(".venv/bin/python -m pytest"), lines
