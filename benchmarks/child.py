"""Run one child process to completion and time it: the measuring primitive of `make bench`
(bench.py's rows and full_run.py's whole run both use it)."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(argv: list[str], env: dict) -> tuple[int, str, str, float, float]:
    """Run a child to completion: exit code, stdout, stderr, wall seconds, peak RSS in MiB."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(argv, env=env, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0), err.seek(0)
        return child.returncode, out.read().decode(), err.read().decode(), wall, usage.ru_maxrss / 1024
