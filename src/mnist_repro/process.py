"""What the command line sets up in its own process, and a call from Python (the API, a notebook
kernel) never does: SIGTERM's handler, and the watch that ends a run whose parent died.

`python -m mnist_repro` and the `mnist-repro` script call `take_over()` once, before the command
runs; nothing else in the package installs a signal handler or starts a thread that outlives a call.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

# Set by a parent that starts a run and must not leave it training after it dies (the Dask task in
# study/cluster.py): its own pid. The run then ends when it is adopted by another parent.
PARENT_PID = "MNIST_REPRO_EXIT_WITH_PARENT"
WATCH_S = 0.5


# Set while Keras fits (between_steps()): a signal then only asks, and train.StopBetweenSteps raises
# at the next batch's end. A KeyboardInterrupt raised wherever the main thread happens to be can
# unwind through Python code that JAX or TensorFlow called from C++; JAX 0.10 then aborted the
# process ("free(): invalid pointer", exit -6, before the "interrupted:" line; seen in CI 2026-12-05).
_fitting = False
_stop_asked = False


def stop_like_ctrl_c(signum, frame) -> None:
    """SIGTERM (kill, a closing laptop) and Ctrl-C stop a run the same way: a KeyboardInterrupt that
    reaches the command's one handler, which keeps the checkpoint and prints the line on resuming.
    During a fit it is raised at the next batch's end, from Keras's own Python loop."""
    global _stop_asked
    if not _fitting:
        raise KeyboardInterrupt
    _stop_asked = True


def stop_asked() -> bool:
    return _stop_asked


@contextlib.contextmanager
def between_steps():
    """Defer take_over()'s signals to the batch ends while Keras fits (a no-op for a caller that
    installed no handler, such as the API: its Ctrl-C stays Python's own)."""
    global _fitting
    _fitting = True
    try:
        yield
    finally:
        _fitting = False
    if _stop_asked:  # asked after the last batch: stop all the same (the next run writes the results)
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
    signal.signal(signal.SIGINT, stop_like_ctrl_c)
    parent = os.environ.pop(PARENT_PID, "")
    if parent.isdigit():  # popped: a process this run starts is not watched for this run's parent
        threading.Thread(target=end_if_orphaned, args=(int(parent),), daemon=True, name="exit-with-parent").start()
