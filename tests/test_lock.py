"""The locked environment: every pin of the short requirement lists is in its lock at the same
version, every locked package carries hashes, and a damaged hash stops the install in one line; a
lock's own location that this machine cannot reach is quiet when the install works, and named when a
package is found nowhere."""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, load_script

LOCK = ROOT / "lock"
# Which lock holds each short list's pins (the run's list is in each TensorFlow wheel's lock).
LOCKS_OF = {"requirements.txt": ["run-cpu.txt", "run-cuda.txt", "run-default.txt", "keras2.txt"],
            "requirements-demo.txt": ["demo.txt"], "requirements-test.txt": ["test.txt"],
            "requirements-cluster.txt": ["cluster.txt"], "requirements-study.txt": ["study.txt"],
            "requirements-keras2.txt": ["keras2.txt"], "requirements-jax.txt": ["jax.txt"],
            "requirements-torch.txt": ["torch.txt"], "requirements-tf112.txt": ["tf112.txt"]}
# scipy and the numpy it shares with the run; jax, jaxlib and their four; every other lock has 10 or more
MIN_PACKAGES = {"study.txt": 2, "jax.txt": 6}
# The locks resolved against the CPU run lock (`-c lock/run-cpu.txt` in make lock).
AGAINST_THE_RUN = ["demo.txt", "test.txt", "cluster.txt", "study.txt", "jax.txt", "torch.txt"]
WHEELS = load_script("lock/tensorflow_wheel.py").WHEELS  # wheel -> (its run lock, ...): the one table
# The package each run lock pins TensorFlow as: the wheel without its extras.
WHEEL_OF_RUN_LOCK = {lock.removeprefix("lock/"): wheel.split("[")[0] for wheel, (lock, _, _) in WHEELS.items()}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text: str) -> dict[str, set[str]]:
    """name -> versions pinned (a universal lock may pin two, each under its own marker)."""
    found: dict[str, set[str]] = {}
    for match in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", text, re.M):
        found.setdefault(canonical(match.group(1)), set()).add(match.group(2))
    return found


@pytest.mark.parametrize("short", sorted(LOCKS_OF))
def test_every_pin_is_in_its_lock_at_the_same_version(short):
    wanted = pins((ROOT / short).read_text())
    assert wanted, short
    for lock_name in LOCKS_OF[short]:
        locked = pins((LOCK / lock_name).read_text())
        for name, versions in wanted.items():
            if name == "tensorflow" and lock_name in WHEEL_OF_RUN_LOCK:
                name = WHEEL_OF_RUN_LOCK[lock_name]  # the same pin, as the wheel make install chooses
            assert locked.get(name) == versions, f"{short} pins {name}=={versions}; {lock_name} has {locked.get(name)}"


@pytest.mark.parametrize("lock_name", sorted(path.name for path in LOCK.glob("*.txt")))
def test_every_locked_package_has_a_hash(lock_name):
    entries = re.split(r"\n(?=[A-Za-z0-9])", (LOCK / lock_name).read_text())
    packages = [entry for entry in entries if re.match(r"[A-Za-z0-9][^\n]*==", entry)]
    assert len(packages) >= MIN_PACKAGES.get(lock_name, 10), lock_name
    for entry in packages:
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", entry), entry.splitlines()[0]


def test_the_run_locks_differ_only_by_the_tensorflow_wheel():
    cpu, cuda = pins((LOCK / "run-cpu.txt").read_text()), pins((LOCK / "run-cuda.txt").read_text())
    assert "tensorflow-cpu" in cpu and "tensorflow" not in cpu
    assert any(name.startswith("nvidia-") for name in cuda) and "tensorflow-cpu" not in cuda
    shared = set(cpu) & set(cuda)
    assert {name: cpu[name] for name in shared} == {name: cuda[name] for name in shared}


