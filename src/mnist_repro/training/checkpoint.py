"""Resumable training state for one run: Keras's BackupAndRestore folder, the partial history,
the settings that made them, and a lock so that two runs never share one checkpoint.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import os
import shutil
from pathlib import Path

from ..errors import UserError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; runs are simply not guarded there
    fcntl = None


class Checkpoint:
    def __init__(self, folder: Path, settings: dict):
        self.folder = Path(folder)
        self.settings = settings
        self.backup = self.folder / "backup"
        self.history = self.folder / "history.csv"
        self._settings_file = self.folder / "settings.json"
        self._metadata = self.backup / "training_metadata.json"

    @contextlib.contextmanager
    def locked(self, what: str):
        """Hold an flock for the run; the OS drops it when the process dies, so stale locks vanish."""
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        path = self.folder.with_name(self.folder.name + ".lock")
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
                raise UserError(f"{what} is already running (pid {owner}); wait for it to finish "
                                f"or stop it, then run again", exit_code=1) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.close()

    def completed_epochs(self) -> int | None:
        try:
            return int(json.loads(self._metadata.read_text())["epoch"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def prepare(self, restart: bool) -> str | None:
        """Decide whether to resume; returns why the checkpoint was discarded, if it was."""
        saved = self._saved_settings() or {}
        if not self.folder.exists():
            reason = None
        elif restart:
            reason = "--restart was given"
        elif saved != self.settings:
            changed = sorted(k for k in set(self.settings) | set(saved) if saved.get(k) != self.settings.get(k))
            reason = f"the settings changed ({', '.join(changed)})"
        elif self.backup.exists() and self.completed_epochs() is None:
            reason = "its metadata is unreadable (corrupt checkpoint)"
        else:
            reason = None
        if reason:
            self.discard()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._settings_file.write_text(json.dumps(self.settings, indent=2, sort_keys=True))
        self.trim_history(self.completed_epochs() or 0)
        return reason

    def restorable(self, model) -> bool:
        """Whether the saved weights load into `model` (a truncated file means start fresh)."""
        weights = self.backup / "latest.weights.h5"
        if not weights.exists():
            return self.completed_epochs() is None
        try:
            if model.optimizer is not None and not model.optimizer.built:
                model.optimizer.build(model.trainable_variables)
            model.load_weights(weights)
            return True
        except Exception:  # h5py and Keras raise many types for a damaged file; all mean "unusable"
            return False

    def trim_history(self, epochs: int) -> None:
        """Drop history rows past the last saved epoch: a kill between the two writes leaves one extra."""
        if not self.history.exists():
            return
        with open(self.history, newline="") as handle:
            rows = list(csv.reader(handle))
        if len(rows) > epochs + 1:
            with open(self.history, "w", newline="") as handle:
                csv.writer(handle).writerows(rows[: epochs + 1])

    def _saved_settings(self) -> dict | None:
        try:
            return json.loads(self._settings_file.read_text())
        except (OSError, ValueError):
            return None

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
