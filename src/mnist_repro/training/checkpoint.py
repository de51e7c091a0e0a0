"""The resumable state of one run, exact to the bit.

After every epoch the run saves one state folder: the weights and Adam's variables (Keras's
`save_weights`), the dropout layers' seed-generator states, the history so far, the epochs'
wall times, the settings and a fingerprint of the training code. It is written beside the
previous one and swapped in by renames (outputs.atomic), so a kill at any moment leaves either
the old epoch's state or the new one, never a mix. With the per-(seed, epoch) batch order of
training.batches, a resumed run continues exactly where the uninterrupted run would be.

The state outlives `fit`: it is removed only once the deliverables are in place, so a failure
after training (evaluation, writing, a kill) never throws the training away.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .. import errors
from ..errors import UserError
from ..outputs import atomic

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; runs are simply not guarded there
    fcntl = None

FORMAT = 2  # format 1 was Keras's plain BackupAndRestore folder (backup/), which is not exact
CODE = Path(__file__).resolve().parents[1]


def code_fingerprint() -> str:
    """SHA-256 over the sources that shape training (versions/, training/, data.py)."""
    digest = hashlib.sha256()
    files = sorted([*(CODE / "versions").glob("*.py"), *(CODE / "training").glob("*.py"), CODE / "data.py"])
    for path in files:
        digest.update(path.relative_to(CODE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def close_h5_files(folder: Path) -> None:
    """Close the HDF5 files left open in `folder`. Keras's save_weights closes its file only on
    success; after a failed write (a full disk) the open file would be flushed again when Python
    exits, which fails inside h5py's deallocator and crashed the interpreter (exit 139)."""
    import h5py

    for file_id in h5py.h5f.get_obj_ids(types=h5py.h5f.OBJ_FILE):
        if Path(os.fsdecode(file_id.name)).parent == Path(folder):
            with contextlib.suppress(Exception):  # the close flushes, and that write fails again
                h5py.File(file_id).close()


@dataclass
class Resumed:
    """What `Checkpoint.resume` decided: the model to train, its epoch and why a state was dropped."""

    model: object
    epoch: int = 0  # epochs already trained (0: a fresh start)
    discarded: str | None = None
    epoch_s: list[float] = field(default_factory=list)


class Checkpoint:
    def __init__(self, folder: Path, settings: dict):
        self.folder = Path(folder)
        self.settings = settings
        self.history = self.folder / "history.csv"  # CSVLogger appends here during fit
        self.state = self.folder / "state"
        self.code = code_fingerprint()  # the code this run started with, read once

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
        try:
            with errors.writing("the run's lock", self.folder.parent):
                handle.seek(0)
                handle.truncate()
                handle.write(str(os.getpid()))
                handle.flush()
        except BaseException:
            with contextlib.suppress(OSError):
                handle.close()
                path.unlink()
                self.folder.parent.rmdir()  # only when empty
            raise
        try:
            yield
        finally:
            if not self.folder.exists():  # the run is complete: leave no empty lock or folder behind
                with contextlib.suppress(OSError):
                    path.unlink()
                    self.folder.parent.rmdir()  # only when empty
            handle.close()

    def resume(self, build, restart: bool) -> Resumed:
        """The one resume decision: `build()` makes a freshly seeded model; the saved state, if it
        is usable, is loaded into it. Anything unusable is discarded with the reason."""
        atomic.recover(self.state)
        saved = self._read_state()
        reason = self._unusable(saved, restart)
        model = build()
        if saved is not None and reason is None:
            try:
                self._restore(model, saved)
                shutil.copyfile(self.state / "history.csv", self.history)
                return Resumed(model, int(saved["epoch"]), None, [float(s) for s in saved["epoch_s"]])
            except Exception as error:  # h5py and Keras raise many types for a damaged file
                reason = f"its saved weights do not load ({type(error).__name__}; corrupt checkpoint)"
                model = build()  # the partly loaded one is spoiled; `build` seeds again, as a fresh run
        self.discard()
        self.folder.mkdir(parents=True, exist_ok=True)
        return Resumed(model, 0, reason)

    def _unusable(self, saved: dict | None, restart: bool) -> str | None:
        if not self.folder.exists():
            return None
        if restart:
            return "--restart was given"
        if saved is None:
            if (self.folder / "backup").exists() or (self.folder / "settings.json").exists():
                return "it is in the older, inexact format of mnist-repro before exact resume"
            if self.state.exists():
                return "its state file is unreadable (corrupt checkpoint)"
            return None  # killed during the first epoch: nothing was saved yet
        if saved.get("format") != FORMAT:
            return f"it is in checkpoint format {saved.get('format')}, this code reads format {FORMAT}"
        if saved.get("settings") != self.settings:
            old = saved.get("settings") or {}
            changed = sorted(k for k in set(self.settings) | set(old) if old.get(k) != self.settings.get(k))
            return f"the settings changed ({', '.join(changed)})"
        if saved.get("code") != self.code:
            return "it was written by another version of the training code"
        return None

    def _read_state(self) -> dict | None:
        try:
            saved = json.loads((self.state / "state.json").read_text())
            return saved if isinstance(saved, dict) and "epoch" in saved else None
        except (OSError, ValueError):
            return None

    def save(self, model, epoch: int, epoch_s: list[float]) -> None:
        """Write the state after `epoch` epochs, atomically (a new folder, then renames)."""
        seeds = {f"{index}/{number}": [int(v) for v in generator.state.numpy().tolist()]
                 for index, layer in enumerate(model.layers)
                 for number, generator in enumerate(getattr(layer, "_seed_generators", []))}
        state = {"format": FORMAT, "epoch": epoch, "settings": self.settings, "code": self.code,
                 "epoch_s": epoch_s[:epoch], "seed_generators": seeds}
        with atomic.atomic_folder(self.state) as building:
            try:
                model.save_weights(building / "weights.weights.h5")
            except BaseException:
                close_h5_files(building)
                raise
            shutil.copyfile(self.history, building / "history.csv")
            (building / "state.json").write_text(json.dumps(state, indent=1))

    def _restore(self, model, saved: dict) -> None:
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        model.load_weights(self.state / "weights.weights.h5")
        with open(self.state / "history.csv", newline="") as handle:
            rows = list(csv.reader(handle))
        if len(rows) != int(saved["epoch"]) + 1 or len(saved["epoch_s"]) != int(saved["epoch"]):
            raise ValueError("history and epoch disagree")
        for index, layer in enumerate(model.layers):
            for number, generator in enumerate(getattr(layer, "_seed_generators", [])):
                generator.state.assign(saved["seed_generators"][f"{index}/{number}"])

    def callback(self, epoch_s: list[float]):
        """The Keras callback that saves the state after every epoch (after CSVLogger's row)."""
        import keras

        checkpoint = self

        class ExactBackupAndRestore(keras.callbacks.BackupAndRestore):
            """keras.callbacks.BackupAndRestore, extended: it also keeps the dropout seed generators,
            the history and the epoch times, all in one atomic state folder. Restoring happens in
            Checkpoint.resume before `fit` (the run must know the epoch first, to skip a finished
            training), so `fit` is given `initial_epoch` and this callback does not load again."""

            def __init__(self):
                super().__init__(str(checkpoint.folder), save_freq="epoch", delete_checkpoint=False)

            def on_train_begin(self, logs=None):
                pass

            def _save_model(self):
                checkpoint.save(self.model, self._current_epoch, epoch_s)

        return ExactBackupAndRestore()

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
