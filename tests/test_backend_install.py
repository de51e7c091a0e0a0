"""The other Keras backends' environments: lock/torch.txt holds PyTorch's CPU wheel and names only
PyTorch's index; `make run BACKEND=jax|torch` installs .venv-jax or .venv-torch from the locks on
first use and runs there, BACKEND=tensorflow keeps .venv and the command of before, a bad BACKEND
stops make in one line; lock/install.py names PyTorch's index when torch is found nowhere; lock/layer.py
lets such an environment see .venv's run packages after its own. The environments themselves are
installed by hand, not here (minutes)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, load_script
from test_lock import LOCK, load_install

TORCH_CPU_SHA256 = "6746dbcbeb526eb61330b76b41ff1b4eb848951103a892eeb080dfa2b264667b"  # PyTorch's index lists it
TORCH_PAGE = "https://download.pytorch.org/whl/cpu/torch/"
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
# make's own variables of an outer make (make test runs this suite) would make these a sub-make.
OWN_MAKE = {name: value for name, value in os.environ.items() if not name.startswith("MAKE") and name != "MFLAGS"}


def plan(*args: str) -> list[str]:
    """What `make -n ARGS` would run; -W marks both backend locks new, so an environment installed
    here is planned as if it were not."""
    done = subprocess.run(["make", "-n", "-W", "lock/jax.txt", "-W", "lock/torch.txt", *args], cwd=ROOT,
                          env=OWN_MAKE, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [line.rstrip() for line in done.stdout.splitlines()]


@pytest.mark.slow
def test_the_torch_lock_is_the_cpu_wheel_for_linux_from_pytorchs_index():
    text = (LOCK / "torch.txt").read_text()
    entry = re.search(r"^torch==(\S+) \\\n((?:\s+--hash=\S+(?: \\)?\n)+)", text, re.M)
    assert entry and entry.group(1) == "2.13.0+cpu", text[:400]
    assert re.findall(r"sha256:([0-9a-f]{64})", entry.group(2)) == [TORCH_CPU_SHA256]
    assert "Linux x86_64" in text.split("\n--find-links")[0]
    assert re.findall(r"^--\S+.*$", text, re.M) == [f"--find-links {TORCH_PAGE}"]


@pytest.mark.parametrize("name", ["Makefile", *sorted(path.name for path in LOCK.glob("*.txt"))])
def test_no_machine_path_is_committed(name):
    text = (ROOT / name if name == "Makefile" else LOCK / name).read_text()
    assert not re.search(r"(?<![\w.])/(opt|work|home|tmp|root|Users)/", text), name
    assert name != "Makefile" or f"TORCH_WHEELS ?= $(TORCH_PAGE)" in text and f"TORCH_PAGE := {TORCH_PAGE}" in text


def local_wheel_folders() -> list[Path]:
    """The find-links folders of this machine's pip (its environment and config), where they exist."""
    listed = os.environ.get("PIP_FIND_LINKS", "").split()
    shown = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True).stdout
    listed += [value for key, value in re.findall(r"^(\S*find-links)='(.*)'$", shown, re.M) for value in value.split()]
    return sorted({Path(value.removeprefix("file://")) for value in listed if Path(value.removeprefix("file://")).is_dir()})


