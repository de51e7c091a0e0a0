"""The install layer around the interpreter and the Keras backends: make checks the Python first
(CPython 3.11 to 3.13; any python3, a 3.6 or a 3.14 included, gets one line, or a supported one
found on PATH), each environment is whole and its own (no environment joined to another, TensorFlow
hard-linked once), lock/torch.txt holds PyTorch's CPU wheel for CPython 3.11 on Linux x86_64 only
and elsewhere `--backend torch` says so in one line, `make run BACKEND=jax|torch` makes .venv-jax or
.venv-torch on first use and runs there, a bad BACKEND stops make in one line. The environments
themselves are installed by `make test`, not here (minutes)."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, assert_one_line_error, call_cli
from mnist_repro import backend
from test_lock import LOCK, load_install

TORCH_PAGE = "https://download.pytorch.org/whl/cpu/torch/"
ENVIRONMENTS = (".venv", ".venv-jax", ".venv-torch", ".venv-bench")
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
# make's own variables of an outer make (make test runs this suite) would make these a sub-make.
OWN_MAKE = {name: value for name, value in os.environ.items() if not name.startswith("MAKE") and name != "MFLAGS"}


@functools.cache
def interpreter() -> str:
    """The interpreter make runs its steps with here (`make python-choice`: "CPython X.Y.Z PATH")."""
    done = subprocess.run(["make", "-s", "python-choice"], cwd=ROOT, env=OWN_MAKE, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("CPython 3."), done.stderr
    return done.stdout.split(" ", 2)[2].strip()


def plan(*args: str) -> list[str]:
    """What `make -n ARGS` would run; -W marks both backend locks new, so an environment installed
    here is planned as if it were not."""
    done = subprocess.run(["make", "-n", "-W", "lock/jax.txt", "-W", "lock/torch.txt", *args], cwd=ROOT,
                          env=OWN_MAKE, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [line.rstrip() for line in done.stdout.splitlines()]


def torch_entry() -> re.Match:
    text = (LOCK / "torch.txt").read_text()
    entry = re.search(r"^torch==(\S+) ; (.+?) \\\n((?:\s+--hash=\S+(?: \\)?\n)+)", text, re.M)
    assert entry, text[:600]
    return entry


def test_the_torch_lock_holds_one_cpu_wheel_where_the_backend_says_it_does():
    version, marker, hashes = torch_entry().groups()
    python, system, machine = backend.TORCH_LOCKED
    assert version == "2.13.0+cpu" and len(re.findall(r"sha256:[0-9a-f]{64}", hashes)) == 1
    assert marker == f'python_version == "{python}" and sys_platform == "{system}" and platform_machine == "{machine}"'
    assert re.findall(r"^--\S+.*$", (LOCK / "torch.txt").read_text(), re.M) == [f"--find-links {TORCH_PAGE}"]


@pytest.mark.parametrize("name", ["Makefile", ".ci/run", *sorted(f"lock/{path.name}" for path in LOCK.iterdir()
                                                                 if path.suffix in (".txt", ".py", ".sh"))])
def test_no_machine_path_is_committed(name):
    text = (ROOT / name).read_text()
    assert not re.search(r"(?<![\w.])/(opt|work|home|tmp|root|Users)/", text), name
    assert name != "Makefile" or f"TORCH_WHEELS ?= $(TORCH_PAGE)" in text and f"TORCH_PAGE := {TORCH_PAGE}" in text


@pytest.mark.slow
def test_a_local_torch_wheel_is_the_file_locked():
    """The wheel of this machine's pip find-links folders (carried into uv), where one holds the
    locked one: its SHA-256, computed here, is the lock's."""
    folders = load_install().pip_settings(sys.executable).get("find-links", [])
    python, _, machine = backend.TORCH_LOCKED
    tag = f"cp{python.replace('.', '')}-cp{python.replace('.', '')}-manylinux_2_28_{machine}"
    wheels = [wheel for folder in folders for wheel in Path(folder.removeprefix("file://")).glob(f"torch-2.13.0+cpu-{tag}.whl")]
    if not wheels:
        pytest.skip(f"no pip find-links folder holds torch-2.13.0+cpu-{tag}.whl: uv gets it from PyTorch's index")
    locked = re.findall(r"sha256:([0-9a-f]{64})", torch_entry().group(3))
    for wheel in wheels:
        digest = hashlib.sha256()
        with wheel.open("rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
        assert digest.hexdigest() in locked, wheel


@pytest.mark.parametrize("python, system, machine, locked", [
    ("3.11.7", "linux", "x86_64", True), ("3.11.2", "linux", "x86_64", True), ("3.12.1", "linux", "x86_64", False),
    ("3.13.0", "linux", "x86_64", False), ("3.11.7", "darwin", "arm64", False), ("3.11.7", "linux", "aarch64", False)])
def test_torch_is_unlocked_where_the_lock_has_no_wheel_and_the_line_names_both_pythons(python, system, machine, locked):
    reason = backend.unlocked("torch", python, system, machine)
    assert (reason is None) == locked
    assert locked or (f"CPython {python} on {system} {machine}" in reason and "only for CPython 3.11 on linux x86_64" in reason
                      and "PYTHON=python3.11" in reason and "\n" not in reason)
    assert backend.unlocked("jax", python, system, machine) is None


def test_run_backend_torch_without_a_locked_wheel_is_one_line_before_anything_loads(tmp_path, monkeypatch):
    if importlib.util.find_spec("torch") is not None:
        pytest.skip("torch is installed in this environment")
    monkeypatch.setattr(backend.platform, "python_version", lambda: "3.12.1")
    done = call_cli("run", "--version", "1", "--backend", "torch", "--out", tmp_path / "out")
    assert_one_line_error(done, backend.unlocked("torch", "3.12.1"))
    assert done.returncode == 1 and done.stdout == "" and not (tmp_path / "out").exists()


def test_on_the_locked_python_no_backend_test_is_skipped():
    """Where torch's wheel is locked (CPython 3.11 on Linux x86_64) and `make test` made the backends'
    environments, neither backend's tests carry a skip mark."""
    from backend_checks import needs_environment, python

    if not all(python(name).exists() for name in ("jax", "torch")):
        pytest.skip(".venv-jax or .venv-torch is not installed: `make test` installs them")
    for name in ("jax", "torch"):
        skipped = needs_environment(name).args[0]
        assert skipped == (backend.unlocked(name) is not None), name


@pytest.mark.slow
def test_each_environment_is_whole_and_its_own():
    """Each environment `make test` made runs the interpreter .venv records, imports TensorFlow from
    its own site-packages (no .pth joins it to another's), and shares TensorFlow's files with .venv
    as hard links (on disk once)."""
    made = [name for name in ENVIRONMENTS if (ROOT / name / ".installed").exists()]
    if not made:
        pytest.skip("no environment is installed: `make install` and `make test` make them")
    recorded = (ROOT / ".venv" / ".python").read_text().split(" ", 2)[1]
    probe = ("import importlib.util, platform, sys, sysconfig; print(platform.python_version()); "
             "print(importlib.util.find_spec('tensorflow').origin); print(sysconfig.get_path('purelib'))")
    inodes = set()
    for name in made:
        seen = subprocess.run([str(ROOT / name / "bin" / "python"), "-c", probe], capture_output=True, text=True, timeout=60)
        version, origin, packages = seen.stdout.split()
        assert version == recorded and Path(origin).is_relative_to(packages), (name, seen.stdout, seen.stderr)
        for pth in Path(packages).glob("*.pth"):
            joined = [line for line in pth.read_text().splitlines() if "site-packages" in line or "addsitedir" in line]
            assert not joined, (pth, joined)
        inodes.add(Path(origin).stat().st_ino)
    assert len(inodes) == 1, inodes


def makefile_copy(tmp_path) -> Path:
    """The Makefile and the interpreter check alone, in a folder of their own: what make does with a
    Python before it installs anything."""
    (tmp_path / "lock").mkdir(parents=True)
    shutil.copy(ROOT / "Makefile", tmp_path)
    shutil.copy(ROOT / "lock" / "interpreter.sh", tmp_path / "lock")
    return tmp_path


def path_with(tmp_path, python3: str | None, **others: str | None) -> dict:
    """An environment whose PATH starts with python3 (a link to `python3`, or a stub that says it is
    CPython 3.14.0) and python3.11, python3.12, python3.13 (links named in `others`, else stubs that
    exit 127, as pyenv's shims of versions not selected do)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("python3", "python3.11", "python3.12", "python3.13"):
        target = python3 if name == "python3" else others.get(name.replace(".", "_"))
        if target:
            (bin_dir / name).symlink_to(target)
        else:
            (bin_dir / name).write_text("#!/bin/sh\necho 'CPython 3.14.0 /stub/python3.14'\n" if name == "python3" else
                                        "#!/bin/sh\necho 'pyenv: python3.x: command not found' >&2\nexit 127\n")
            (bin_dir / name).chmod(0o755)
    return {**OWN_MAKE, "PATH": f"{bin_dir}{os.pathsep}{OWN_MAKE['PATH']}"}


def pyenv_python(version: str) -> str | None:
    """pyenv's own CPython `version` (3.10, 3.6) where this machine has one."""
    root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip() if shutil.which("pyenv") else ""
    found = sorted(Path(root).glob(f"versions/{version}.*/bin/python{version}")) if root else []
    return str(found[-1]) if found else None


@pytest.mark.slow
@pytest.mark.parametrize("old", [None, "3.10", "3.6"], ids=["stub-3.14", "3.10", "3.6"])
def test_an_unsupported_python3_stops_make_in_one_line_before_anything_is_installed(tmp_path, old):
    python3 = pyenv_python(old) if old else None
    if old and python3 is None:
        pytest.skip(f"no CPython {old} from pyenv here")
    folder = makefile_copy(tmp_path / "checkout")
    done = subprocess.run(["make", "install"], cwd=folder, env=path_with(tmp_path, python3), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == "", done.stdout
    lines = done.stderr.splitlines()
    described = f"CPython {old}." if old else "CPython 3.14.0"
    assert len(lines) == 1 and f"*** python3 is {described}" in lines[0] and "Traceback" not in lines[0], done.stderr
    assert "CPython 3.11, 3.12 or 3.13" in lines[0] and "PYTHON=" in lines[0] and lines[0].endswith(".  Stop.")
    assert sorted(path.name for path in folder.iterdir()) == ["Makefile", "lock"]  # nothing made


@pytest.mark.slow
def test_an_unsupported_python3_falls_back_to_a_supported_one_on_path_in_one_line(tmp_path):
    here = os.path.realpath(sys.executable)
    name = f"python3_{sys.version_info.minor}"
    done = subprocess.run(["make", "-s", "python-choice"], cwd=makefile_copy(tmp_path / "checkout"),
                          env=path_with(tmp_path, None, **{name: here}), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == f"CPython {sys.version.split()[0]} {here}\n", done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("note: python3 is CPython 3.14.0, which this project cannot use; "
                                                   f"using python3.{sys.version_info.minor} (CPython "), done.stderr


@pytest.mark.slow
def test_a_python_named_by_the_user_is_never_replaced(tmp_path):
    env = path_with(tmp_path, None, **{f"python3_{sys.version_info.minor}": os.path.realpath(sys.executable)})
    named = tmp_path / "bin" / "python3"  # the stub: CPython 3.14.0
    done = subprocess.run(["make", "-s", "python-choice", f"PYTHON={named}"], cwd=makefile_copy(tmp_path / "checkout"),
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == "" and len(done.stderr.splitlines()) == 1, done.stderr
    assert f"*** PYTHON={named} is CPython 3.14.0; this project needs CPython 3.11, 3.12 or 3.13" in done.stderr


@pytest.mark.slow
def test_another_python_makes_dotvenv_again(tmp_path):
    folder = makefile_copy(tmp_path / "checkout")
    (folder / ".venv").mkdir()
    (folder / ".venv" / ".python").write_text("CPython 3.12.1 /elsewhere/python3.12\n")
    (folder / ".venv" / "left-over").write_text("")
    done = subprocess.run(["make", ".venv/.python"], cwd=folder, env=OWN_MAKE, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(".venv is not CPython 3.") and "making it again" in done.stdout
    assert sorted(path.name for path in (folder / ".venv").iterdir()) == [".python"]
    assert (folder / ".venv" / ".python").read_text().split(" ", 2)[2].strip() == interpreter()


@pytest.mark.slow
@pytest.mark.parametrize("backend_name", ["jax", "torch"])
def test_a_run_on_a_backend_makes_its_environment_then_runs_there(backend_name):
    lines = plan("run", "VERSION=1", f"BACKEND={backend_name}")
    venv = f".venv-{backend_name}"
    steps = [f"rm -rf {venv}", f"{interpreter()} -m venv {venv}",
             f'{interpreter()} lock/tensorflow_wheel.py install {venv}/bin/python "$(cat .venv/.tensorflow-wheel)" '
             f"lock/{backend_name}.txt", f"{interpreter()} lock/install.py {venv}/bin/python --project",
             f"touch {venv}/.installed", f"{venv}/bin/python -m mnist_repro run --version 1 --backend {backend_name}"]
    assert [line for line in lines if line in steps] == steps, lines
    assert lines[-1] == steps[-1]


@pytest.mark.slow
def test_tensorflow_keeps_dotvenv_and_the_command_of_before():
    for args in (["run", "VERSION=1"], ["run", "VERSION=1", "BACKEND=tensorflow"]):
        lines = plan(*args)
        assert lines[-1] == ".venv/bin/python -m mnist_repro run --version 1", lines
        assert not any(".venv-jax" in line or ".venv-torch" in line for line in lines)


@pytest.mark.slow
def test_reproduce_passes_the_backend_and_reports_from_dotvenv():
    lines = plan("reproduce", "BACKEND=torch", "SEEDS=2", "VERSIONS=1")
    assert lines[-2:] == ['.venv-torch/bin/python -m mnist_repro reproduce --seeds 2 --versions "1" --backend torch',
                          ".venv/bin/python -m mnist_repro report"], lines
    assert f"{interpreter()} lock/install.py .venv-torch/bin/python --project" in lines


@pytest.mark.slow
@pytest.mark.parametrize("goal", ["run", "reproduce"])
@pytest.mark.parametrize("backend_name", ["bogus", "jax torch", ""])
def test_a_bad_backend_stops_make_in_one_line(tmp_path, goal, backend_name):
    # The Makefile and a version alone, with PYTHON=false: were the check to let it through, nothing could run.
    shutil.copy(ROOT / "Makefile", tmp_path)
    (tmp_path / "src" / "mnist_repro" / "versions").mkdir(parents=True)
    (tmp_path / "src" / "mnist_repro" / "versions" / "v1.py").write_text("")
    done = subprocess.run(["make", goal, "VERSION=1", f"BACKEND={backend_name}", "PYTHON=false"], cwd=tmp_path,
                          env=OWN_MAKE, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == "", done.stdout
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and f"BACKEND={backend_name} is not a Keras backend" in lines[0], done.stderr
    assert lines[0].endswith("use one of: tensorflow jax torch.  Stop.")


@pytest.mark.slow
def test_distclean_removes_every_environment_and_git_ignores_them():
    removed = subprocess.run(["make", "-n", "distclean"], cwd=ROOT, env=OWN_MAKE, capture_output=True, text=True).stdout
    line = next(line for line in removed.splitlines() if line.startswith("rm -rf .venv "))
    names = [*ENVIRONMENTS, ".venv-uv", ".venv-keras2"]
    assert set(names) <= set(line.split()), line
    ignored = subprocess.run(["git", "check-ignore", *(f"{name}/x" for name in names)], cwd=ROOT, capture_output=True, text=True)
    assert ignored.stdout.split() == [f"{name}/x" for name in names]


def test_the_torch_lock_names_pytorchs_index_when_torch_is_found_nowhere():
    stderr = ("error: No solution found when resolving dependencies\n  cause: Because torch was not found in the "
              "provided package locations and you require torch==2.13.0+cpu, we can conclude that your requirements "
              "are unsatisfiable.\n")
    line = load_install().one_line(stderr, "installing lock/torch.txt", [str(LOCK / "torch.txt")])
    assert line.startswith("error: installing lock/torch.txt failed: torch was found nowhere: not on PyPI nor on "
                           f"{TORCH_PAGE}") and "PIP_FIND_LINKS=FOLDER" in line and "\n" not in line


def test_pyprojects_pythons_are_the_ones_the_interpreter_check_accepts():
    """requires-python (which the README's generated line renders) and lock/interpreter.sh's patterns
    name the same CPythons: 3.11 to 3.13."""
    import tomllib

    supported = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    accepted = sorted(int(minor) for minor in re.findall(r'"CPython 3\.(\d+)\."\*', (ROOT / "lock" / "interpreter.sh").read_text()))
    assert accepted == [11, 12, 13] and supported == f">=3.{accepted[0]},<3.{accepted[-1] + 1}"
