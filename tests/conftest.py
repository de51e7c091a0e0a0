"""Shared helpers: the real CLI in a subprocess, and the verified MNIST cache that `make data` made."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # the tests import the same code the CLI runs


def cli_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("MNIST_NPZ", None)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return env


def run_cli(*args, timeout=300, cwd=ROOT, env=None) -> subprocess.CompletedProcess:
    """`python -m mnist_repro ARGS` as a user would run it; stdout and stderr captured.
    `env` adds variables to the test environment."""
    return subprocess.run([sys.executable, "-m", "mnist_repro", *map(str, args)], cwd=cwd,
                          env={**cli_env(), **(env or {})}, capture_output=True, text=True, timeout=timeout)


def call_cli(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    """The CLI's `main(argv)` in this process, as `run_cli` would run it, without starting a Python and
    importing TensorFlow again: the same exit code, stdout and stderr. For what is not about a process."""
    import contextlib
    import io
    import signal

    from mnist_repro.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    sigterm = signal.getsignal(signal.SIGTERM)  # main() installs its own; give pytest's back
    try:
        with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(arg) for arg in args])
            except SystemExit as exit_:  # argparse's errors and --help
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
                if isinstance(exit_.code, str):
                    err.write(exit_.code)
    finally:
        signal.signal(signal.SIGTERM, sigterm)
    return subprocess.CompletedProcess(["mnist_repro", *map(str, args)], code, out.getvalue(), err.getvalue())


def assert_one_line_error(done: subprocess.CompletedProcess, *fragments: str) -> str:
    assert done.returncode != 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


def wait_for(condition, process, timeout=240):
    """Poll until `condition()` holds while `process` (a Popen) still runs; fail if it ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(f"the run ended before the awaited moment: {process.communicate()[1][-2000:]}")
        time.sleep(0.01)
    process.kill()
    pytest.fail("timed out waiting for the awaited moment")


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    path = ROOT / "data" / "mnist.npz"
    assert path.exists(), "run `make data` first (make test does it)"
    return path


@pytest.fixture(scope="session")
def mnist(mnist_path):
    from mnist_repro import data

    return data.read_npz(mnist_path)