@pytest.mark.slow
def test_a_local_torch_wheel_is_the_file_locked():
    """Every local copy of the one wheel lock/torch.txt pins has its hash (other wheels of torch are not locked)."""
    name = "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"
    wheels = [folder / name for folder in local_wheel_folders() if (folder / name).is_file()]
    if not wheels:
        pytest.skip(f"no local folder holds {name}: pip gets it from PyTorch's index")
    for wheel in wheels:
        digest = hashlib.sha256()
        with wheel.open("rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
        assert digest.hexdigest() == TORCH_CPU_SHA256, wheel


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_a_run_on_a_backend_installs_its_environment_then_runs_there(backend):
    lines = plan("run", "VERSION=1", f"BACKEND={backend}")
    venv = f".venv-{backend}"
    steps = [f"test -x {venv}/bin/python || python3 -m venv {venv}",
             f"python3 lock/layer.py {venv}/bin/python .venv/bin/python",
             f"python3 lock/install.py {venv}/bin/python lock/{backend}.txt",
             f"{venv}/bin/python -m pip install -q --no-deps -e .", f"touch {venv}/.installed",
             f"{venv}/bin/python -m mnist_repro run --version 1 --backend {backend}"]
    assert [line for line in lines if line in steps] == steps, lines
    assert lines[-1] == steps[-1]


@pytest.mark.slow
def test_a_backend_environment_sees_the_run_packages_after_its_own(tmp_path):
    """lock/layer.py on two bare environments: a module of the backend's own wins over .venv's, one
    only .venv has imports, a .pth file of .venv's (the editable project's kind) works, and of a
    distribution in both the backend's own version is the one recorded."""
    pythons = {}
    for name in ("run", "backend"):
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / name)], check=True)
        pythons[name] = str(tmp_path / name / "bin" / "python")
        packages = load_script("lock/layer.py").site_packages(pythons[name])
        (packages / "both.py").write_text(f"WHERE = {name!r}\n")
        version = "1.0" if name == "run" else "2.0"
        (packages / f"dup-{version}.dist-info").mkdir()
        (packages / f"dup-{version}.dist-info" / "METADATA").write_text(f"Metadata-Version: 2.1\nName: dup\nVersion: {version}\n")
        if name == "run":
            (packages / "run_only.py").write_text("WHERE = 'run'\n")
            (tmp_path / "elsewhere").mkdir()
            (tmp_path / "elsewhere" / "via_pth.py").write_text("WHERE = 'pth'\n")
            (packages / "extra.pth").write_text(str(tmp_path / "elsewhere") + "\n")
    done = subprocess.run([sys.executable, str(ROOT / "lock" / "layer.py"), pythons["backend"], pythons["run"]],
                          capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    probe = ("import both, run_only, via_pth; from mnist_repro import environment; "
             "print(both.WHERE, run_only.WHERE, via_pth.WHERE, environment.distributions()['dup'])")
    seen = subprocess.run([pythons["backend"], "-c", probe], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert seen.stdout.split() == ["backend", "run", "pth", "2.0"], seen.stderr


@pytest.mark.slow
def test_layering_over_a_missing_environment_is_one_line(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "lock" / "layer.py"), sys.executable, str(tmp_path / "none" / "python")],
                          capture_output=True, text=True)
    assert done.returncode == 1 and done.stdout == "", done.stdout
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: could not layer ") and "run `make install` first" in lines[0], done.stderr


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
    assert "python3 lock/install.py .venv-torch/bin/python lock/torch.txt" in lines


@pytest.mark.slow
@pytest.mark.parametrize("goal", ["run", "reproduce"])
@pytest.mark.parametrize("backend", ["bogus", "jax torch", ""])
def test_a_bad_backend_stops_make_in_one_line(tmp_path, goal, backend):
    # The Makefile and a version alone, with PYTHON=false: were the check to let it through, nothing could run.
    shutil.copy(ROOT / "Makefile", tmp_path)
    (tmp_path / "src" / "mnist_repro" / "versions").mkdir(parents=True)
    (tmp_path / "src" / "mnist_repro" / "versions" / "v1.py").write_text("")
    done = subprocess.run(["make", goal, "VERSION=1", f"BACKEND={backend}", "PYTHON=false"], cwd=tmp_path,
                          env=OWN_MAKE, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == "", done.stdout
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and f"BACKEND={backend} is not a Keras backend" in lines[0], done.stderr
    assert lines[0].endswith("use one of: tensorflow jax torch.  Stop.")


@pytest.mark.slow
def test_distclean_removes_the_backend_environments_and_git_ignores_them():
    removed = subprocess.run(["make", "-n", "distclean"], cwd=ROOT, env=OWN_MAKE, capture_output=True, text=True).stdout
    assert re.search(r"^rm -rf .*\.venv-jax .venv-torch ", removed, re.M), removed
    ignored = subprocess.run(["git", "check-ignore", ".venv-jax/x", ".venv-torch/x"], cwd=ROOT, capture_output=True, text=True)
    assert ignored.stdout.split() == [".venv-jax/x", ".venv-torch/x"]


def test_the_torch_lock_names_pytorchs_index_when_torch_is_found_nowhere():
    install = load_install()
    stderr = "ERROR: Could not find a version that satisfies the requirement torch==2.13.0+cpu (from versions: 2.13.0)\n" \
             "ERROR: No matching distribution found for torch==2.13.0+cpu\n"
    line = install.one_line(stderr, str(LOCK / "torch.txt"))
    assert line.startswith("error: installing ") and "No matching distribution found for torch==2.13.0+cpu" in line
    assert f"on PyPI or on {TORCH_PAGE}" in line and "\n" not in line
