"""What the command line sets up in its own process, and a call from Python (the API, a notebook
kernel) never does: SIGTERM's handler, and the watch that ends a run whose parent died.

`python -m mnist_repro` and the `mnist-repro` script call `take_over()` once, before the command
runs; nothing else in the package installs a signal handler or starts a thread that outlives a call.
"""

from __future__ import annotations

import os
import signal
import threading
import time

# Set by a parent that starts a run and must not leave it training after it dies (the Dask task in
# study/cluster.py): its own pid. The run then ends when it is adopted by another parent.
PARENT_PID = "MNIST_REPRO_EXIT_WITH_PARENT"
WATCH_S = 0.5


def stop_like_ctrl_c(signum, frame) -> None:
    """SIGTERM (kill, a closing laptop) stops a run as Ctrl-C does: the KeyboardInterrupt reaches the
    command's one handler, which keeps the checkpoint and prints the line on resuming."""
    raise KeyboardInterrupt


def end_if_orphaned(parent: int) -> None:
    """Poll, in a daemon thread, whether this process still has `parent`; once it is adopted by
    another (its parent died), end at once, without cleanup, as Linux's PR_SET_PDEATHSIG would have
    killed it, but from inside this process: nothing runs in the parent's threads between its fork
    and exec, and the parent's dying thread does not count, only the parent process. The run's
    checkpoint and lock need no cleanup (the lock is the kernel's, and goes with the process)."""
    while os.getppid() == parent:
        time.sleep(WATCH_S)
    os._exit(1)


def take_over() -> None:
    signal.signal(signal.SIGTERM, stop_like_ctrl_c)
    parent = os.environ.pop(PARENT_PID, "")
    if parent.isdigit():  # popped: a process this run starts is not watched for this run's parent
        threading.Thread(target=end_if_orphaned, args=(int(parent),), daemon=True, name="exit-with-parent").start()
