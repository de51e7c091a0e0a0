"""Writes that never leave half a file or half a folder behind, and the writability probe.

A run builds its folder in a hidden temporary sibling and swaps it in only after every file is
written, so a failed or killed run leaves the previous folder complete and unchanged.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from pathlib import Path

from ..errors import FileProblem


@contextlib.contextmanager
def replacing(path: Path):
    """Yield a hidden sibling of `path` to write; on success it is renamed over `path`, on failure
    (a full disk, an error) it is removed, so a reader never sees half a file and none is left."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    try:
        yield partial
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    with replacing(path) as partial:
        partial.write_text(text)


def check_writable(out: Path) -> None:
    """Fail before training, not after ten minutes, when the output folder cannot be written.

    Probes the folder, or the nearest existing parent it would be created in, without creating it.
    """
    existing = Path(out).absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        if not existing.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "a file is in the way")
        probe = existing / f".write-test-{os.getpid()}"
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        raise FileProblem(f"cannot write to output folder {out} ({error.strerror}); "
                          "choose another with --out DIR or fix its permissions") from None


def recover(folder: Path) -> None:
    """Undo what a killed swap or build left behind: restore a displaced folder, drop partial ones."""
    parent = folder.parent
    if not parent.exists():
        return
    displaced = sorted(parent.glob(f".{folder.name}.old-*"))
    if displaced and not folder.exists():
        os.replace(displaced.pop(), folder)
    for leftover in displaced + list(parent.glob(f".{folder.name}.tmp-*")):
        shutil.rmtree(leftover, ignore_errors=True)


@contextlib.contextmanager
def atomic_folder(folder: Path):
    """Yield a temporary sibling to fill; on success it replaces `folder`, on failure it vanishes."""
    recover(folder)
    building = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    try:
        yield building
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    displaced = folder.parent / f".{folder.name}.old-{os.getpid()}"
    if folder.exists():
        os.replace(folder, displaced)
    os.replace(building, folder)
    shutil.rmtree(displaced, ignore_errors=True)
