"""Several `mnist-repro` commands, one after another, in one process of a backend's environment
(`.venv-jax/bin/python tests/backend_driver.py`): Keras's backend is fixed per process, so
backend_checks.py starts this once per backend rather than a Python, TensorFlow and the backend for
each run. Reads a JSON list of argument lists on stdin; prints, as its last line, a JSON list of
{"returncode", "stdout", "stderr"}, one per command, in their order."""

import json
import sys
from pathlib import Path

from in_process import call_main

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    done = [call_main(*args, cwd=ROOT) for args in json.load(sys.stdin)]
    print(json.dumps([{"returncode": run.returncode, "stdout": run.stdout, "stderr": run.stderr} for run in done]))
