"""A disk that fills: every file opened for writing under FOLDER shares a budget of BYTES, and the
write that passes it raises OSError(ENOSPC), as a full disk does. Python-level writers only (open,
io.open: pathlib, zipfile, numpy, Pillow, matplotlib), so it runs anywhere, with no mount and no root.

In the test process: `with filling_disk(folder, budget): ...`. As a process, for what only a process
shows (a crash at interpreter exit): `python inject_enospc.py FOLDER BYTES ARGS...` runs
`python -m mnist_repro ARGS` that way.
"""

import builtins
import contextlib
import errno
import io
import os
import runpy
import sys


class FillingFile:
    def __init__(self, handle, budget):
        self._handle, self._budget = handle, budget

    def write(self, data):
        if len(data) > self._budget[0]:
            self._budget[0] = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._budget[0] -= len(data)
        return self._handle.write(data)

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __iter__(self):
        return iter(self._handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.__exit__(*exc)


@contextlib.contextmanager
def filling_disk(folder, budget: int):
    folder, left, real_open = os.path.abspath(folder), [int(budget)], io.open

    def filling_open(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        path = os.path.abspath(os.fsdecode(file)) if isinstance(file, (str, bytes, os.PathLike)) else ""
        if any(flag in mode for flag in "wax+") and path.startswith(folder + os.sep):
            return FillingFile(handle, left)
        return handle

    builtins.open = io.open = filling_open
    try:
        yield
    finally:
        builtins.open = io.open = real_open


if __name__ == "__main__":
    disk, size = sys.argv[1], int(sys.argv[2])
    sys.argv = ["mnist_repro", *sys.argv[3:]]
    with filling_disk(disk, size):
        runpy.run_module("mnist_repro", run_name="__main__", alter_sys=True)
