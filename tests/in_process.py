"""The CLI's `main(argv)` in the calling process, with stdout and stderr captured: the same exit
code and lines as `python -m mnist_repro ARGS`, without a new Python and TensorFlow. Plain Python
(no pytest): conftest.py's `run_cli` uses it in the pytest process, backend_driver.py in a backend's
own environment."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path


def call_main(*args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """One command in this process. Keras's session is cleared first (when Keras is loaded), so a run
    builds, names and seeds its layers as in a fresh process (the same bytes)."""
    from mnist_repro.__main__ import main

    if "keras" in sys.modules:
        sys.modules["keras"].backend.clear_session()
    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_argv = dict(os.environ), sys.argv
    os.environ.pop("MNIST_NPZ", None)
    os.environ.update({key: str(value) for key, value in (env or {}).items()})
    # As `python -m mnist_repro ARGS` has it: the program name in messages, the command in metrics.json.
    sys.argv = ["__main__.py", *map(str, args)]
    try:
        with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(arg) for arg in args])
            except SystemExit as exit_:  # argparse's errors and --help
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
                if isinstance(exit_.code, str):
                    err.write(exit_.code)
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        sys.argv = saved_argv
    return subprocess.CompletedProcess(["mnist_repro", *map(str, args)], code, out.getvalue(), err.getvalue())
