"""The 2018 stack for `make v1-gap`'s 2018-stack arm: CPython 3.6, pip 21.3.1, TensorFlow 1.12.0 and
Keras 2.2.4 (requirements-tf112.txt), locked with hashes in lock/tf112.txt and installed in .venv-tf112.

    python lock/tf112.py lock            # writes lock/tf112.txt (make lock-tf112)
    python lock/tf112.py install [VENV]  # VENV (.venv-tf112) from the lock, hash-checked; nothing if done

uv, which writes the other locks, does not resolve for Python 3.6, so this lock is pip's: pip 21.3.1, the
last pip for 3.6, downloads the pins and their dependencies from PyPI into a temporary folder, and each
file's SHA-256 is computed from the file downloaded (what `pip hash` prints). TensorFlow 1.12.0's wheels
stop at CPython 3.6, so the lock holds one file per package, for CPython 3.6 on Linux x86_64.

The install makes a venv with CPython 3.6, whose own pip (18.1, from the interpreter's ensurepip)
installs the locked pip 21.3.1, which installs the rest; both through install.py, so a hash that does
not match stops it in one line, and the half-made venv is removed. CPython 3.6 is found through
PYTHON36=/path/to/python3.6, or else as pyenv's newest 3.6; without one, a line says how to get one.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOCK = HERE / "tf112.txt"
WANTED = HERE.parent / "requirements-tf112.txt"
VENV = HERE.parent / ".venv-tf112"
PYPI = "https://pypi.org/simple"
GET_ONE = ("set PYTHON36=/path/to/python3.6, or install one with pyenv (`pyenv install 3.6.15`): TensorFlow "
           "1.12.0's wheels are for CPython 3.6 at the newest")


class NoPython36(Exception):
    """No CPython 3.6 found; the message says how to get one."""


def is_python36(python: str) -> bool:
    try:
        done = subprocess.run([python, "-c", "import sys; print(sys.version_info[:2] == (3, 6))"],
                              capture_output=True, text=True, timeout=60)
    except OSError:
        return False
    return done.stdout.strip() == "True"


def pyenv_python36() -> str | None:
    """pyenv's newest CPython 3.6, if pyenv is on PATH and has one."""
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=60).stdout.strip()
    except OSError:
        return None
    found = sorted(Path(root).glob("versions/3.6.*/bin/python3.6"),
                   key=lambda path: [int(part) for part in re.findall(r"\d+", path.parents[1].name)]) if root else []
    return str(found[-1]) if found else None


def find_python36() -> str:
    named = os.environ.get("PYTHON36")
    if named:
        if not is_python36(named):
            raise NoPython36(f"PYTHON36={named} is not a CPython 3.6 interpreter; {GET_ONE}")
        return named
    found = pyenv_python36()
    if not found:
        raise NoPython36(f"no CPython 3.6 found (PYTHON36 is not set, and no pyenv on PATH has one); {GET_ONE}")
    return found


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pin_of(file: Path) -> tuple[str, str]:
    """(name, version) from a wheel's or an sdist's file name (a wheel's name has no '-' of its own)."""
    stem = re.sub(r"(\.tar\.gz|\.zip|\.whl)$", "", file.name)
    name, version = stem.split("-")[:2] if file.name.endswith(".whl") else stem.rsplit("-", 1)
    return canonical(name), version


def lock_text(files: list[Path]) -> str:
    """The lock: each downloaded file's pin and the SHA-256 computed from the file itself."""
    lines = ["# The 2018 stack of `make v1-gap`'s 2018-stack arm: CPython 3.6 on Linux x86_64, one file per package.",
             "# Written by `make lock-tf112` (lock/tf112.py) from requirements-tf112.txt: pip 21.3.1 downloaded",
             "# each file from PyPI, and its hash is computed from that file. Installed by lock/tf112.py install."]
    for file in sorted(files, key=lambda path: pin_of(path)):
        name, version = pin_of(file)
        lines += [f"{name}=={version} \\", f"    --hash=sha256:{hashlib.sha256(file.read_bytes()).hexdigest()}"]
    return "\n".join(lines) + "\n"


def entry(text: str, name: str) -> str:
    """One package's lines of a lock (its pin and its hashes), or '' when the lock has none."""
    found = re.search(rf"^{re.escape(name)}==\S+ \\\n(?:\s+--hash=\S+(?: \\)?\n?)+", text, re.M)
    return found.group(0) if found else ""


def pip_run(python: str, *args: str, env: dict | None = None) -> None:
    done = subprocess.run([python, "-m", "pip", *args], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"error: pip {args[0]} failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")


def lock(python36: str) -> None:
    # PyPI's files only: no pip configuration, local wheel folder or extra index of this machine.
    env = {key: value for key, value in os.environ.items() if key not in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL",
                                                                            "PIP_INDEX_URL", "PIP_CONSTRAINT")}
    env["PIP_CONFIG_FILE"] = os.devnull
    pip = re.search(r"^pip==\S+", WANTED.read_text(), re.M).group(0)
    with tempfile.TemporaryDirectory() as folder:
        venv, files = Path(folder) / "venv", Path(folder) / "files"
        subprocess.run([python36, "-m", "venv", str(venv)], check=True)
        python = str(venv / "bin" / "python")
        pip_run(python, "download", "-q", "--no-deps", "--index-url", PYPI, "-d", str(files), pip, env=env)
        pip_run(python, "install", "-q", "--no-index", "--find-links", str(files), pip, env=env)
        pip_run(python, "download", "-q", "--index-url", PYPI, "-d", str(files), "-r", str(WANTED), env=env)
        LOCK.write_text(lock_text(sorted(files.iterdir())))
    print(f"wrote {LOCK.relative_to(HERE.parent)}: {len(re.findall('^[a-z0-9-]+==', LOCK.read_text(), re.M))} packages")


def install(python36: str, venv: Path, lock_file: Path = LOCK, *pip_options: str) -> int:
    """venv from the lock; a venv installed from this very lock is kept as it is."""
    text = lock_file.read_text()
    stamp, wanted = venv / ".installed", hashlib.sha256(text.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return 0
    shutil.rmtree(venv, ignore_errors=True)
    print(f"installing {venv.name} from {lock_file.name} with {python36} (the 2018 stack; lock/tf112.py)", flush=True)
    subprocess.run([python36, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    with tempfile.TemporaryDirectory() as folder:
        steps = [lock_file]
        if entry(text, "pip"):  # the locked pip first, by the venv's own: it installs the rest
            steps.insert(0, Path(folder) / "pip.txt")
            steps[0].write_text(entry(text, "pip"))
        for step in steps:
            done = subprocess.run([sys.executable, str(HERE / "install.py"), python, str(step), *pip_options])
            if done.returncode != 0:
                shutil.rmtree(venv, ignore_errors=True)  # nothing half-installed is left to be taken for the stack
                return done.returncode
    stamp.write_text(wanted)
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] not in (["lock"], ["install"]) or len(argv) > (1 if argv[0] == "lock" else 2):
        print("usage: python lock/tf112.py lock | install [VENV]", file=sys.stderr)
        return 2
    try:
        python36 = find_python36()
    except NoPython36 as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if argv[0] == "lock":
        lock(python36)
        return 0
    return install(python36, Path(argv[1]) if len(argv) == 2 else VENV)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
