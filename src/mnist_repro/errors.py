"""How failures reach the user: one line that names the problem and the fix, never a traceback.

`UserError` is a problem the user can fix; each kind of it is its own subclass below, so that a
caller (the demo server's HTTP status) chooses by type, never by the message's words. `explain` is
the one place that turns the known failure kinds of the libraries underneath (Pillow, h5py, zipfile,
the OS, Keras's loader) into such errors. Anything else is a bug: `internal_error` keeps its traceback in a log file and
returns the one line to print, which also says where a run's training is kept.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import os
import sys
import tempfile
import traceback
import zipfile
from pathlib import Path

from . import paths

ERROR_LOGS = Path("build/errors")  # under the project root (paths.project_root)


class UserError(Exception):
    """A problem the user can fix: the message names the problem and the fix. Raise one of the
    kinds below, never this base, whose `exit_code` follows the usual CLI convention: 2 for bad
    arguments or input, 1 for a failed action (such as an unwritable folder)."""

    exit_code = 2


# Bad input (exit 2): the command cannot use what it was given.
class NotAnImage(UserError):
    """A path that holds no image to read: a folder, a pipe, an empty file, a format Pillow lacks."""


class DamagedFile(UserError):
    """A file of the right kind that cannot be read whole: a truncated image, a broken zip."""


class ImageTooLarge(UserError):
    """An image that declares more pixels than this tool decodes."""


class NothingToRead(UserError):
    """A readable image with no digit in it: blank, or too small to hold one."""


class NotMnist(UserError):
    """A readable data file whose arrays are not genuine MNIST (keys, shapes, types, labels, hashes)."""


class MnistNotFound(UserError):
    """No MNIST where it was looked for: a data path that is absent or a folder, or no source left."""


class UnknownVersion(UserError):
    """A version number that no versions/vN.py defines."""


class BadSetting(UserError):
    """A setting outside the values it can take (such as SEEDS=0)."""


# A failed action (exit 1): the input was fine, something around it is not.
class ActionFailed(UserError):
    exit_code = 1


class MissingExtra(ActionFailed):
    """An optional package a feature needs is not installed."""


class DiskFull(ActionFailed):
    """The device (or quota) filled while writing."""


class FileProblem(ActionFailed):
    """The operating system refused a path: permissions, a missing file, a read-only disk."""


class ModelUnusable(ActionFailed):
    """A version's model.keras is missing, damaged or another version's."""


class FolderUnusable(ActionFailed):
    """A run's folder (a version's or a study seed's) with files missing, unreadable or at odds."""


class RecordUnusable(FolderUnusable):
    """A run's metrics.json that is missing, unreadable or not a record of this project's format.
    `reason` is the short why, for a caller that names the folder its own way."""

    def __init__(self, folder, reason: str):
        super().__init__(f"{folder}: {reason}; remake the run (`make run VERSION=N`, or `make reproduce` for a "
                         "study's seed)")
        self.folder, self.reason = folder, reason


class AlreadyRunning(ActionFailed):
    """Another process holds the lock of the same run."""


class NoStudyRuns(ActionFailed):
    """The report was asked for before any study run exists."""


class SchedulerUnreachable(ActionFailed):
    """No Dask scheduler answers at the address given."""


class CannotListen(ActionFailed):
    """The demo server's address is taken or not this machine's."""


class BackendConflict(ActionFailed):
    """Keras is already loaded on another backend in this process."""


_OS_FIXES = {
    errno.ENOSPC: "no space left on the device; free some space and run the same command again",
    errno.EDQUOT: "disk quota exceeded; free some space and run the same command again",
    errno.EACCES: "permission denied; check the file's permissions or choose another path",
    errno.EPERM: "operation not permitted; check the file's permissions or choose another path",
    errno.EROFS: "the file system is read-only; choose another path",
    errno.ELOOP: "a symbolic link loop; point at the real file",
    errno.ENOTDIR: "a part of the path is a file, not a folder; check the path",
    errno.EISDIR: "it is a folder, not a file; point at the file inside it",
    errno.ENOENT: "no such file or folder; check the path",
    errno.ENAMETOOLONG: "the path is too long; use a shorter one",
}


FULL = (errno.ENOSPC, errno.EDQUOT)

# The optional extras (pyproject's optional-dependencies, each from its requirements-*.txt): the
# top-level module a feature imports, the extra that brings it, and the command that installs it.
EXTRA_OF_MODULE = {"fastapi": "demo", "uvicorn": "demo", "multipart": "demo", "python_multipart": "demo",
                   "dask": "cluster", "distributed": "cluster", "scipy": "study",
                   "jax": "jax", "jaxlib": "jax", "torch": "torch", "jupyterlab": "notebook",
                   "jupytext": "notebook", "nbclient": "notebook", "nbformat": "notebook"}
