"""One run per checkpoint folder at a time: an flock on `ver_N.lock` beside it.

The OS drops the lock when the process dies, so a killed run's lock never blocks the next one;
the file names the owner's pid for the one-line refusal.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from .. import errors
from ..errors import AlreadyRunning

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; runs are simply not guarded there
    fcntl = None


@contextlib.contextmanager
def locked(folder: Path, what: str):
    """Hold an flock for the run; the OS drops it when the process dies, so stale locks vanish."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    path = folder.with_name(folder.name + ".lock")
    handle = open(path, "a+")
    if fcntl is not None:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            handle.seek(0)
            owner = handle.read().strip() or "unknown"
            handle.close()
            raise AlreadyRunning(f"{what} is already running (pid {owner}); wait for it to finish "
                                 f"or stop it, then run again") from None
    try:
        with errors.writing("the run's lock", folder.parent):
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
    except BaseException:
        with contextlib.suppress(OSError):
            handle.close()
            path.unlink()
            folder.parent.rmdir()  # only when empty
        raise
    try:
        yield
    finally:
        if not folder.exists():  # the run is complete: leave no empty lock or folder behind
            with contextlib.suppress(OSError):
                path.unlink()
                folder.parent.rmdir()  # only when empty
        handle.close()

