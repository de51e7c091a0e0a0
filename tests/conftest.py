"""Shared helpers: the real CLI in a subprocess, and the verified MNIST cache that `make data` made.
The tests import the installed package (`make install` installs it editable from this checkout)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import fast_loop
from in_process import call_main
from mnist_repro import run_argv

ROOT = Path(__file__).resolve().parents[1]


def pytest_addoption(parser):
    parser.addoption("--fast", action="store_true",
                     help="the fast loop (make test-fast): only the tests not marked slow, and fail any that trains "
                          "a model or starts a process")
    parser.addoption("--all-installed", action="store_true",
                     help="make test installed every extra and the backends' environments: a missing one fails "
                          "the tests that need it instead of skipping them")


def pytest_configure(config):
    # `pytest -m docs` runs only the docs' checks (links, repository paths, generated blocks).
    config.addinivalue_line("markers", "docs: checks the docs: links and paths resolve, generated blocks are current")
    config.addinivalue_line("markers", "slow: trains a model, starts a process or labels all 70,000 images (make "
                                       "test-fast leaves it out); a test that uses small_runs is marked so by that use")
    if config.getoption("fast"):
        fast_loop.start()
    INSTALLED["all"] = config.getoption("all_installed")


INSTALLED = {"all": False}  # --all-installed, as make test passes it


def needs_installed(present: bool, what: str, module: bool = False) -> None:
    """Skip a test whose optional part is missing where pytest runs alone; under `make test`, which
    installs it, fail it instead, so that a broken install is not a row of skips."""
    if present:
        return
    if INSTALLED["all"]:
        pytest.fail(f"{what} is missing, though make test installs it", pytrace=False)
    pytest.skip(f"{what} is not installed (make test installs it)", allow_module_level=module)


# The slowest files first (as `pytest --durations` measured them on 2026-12-02), with xdist's own
# reordering off (`make test` passes --no-loadscope-reorder; xdist would put the files with the most
# tests first, and these have few): two workers then finish together, not one running a long file
# alone at the end. Only the order changes; the rest keep theirs.
SLOWEST_FIRST = ("test_resume.py", "test_first_minute.py", "test_full_disk.py", "test_cluster.py", "test_options.py",
                 "test_backends_torch.py", "test_backends_jax.py", "test_bad_input.py", "test_claims.py",
                 "test_reliability.py", "test_verify.py", "test_study.py", "test_serve.py")


def pytest_collection_modifyitems(config, items):
    place = {name: rank for rank, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: place.get(item.path.name, len(place)))  # a stable sort
    for item in items:
        if "small_runs" in item.fixturenames:  # it trains (once per session) what the test reads
            item.add_marker(pytest.mark.slow)
    if config.getoption("fast"):
        slow = [item for item in items if item.get_closest_marker("slow")]
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


@pytest.fixture(autouse=True)
def _fast_loop_guard(request):
    """In the fast loop, a test that trained or started a process fails, even where it caught the error."""
    yield
    if request.config.getoption("fast"):
        fast_loop.check()


def cli_env() -> dict:
    env = dict(os.environ)
    env.pop("MNIST_NPZ", None)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return env


def run_process(*args, timeout=300, cwd=ROOT, env=None) -> subprocess.CompletedProcess:
    """`python -m mnist_repro ARGS` in a new process, as a user would run it; stdout and stderr
    captured. `env` adds variables. Only for behaviour that is the process's own: signals, exit at
    a kill, locks between runs, the console's first lines, TensorFlow's import."""
    return subprocess.run([sys.executable, "-m", "mnist_repro", *map(str, args)], cwd=cwd,
                          env={**cli_env(), **(env or {})}, capture_output=True, text=True, timeout=timeout)


def run_cli(*args, timeout=None, cwd=ROOT, env=None) -> subprocess.CompletedProcess:
    """The CLI as `python -m mnist_repro ARGS` would run it, but in this process (`main(argv)` with
    stdout and stderr captured, `env` set for the call, in `cwd`): the same exit code and the same
    lines, without starting a Python and importing TensorFlow again. `timeout` is unused (kept so
    that a test can move between the two runners unchanged)."""
    return call_cli(*args, cwd=cwd, env=env)


_TF_STARTED = []


def _start_tensorflow_once() -> None:
    """Start TensorFlow's runtime with its default threads before any in-process run: a v1 run sets
    one intra-op thread when it is the first to start it, which would slow every later run here.
    (Thread counts change no result; backend_settings.configure_threads keeps them once started.)"""
    if not _TF_STARTED:
        import tensorflow as tf

        tf.constant(1) + 1
        _TF_STARTED.append(True)


def call_cli(*args, cwd=ROOT, env=None) -> subprocess.CompletedProcess:
    """The CLI's `main(argv)` in this process (in_process.call_main), TensorFlow's runtime started first."""
    _start_tensorflow_once()
    return call_main(*args, cwd=cwd, env=env)


def committed(path: str) -> str:
    """A file as committed (HEAD), not as the working tree has it: a user's own `make run` rewrites
    deliverables/ver_N/, and the tests that check the committed results must still hold then. Outside
    a git checkout (a tarball), the tree's file."""
    shown = subprocess.run(["git", "show", f"HEAD:{path}"], cwd=ROOT, capture_output=True, text=True)
    return shown.stdout if shown.returncode == 0 else (ROOT / path).read_text(encoding="utf-8")


