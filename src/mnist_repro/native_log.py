"""TensorFlow's C++ log lines at import, held to TF_CPP_MIN_LOG_LEVEL on every CPU kind.

Why a filter and not only the variable: TensorFlow 2.21 logs "oneDNN custom operations are on"
(tensorflow/core/util/port.cc, once per native library that checks IsMklEnabled) through Abseil's
LOG while the library loads, before anything has called absl::InitializeLog(). Abseil then writes
every message, INFO included, straight to stderr, with its banner "WARNING: All log messages before
absl::InitializeLog() is called are written to STDERR"; TF_CPP_MIN_LOG_LEVEL only governs TSL's own
logger (which is why cpu_feature_guard's INFO line does obey it). TensorFlow turns oneDNN on by
default only on CPUs with AVX512-VNNI, AVX512-BF16 or AMX, so the lines appear there and not on an
AVX2-only CPU, and TF_ENABLE_ONEDNN_OPTS=1 brings them to any CPU (tensorflow/tensorflow#100442
reports the variable not silencing import-time lines).

So, while `tensorflow` itself is first imported (directly or through keras), file descriptor 2 goes
through a pipe, and a thread passes on every line except Abseil/TSL log lines below the level
TF_CPP_MIN_LOG_LEVEL asks for, and the banner. Warnings and errors at or above the level, Python's
own messages and anything unrecognised pass unchanged and at once. TF_CPP_MIN_LOG_LEVEL=0 installs
no filter at all: every line comes back.
"""

from __future__ import annotations

import importlib.abc
import os
import re
import sys
import threading

BANNER = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
# Abseil's prefix ("I0000 00:00:1796138250.459894    2329 port.cc:153] ...") and TSL's older one
# ("2026-01-30 22:44:42.456316: I tensorflow/core/util/port.cc:153] ...").
_ABSL = re.compile(r"^([IWEF])\d{4} [\d:.]+ +\d+ \S+:\d+\] ")
_TSL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: ([IWEF]) \S+:\d+\] ")
_SEVERITY = {"I": 0, "W": 1, "E": 2, "F": 3}


def min_level() -> int:
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))
    except ValueError:
        return 0


def keep(line: str, level: int) -> bool:
    """Whether a stderr line written during TensorFlow's import reaches the user."""
    if line.rstrip("\n") == BANNER:
        return level == 0
    match = _ABSL.match(line) or _TSL.match(line)
    if match is None:
        return True  # not a native log line: Python's warnings, tracebacks, anything else
    return _SEVERITY[match.group(1)] >= level or match.group(1) == "F"


class _FilteredStderr:
    """Routes file descriptor 2 through `keep` until closed; lines pass as soon as they end."""

    def __init__(self, level: int):
        self.level = level
        self.saved = os.dup(2)
        read_end, write_end = os.pipe()
        sys.stderr.flush()
        os.dup2(write_end, 2)
        os.close(write_end)
        self.thread = threading.Thread(target=self._pass_on, args=(read_end,), daemon=True)
        self.thread.start()

    def _pass_on(self, read_end: int) -> None:
        with os.fdopen(read_end, "r", errors="replace") as lines:
            for line in lines:
                if keep(line, self.level):
                    os.write(self.saved, line.encode())

    def close(self) -> None:
        sys.stderr.flush()
        os.dup2(self.saved, 2)  # the pipe's last write end closes here, so the thread sees its end
        self.thread.join(timeout=10)
        os.close(self.saved)


class _QuietLoader(importlib.abc.Loader):
    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def __getattr__(self, name):  # resource readers and the like come from the real loader
        return getattr(self.loader, name)

    def exec_module(self, module):
        module.__loader__ = module.__spec__.loader = self.loader
        filtered = _FilteredStderr(min_level())
        try:
            self.loader.exec_module(module)
        finally:
            filtered.close()


class _TensorFlowFinder(importlib.abc.MetaPathFinder):
    """Finds `tensorflow` as the rest of sys.meta_path would, and wraps its loader once."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "tensorflow":
            return None
        sys.meta_path.remove(self)  # only the first import loads the native libraries
        for finder in sys.meta_path:
            spec = finder.find_spec(fullname, path, target) if hasattr(finder, "find_spec") else None
            if spec is not None and spec.loader is not None:
                spec.loader = _QuietLoader(spec.loader)
                return spec
        return None


def install() -> None:
    """Filter TensorFlow's first import in this process, unless it already happened or the user
    asked for every line (TF_CPP_MIN_LOG_LEVEL=0)."""
    if "tensorflow" in sys.modules or min_level() <= 0:
        return
    if not any(isinstance(finder, _TensorFlowFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _TensorFlowFinder())