EXTRA_USE = {"demo": ("the demo server", "make demo"),
             "notebook": ("the notebook", "make notebook"),
             "cluster": ("--cluster", "make reproduce CLUSTER=local"),
             "study": ("the report", "make report"),
             "jax": ("--backend jax", "make run BACKEND=jax"),
             "torch": ("--backend torch", "make run BACKEND=torch"),
             "notebook": ("the notebook", "make notebook")}
# PyTorch's CPU wheel is not on PyPI (lock/README.md).
EXTRA_INDEX = {"torch": " --extra-index-url https://download.pytorch.org/whl/cpu"}


def missing_extra(error: BaseException) -> MissingExtra | None:
    """A missing optional package is the user's to install, not a bug: one line naming the extra."""
    if not isinstance(error, ModuleNotFoundError) or not error.name:
        return None
    module = error.name.split(".")[0]
    extra = EXTRA_OF_MODULE.get(module)
    if extra is None:
        return None
    feature, command = EXTRA_USE[extra]
    return MissingExtra(f"{feature} needs the optional '{extra}' extra ({module} is not installed); install it "
                     f"with `{command}` in a clone, or `pip install 'mnist-repro[{extra}]'{EXTRA_INDEX.get(extra, '')}` "
                        f"(requirements-{extra}.txt)")


@contextlib.contextmanager
def writing(what: str, folder: Path | str):
    """Turn a full disk (or quota) while writing `what` into `folder` into one line that names the
    folder; the writer underneath has already removed its partial files. Any other error passes."""
    try:
        yield
    except OSError as error:
        if error.errno not in FULL:
            raise
        raise DiskFull(f"no space left on the device that holds {folder} (writing {what}); free some "
                       "space there and run the same command again") from None


def explain(error: BaseException, subject: str = "") -> UserError | None:
    """The user's version of a known failure kind, or None for a bug. `subject` is what was being
    read or written (a path), so that the message can name it."""
    prefix = f"{subject}: " if subject else ""
    if isinstance(error, UserError):
        return error
    extra = missing_extra(error)
    if extra is not None:
        return extra
    if isinstance(error, OSError) and error.errno in _OS_FIXES:
        where = error.filename if error.filename and not subject else subject
        return FileProblem(f"{where + ': ' if where else ''}{_OS_FIXES[error.errno]}")
    if isinstance(error, zipfile.BadZipFile):
        return DamagedFile(f"{prefix}not a readable zip archive ({error}); the file is damaged or truncated, "
                           "replace it")
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # Pillow missing: no image errors to recognise
        Image = UnidentifiedImageError = None
    if Image is not None and isinstance(error, Image.DecompressionBombError):
        return ImageTooLarge(f"{prefix}the image declares too many pixels to decode safely; "
                             "scale it down (a digit needs no more than a few megapixels)")
    if UnidentifiedImageError is not None and isinstance(error, UnidentifiedImageError):
        return NotAnImage(f"{prefix}not an image Pillow can read; pass a PNG, JPEG, BMP or GIF image")
    return None


def internal_error(error: BaseException, command: str) -> str:
    """Write the full traceback to a log file; return the one line for the terminal."""
    text = "".join(traceback.format_exception(error))
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    name = f"{command or 'mnist-repro'}-{stamp}-{os.getpid()}.log"
    try:
        logs = paths.project_root() / ERROR_LOGS
        logs.mkdir(parents=True, exist_ok=True)
        log = logs / name
        log.write_text(text)
    except OSError:  # the project folder itself may be the problem (a full or read-only disk)
        log = Path(tempfile.gettempdir()) / name
        try:
            log.write_text(text)
        except OSError:
            log = None
    what = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}".rstrip(": ")
    where = f"full traceback in {log}" if log else "the traceback could not be saved"
    kept, kept_training = "", getattr(error, "kept_training", None)  # set by Checkpoint.kept_on_failure
    if kept_training is not None and (Path(kept_training) / "state").exists():
        kept = f"; your training is kept in {kept_training} (run the same command again to continue)"
    return f"internal error: {what} — {where}{kept}"


def one_line_exit(action) -> int:
    """A script's main: `action()`'s exit code, or, for a UserError, its one line on stderr and its
    exit code (the ladder's scripts, which run outside the CLI's handler)."""
    try:
        return action() or 0
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