def load_script(path: str):
    """A script of the checkout that is no package module (`benchmarks/results.py`), loaded from
    its path as the module it is when run, without adding its folder to sys.path."""
    spec = importlib.util.spec_from_file_location(Path(path).stem, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


# One small trained run per version, made once per pytest run and read by every test that only
# reads a trained folder (end to end, resume's uninterrupted reference, the speed settings).
SMALL_SETTINGS = {"limit": 640, "epochs": 3, "seed": 11}
SMALL_RUN = tuple(run_argv(1, **SMALL_SETTINGS)[6:])  # the same as `run`'s options: --limit 640 ...


class SmallRuns:
    """name -> (ver_N folder, the run's CompletedProcess); "2-plain" is v2 with `--speed plain`. Each
    run is made when a test first asks for it, once for all of pytest-xdist's workers: the first to
    ask makes it under a lock file in the folder they share, the others wait for it and read it.
    The folders are read-only to the tests."""

    RUNS = {"1": (1, ()), "2": (2, ()), "3": (3, ()), "2-plain": (2, ("--speed", "plain"))}

    def __init__(self, root: Path):
        self.root, self.made = root, {}
        root.mkdir(exist_ok=True)

    def __getitem__(self, name: str) -> tuple[Path, subprocess.CompletedProcess]:
        if name not in self.made:
            self.made[name] = self.make(name)
        return self.made[name]

    def make(self, name: str) -> tuple[Path, subprocess.CompletedProcess]:
        import fcntl
        import json

        version, extra = self.RUNS[name]
        out, record = self.root / f"small-run-{name}", self.root / f"small-run-{name}.json"
        args = ["run", "--version", str(version), *SMALL_RUN, "--out", str(out), *extra]
        with open(self.root / f"small-run-{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or when the worker dies
            if not record.exists():
                done = run_cli(*args)
                assert done.returncode == 0, done.stderr[-3000:]
                record.write_text(json.dumps({"stdout": done.stdout, "stderr": done.stderr}))
        return out / f"ver_{version}", subprocess.CompletedProcess(args, 0, **json.loads(record.read_text()))


@pytest.fixture(scope="session")
def small_runs(tmp_path_factory) -> SmallRuns:
    shared = tmp_path_factory.getbasetemp()  # under xdist, each worker's; its parent is the session's
    return SmallRuns((shared.parent if os.environ.get("PYTEST_XDIST_WORKER") else shared) / "small-runs")
