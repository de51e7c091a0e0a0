"""The fast loop's guard (`make test-fast`, pytest's `--fast`): while it runs, training a model or
starting a process raises, and is remembered, so that a test that did either fails even where it
caught the error. The tests that must do so carry `@pytest.mark.slow` and are left out of the loop.

Process starts are seen through Python's audit events (`sys.addaudithook`: every subprocess, exec,
spawn and fork of the interpreter) and `multiprocessing`'s `Process.start`; training through
`keras.Model.fit`, the one door of every Keras training. Two programs may run: `git` (the tests
read the committed files) and `uname` (Python's `platform.processor()` asks it, once per process).
"""

from __future__ import annotations

import multiprocessing.process
import sys
from pathlib import Path

PROCESS_EVENTS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty"}
ALLOWED = {"git", "uname"}

seen: list[str] = []


class SlowInFastLoop(RuntimeError):
    pass


def refuse(what: str) -> None:
    seen.append(what)
    raise SlowInFastLoop(f"make test-fast: this test {what}; mark it @pytest.mark.slow")


def program(args: tuple) -> str:
    """The program a subprocess.Popen event starts: its executable, else the first word of its args."""
    executable, argv = args[0], args[1]
    if executable is None:
        executable = argv.split()[0] if isinstance(argv, (str, bytes)) else next(iter(argv), "")
    return Path(executable.decode() if isinstance(executable, bytes) else str(executable)).name


def audit(event: str, args: tuple) -> None:
    if event not in PROCESS_EVENTS:
        return
    if event == "subprocess.Popen" and program(args) in ALLOWED:
        return
    refuse(f"starts a process ({event}: {program(args) if event == 'subprocess.Popen' else args[:1]})")


def start() -> None:
    """Arm the guard for the whole session (an audit hook cannot be removed: the process is pytest's)."""
    from mnist_repro import backend

    keras = backend.load()  # TensorFlow's import, once, so that every fit below is the guarded one

    def fit(self, *args, **kwargs):
        refuse(f"trains a model ({type(self).__name__}.fit)")

    def start_process(self):
        refuse(f"starts a process (multiprocessing: {type(self).__name__})")

    keras.Model.fit = fit
    multiprocessing.process.BaseProcess.start = start_process
    sys.addaudithook(audit)


def check() -> None:
    """After a test: fail it if it did what the loop leaves out, even where it caught the error."""
    if seen:
        done = list(seen)
        seen.clear()
        raise SlowInFastLoop(f"make test-fast: this test {done[0]} (caught by the test); mark it @pytest.mark.slow")