@pytest.mark.slow
def test_make_lock_writes_one_run_lock_per_wheel():
    done = subprocess.run([sys.executable, "lock/tensorflow_wheel.py", "locks"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    pairs = [line.split(":", 1) for line in done.stdout.splitlines()]  # NAME:WHEEL, as the lock loop reads them
    assert sorted(wheel for _, wheel in pairs) == sorted(WHEELS)
    assert sorted(f"run-{name}.txt" for name, _ in pairs) == sorted(path.name for path in LOCK.glob("run-*.txt"))


@pytest.mark.parametrize("lock_name", ["run-cpu.txt", "run-cuda.txt", "run-default.txt"])
def test_make_install_brings_no_extra(lock_name):
    """What a run needs only: the extras' own packages (SciPy, FastAPI, Dask, pytest) install on first use."""
    locked = pins((LOCK / lock_name).read_text())
    for extra in ("demo", "test", "cluster", "study"):
        own = set(pins((ROOT / f"requirements-{extra}.txt").read_text()))
        assert not own & set(locked), f"{lock_name} pins {sorted(own & set(locked))} of the {extra} extra"


@pytest.mark.parametrize("lock_name", AGAINST_THE_RUN)
def test_an_extra_keeps_the_versions_of_the_run_lock(lock_name):
    run, extra = pins((LOCK / "run-cpu.txt").read_text()), pins((LOCK / lock_name).read_text())
    shared = set(run) & set(extra)
    assert {name: extra[name] for name in shared} == {name: run[name] for name in shared}
    assert lock_name != "jax.txt" or {"numpy", "ml-dtypes", "opt-einsum"} <= shared  # the check has something to check


def tiny_wheel(folder) -> tuple:
    """A real, installable wheel made here (no network): its path and its true SHA-256."""
    path = folder / "mnist_repro_lock_probe-1.0-py3-none-any.whl"
    files = {"mnist_repro_lock_probe.py": "",
             "mnist_repro_lock_probe-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: mnist-repro-lock-probe\nVersion: 1.0\n",
             "mnist_repro_lock_probe-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "".join(f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(body.encode()).digest()).rstrip(b'=').decode()},{len(body)}\n"
                     for name, body in files.items()) + "mnist_repro_lock_probe-1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as archive:
        for name, body in {**files, "mnist_repro_lock_probe-1.0.dist-info/RECORD": record}.items():
            archive.writestr(name, body)
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_a_damaged_hash_stops_the_install_in_one_line(tmp_path):
    wheel, true_hash = tiny_wheel(tmp_path)
    damaged = "0" * 64
    lock = tmp_path / "lock.txt"
    lock.write_text(f"mnist-repro-lock-probe==1.0 \\\n    --hash=sha256:{damaged}\n")
    done = subprocess.run([sys.executable, str(LOCK / "install.py"), sys.executable, str(lock),
                           "--no-index", "--find-links", str(tmp_path)],  # the wheel stands in for PyPI's
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: mnist-repro-lock-probe"), done.stderr
    assert f"expected sha256 {damaged[:12]}" in lines[0] and f"got {true_hash[:12]}" in lines[0]
    assert "make lock" in lines[0] and "Traceback" not in done.stderr
    assert subprocess.run([sys.executable, "-c", "import mnist_repro_lock_probe"]).returncode != 0  # not installed


def probe_lock(tmp_path: Path, version: str) -> tuple[Path, list[str]]:
    """A lock of the probe wheel whose own --find-links is a place that refuses connections, as PyTorch's
    index is from a machine without it; and the pip options that stand in for PyPI and keep it short."""
    wheel, true_hash = tiny_wheel(tmp_path)
    lock = tmp_path / "lock.txt"
    lock.write_text(f"--find-links http://127.0.0.1:9/whl/\nmnist-repro-lock-probe=={version} \\\n    --hash=sha256:{true_hash}\n")
    return lock, ["--dry-run", "--no-index", "--find-links", str(wheel.parent), "--retries", "1"]


def load_install():
    return load_script("lock/install.py")


@pytest.mark.slow
def test_an_unreachable_location_of_the_lock_is_quiet_when_the_install_works(tmp_path):
    lock, options = probe_lock(tmp_path, "1.0")
    raw = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--require-hashes", "-r", lock, *options],
                         capture_output=True, text=True, timeout=120)
    assert raw.returncode == 0 and "WARNING: Retrying (Retry(" in raw.stderr  # the noise the filter is for
    assert not [line for line in raw.stderr.splitlines() if not load_install().NOISE.match(line)], raw.stderr
    done = subprocess.run([sys.executable, str(LOCK / "install.py"), sys.executable, str(lock), *options],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_pip_is_not_sent_to_a_location_that_does_not_answer(tmp_path):
    install = load_install()
    lock, _ = probe_lock(tmp_path, "1.0")
    lock.write_text(f"--find-links {tmp_path}\n" + lock.read_text())
    (tmp_path / "copy").mkdir()
    copy = Path(install.without_unreachable(str(lock), str(tmp_path / "copy")))
    assert copy != lock and copy.read_text() == lock.read_text().replace("--find-links http://127.0.0.1:9/whl/\n", "")
    assert install.without_unreachable(str(copy), str(tmp_path / "copy")) == str(copy)  # a folder is kept, as is


@pytest.mark.slow
def test_a_package_found_nowhere_names_the_locks_own_location_and_what_to_do(tmp_path):
    lock, options = probe_lock(tmp_path, "2.0")
    done = subprocess.run([sys.executable, str(LOCK / "install.py"), sys.executable, str(lock), *options],
                          capture_output=True, text=True, timeout=120)
    lines = done.stderr.splitlines()
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: installing {lock} failed: No matching distribution found for mnist-repro-lock-probe==2.0")
    assert "on PyPI or on http://127.0.0.1:9/whl/" in lines[0] and "PIP_FIND_LINKS=FOLDER" in lines[0]
