"""Which TensorFlow wheel `make install` puts in .venv, and from which lock: the one place that knows.

`python lock/tensorflow_wheel.py` prints the wheel for this machine with the pin of
requirements.txt (`make tensorflow-choice`); `python lock/tensorflow_wheel.py install VENV_PYTHON
WHEEL [LOCK ...]` says which wheel, removes its twin if installed, and installs WHEEL's run lock
(with the other LOCKs, a Keras backend's, in the same call) through install.py;
`python lock/tensorflow_wheel.py locks` prints NAME:WHEEL for each wheel's run lock
lock/run-NAME.txt, which `make lock` writes. All three wheels are the same TensorFlow pin:
- `tensorflow[and-cuda]` where `nvidia-smi -L` lists a GPU: TensorFlow's CUDA libraries come with it;
- `tensorflow-cpu` on Linux x86_64 without one: the same build, minus the CUDA probe and its
  "failed call to cuInit" lines;
- plain `tensorflow` elsewhere (macOS, aarch64), where no tensorflow-cpu wheel exists.
"""

from __future__ import annotations

import platform
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# wheel -> (its run lock from the checkout's root, why it was chosen, its twin: the other wheel
# that installs the same package)
WHEELS = {
    "tensorflow[and-cuda]": ("lock/run-cuda.txt", "nvidia-smi lists a GPU; runs will use it", "tensorflow-cpu"),
    "tensorflow-cpu": ("lock/run-cpu.txt", "no NVIDIA GPU found; the CPU build", "tensorflow"),
    "tensorflow": ("lock/run-default.txt", None, "tensorflow-cpu"),
}


def wheel_for(gpu_listed: bool, system: str, machine: str) -> str:
    if gpu_listed:
        return "tensorflow[and-cuda]"
    return "tensorflow-cpu" if (system, machine) == ("Linux", "x86_64") else "tensorflow"


def gpu_listed() -> bool:
    """Whether `nvidia-smi -L` lists a GPU: a driver that is installed but not loaded lists none."""
    try:
        done = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return any(line.startswith("GPU") for line in done.stdout.splitlines())


def pin() -> str:
    return re.search(r"^tensorflow==(\S+)$", (HERE.parent / "requirements.txt").read_text(), re.M).group(1)


def choice() -> str:
    """This machine's wheel with the pin, as `make install` records it in .venv/.tensorflow-wheel."""
    return f"{wheel_for(gpu_listed(), platform.system(), platform.machine())}=={pin()}"


def locks() -> list[str]:
    """NAME:WHEEL for each wheel, its run lock being lock/run-NAME.txt (the loop of `make lock`)."""
    return [f"{Path(lock).stem.removeprefix('run-')}:{wheel}" for wheel, (lock, _, _) in WHEELS.items()]


def install(python: str, choice: str, *more_locks: str) -> int:
    lock, why, twin = WHEELS[choice.split("==")[0]]
    print(f"TensorFlow: {choice}" + (f" ({why})" if why else ""), flush=True)
    installer = [sys.executable, str(HERE / "install.py"), python]
    # The twin installs the same `tensorflow` package: never keep both.
    removed = subprocess.run([*installer, "--remove", twin], cwd=HERE.parent)
    if removed.returncode != 0:
        return removed.returncode
    # Every package from the lock of this wheel, hash-checked (lock/README.md).
    return subprocess.run([*installer, lock, *more_locks], cwd=HERE.parent).returncode


if __name__ == "__main__":
    if sys.argv[1:2] == ["install"] and len(sys.argv) >= 4:
        sys.exit(install(*sys.argv[2:]))
    if sys.argv[1:] == ["locks"]:
        print("\n".join(locks()))
        sys.exit(0)
    if len(sys.argv) > 1:
        sys.exit("usage: python lock/tensorflow_wheel.py [locks | install VENV_PYTHON WHEEL [LOCK ...]]")
    print(choice())
