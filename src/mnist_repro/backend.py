"""Where Keras and TensorFlow are first imported: `keras = backend.load("tensorflow")`.

The paths that train or infer call `load` before any of the modules that import keras or tensorflow
(the versions' models, training/, outputs/, environment.py): a run, from the CLI or the API, in
training/fitting.py (a bench child, benchmarks/keras_worker.py, calls it first itself), MNIST from
Keras's download in data.py, predict, analyze, verify and the demo in use/predict.py. Those modules'
`import keras` lines then find the module already loaded. `load` does three things in order,
because each must happen before Keras is first imported:

1. It sets KERAS_BACKEND to the backend asked for (Keras reads it once, at its first import). If
   Keras is already loaded on another backend in this process, that is one line of error.
2. It sets TF_CPP_MIN_LOG_LEVEL to 2 (warnings and errors) unless the user set it: TensorFlow's C++
   INFO lines (oneDNN and CPU-feature notices) are noise for this tool. TF_CPP_MIN_LOG_LEVEL=0
   brings every line back.
3. It imports Keras, and TensorFlow where it is installed, with file descriptor 2 passed through a
   line filter (`filtered_stderr`). Why a filter and not only the variable: TensorFlow 2.21 logs
   "oneDNN custom operations are on" (tensorflow/core/util/port.cc, once per native library that
   checks IsMklEnabled) through Abseil's LOG while the library loads, before anything has called
   absl::InitializeLog(). Abseil then writes every message, INFO included, straight to stderr, with
   its banner "WARNING: All log messages before absl::InitializeLog() is called are written to
   STDERR"; TF_CPP_MIN_LOG_LEVEL only governs TSL's own logger (which is why cpu_feature_guard's
   INFO line does obey it). TensorFlow turns oneDNN on by default only on CPUs with AVX512-VNNI,
   AVX512-BF16 or AMX, so the lines appear there and not on an AVX2-only CPU, and
   TF_ENABLE_ONEDNN_OPTS=1 brings them to any CPU (tensorflow/tensorflow#100442 reports the
   variable not silencing import-time lines). On the JAX and torch backends `import keras` does not
   import TensorFlow, but `keras.utils.set_random_seed` does when it is installed: so TensorFlow is
   imported here, inside the filter, on every backend.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import re
import sys
import threading
from pathlib import Path

from .errors import BackendConflict, missing_extra

NAMES = ("tensorflow", "jax", "torch")  # Keras 3's backends; TensorFlow is the report's
DEFAULT = "tensorflow"

BANNER = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
# Abseil's prefix ("I0000 00:00:1796138250.459894    2329 port.cc:153] ...") and TSL's older one
# ("2026-01-30 22:44:42.456316: I tensorflow/core/util/port.cc:153] ...").
_ABSL = re.compile(r"^([IWEF])\d{4} [\d:.]+ +\d+ \S+:\d+\] ")
_TSL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: ([IWEF]) \S+:\d+\] ")
_SEVERITY = {"I": 0, "W": 1, "E": 2, "F": 3}


def load(name: str | None = None):
    """Keras on the backend `name` ("tensorflow", "jax", "torch"), imported quietly; the module.

    `name=None` keeps Keras's own choice (KERAS_BACKEND, then ~/.keras/keras.json, then
    TensorFlow), or the backend already loaded in this process."""
    loaded = sys.modules.get("keras")
    if loaded is not None:
        if name is not None and loaded.backend.backend() != name:
            raise BackendConflict(f"Keras is already loaded on the {loaded.backend.backend()} backend in this "
                                  f"process, so it cannot switch to {name}; start a new process for {name}")
        return loaded
    if name is not None:
        os.environ["KERAS_BACKEND"] = name
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with filtered_stderr(min_level()):
        if importlib.util.find_spec("tensorflow") is not None:
            importlib.import_module("tensorflow")
        return importlib.import_module("keras")


def setting(name: str) -> dict:
    """The run setting that names a backend (for api.run_argv); none for TensorFlow, whose commands
    stay as they were."""
    return {} if name == DEFAULT else {"backend": name}


def require(name: str) -> None:
    """Fail in one line, before anything loads, when the backend's library is not installed."""
    if importlib.util.find_spec(name) is None:
        missing = ModuleNotFoundError(f"No module named {name!r}", name=name)
        raise missing_extra(missing) or missing  # TensorFlow itself missing is a broken install


def configured() -> tuple[str, str] | None:
    """The backend that Keras itself would choose here, and who says so: KERAS_BACKEND, else the
    "backend" of keras.json in KERAS_HOME (default ~/.keras); None where neither names one."""
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"], "KERAS_BACKEND"
    config = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "keras.json"
    try:
        chosen = json.loads(config.read_text()).get("backend")
    except (OSError, ValueError, AttributeError):
        return None
    return (chosen, str(config)) if isinstance(chosen, str) and chosen else None


def min_level() -> int:
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))
    except ValueError:
        return 0


def keep(line: str, level: int) -> bool:
    """Whether a stderr line written during the import reaches the user."""
    if line.rstrip("\n") == BANNER:
        return level == 0
    match = _ABSL.match(line) or _TSL.match(line)
    if match is None:
        return True  # not a native log line: Python's warnings, tracebacks, anything else
    return _SEVERITY[match.group(1)] >= level or match.group(1) == "F"


@contextlib.contextmanager
def filtered_stderr(level: int):
    """Route file descriptor 2 through `keep` while the block runs; each line passes on as soon as
    it ends. Level 0 (every line wanted) routes nothing."""
    if level <= 0:
        yield
        return
    saved = os.dup(2)
    read_end, write_end = os.pipe()
    sys.stderr.flush()
    os.dup2(write_end, 2)
    os.close(write_end)

    def pass_on() -> None:
        with os.fdopen(read_end, "r", errors="replace") as lines:
            for line in lines:
                if keep(line, level):
                    os.write(saved, line.encode())

    thread = threading.Thread(target=pass_on, daemon=True)
    thread.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)  # the pipe's last write end closes here, so the thread reads its end
        thread.join(timeout=10)
        os.close(saved)
