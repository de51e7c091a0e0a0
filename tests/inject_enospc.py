"""Run `python -m mnist_repro ARGS` with a disk that fills: `python inject_enospc.py FOLDER BYTES ARGS...`.

Every file opened for writing under FOLDER shares a budget of BYTES; the write that passes it
raises OSError(ENOSPC), as a full disk does. Python-level writers only (open, io.open: pathlib,
zipfile, numpy, Pillow, matplotlib), so it runs anywhere, with no mount and no root.
"""

import builtins
import errno
import io
import os
import runpy
import sys

folder, budget = os.path.abspath(sys.argv[1]), [int(sys.argv[2])]
real_open = io.open


class FillingFile:
    def __init__(self, handle):
        self._handle = handle

    def write(self, data):
        if len(data) > budget[0]:
            budget[0] = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        budget[0] -= len(data)
        return self._handle.write(data)

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __iter__(self):
        return iter(self._handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.__exit__(*exc)


def filling_open(file, mode="r", *args, **kwargs):
    handle = real_open(file, mode, *args, **kwargs)
    path = os.path.abspath(os.fsdecode(file)) if isinstance(file, (str, bytes, os.PathLike)) else ""
    if any(flag in mode for flag in "wax+") and path.startswith(folder + os.sep):
        return FillingFile(handle)
    return handle


builtins.open = io.open = filling_open
sys.argv = ["mnist_repro", *sys.argv[3:]]
runpy.run_module("mnist_repro", run_name="__main__", alter_sys=True)
