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
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..outputs import atomic
from . import backend_settings, run_lock

# Format 1 was Keras's plain BackupAndRestore folder (backup/), which is not exact. Format 2 keyed
# the seed generators by layer index through Keras's private `_seed_generators`; format 3 lists the
# model's seed-generator states in order, read through public Keras (issue 33).
FORMAT = 3
GLOBAL_STREAM = "global_random_state.bin"  # the backend's global random stream, where Keras draws from it
CODE = Path(__file__).resolve().parents[1]


def code_fingerprint() -> str:
    """SHA-256 over the sources that shape training (versions/, the ladder's rungs, training/, data.py)."""
    digest = hashlib.sha256()
    files = sorted([*(CODE / "versions").glob("*.py"), *(CODE / "ladder").glob("**/*.py"),
                    *(CODE / "training").glob("*.py"), CODE / "data.py"])
    for path in files:
        digest.update(path.relative_to(CODE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def close_h5_files(folder: Path) -> None:
    """Close the HDF5 files left open in `folder`: a workaround, for Keras 3.15 and h5py 3.14.

    Keras's save_weights closes its file only on success; after a failed write (a full disk) the
    open file would be flushed again when Python exits, which fails inside h5py's deallocator and
    crashed the interpreter (exit 139). No public Keras call closes it, so this walks h5py's
    low-level list of open file ids (tests/test_resume.py fails if h5py changes that list)."""
    import h5py

    for file_id in h5py.h5f.get_obj_ids(types=h5py.h5f.OBJ_FILE):
        if Path(os.fsdecode(file_id.name)).parent == Path(folder):
            with contextlib.suppress(Exception):  # the close flushes, and that write fails again
                h5py.File(file_id).close()


def seed_states(model) -> list:
    """The state variable of each random stream in `model` (each Dropout's `seed_generator`), in
    layer order. Keras 3 lists them among the model's non-trainable variables, named
    `seed_generator_state`; `save_weights` does not save them, so the checkpoint does."""
    return [variable for variable in model.non_trainable_variables if variable.name == "seed_generator_state"]


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
        self.backend = settings.get("backend", "tensorflow")
        self.resumed_stream: bytes | None = None  # the global random stream to restore (torch)
        self.history = self.folder / "history.csv"  # CSVLogger appends here during fit
        self.state = self.folder / "state"
        self.code = code_fingerprint()  # the code this run started with, read once

    def locked(self, what: str):
        """The run's lock beside this folder (run_lock.py), held while the run lasts."""
        return run_lock.locked(self.folder, what)

    def resume(self, seeded_model, restart: bool) -> Resumed:
        """The one resume decision: `seeded_model()` makes a freshly seeded model; the saved state,
        if it is usable, is loaded into it. Anything unusable is discarded with the reason."""
        atomic.recover(self.state)
        saved = self._read_state()
        reason = self._unusable(saved, restart)
        model = seeded_model()
        if saved is not None and reason is None:
            try:
                self._restore(model, saved)
                shutil.copyfile(self.state / "history.csv", self.history)
                return Resumed(model, int(saved["epoch"]), None, [float(s) for s in saved["epoch_s"]])
            except Exception as error:  # h5py and Keras raise many types for a damaged file
                reason = f"its saved weights do not load ({type(error).__name__}; corrupt checkpoint)"
                model = seeded_model()  # the partly loaded one is spoiled; it seeds again, as a fresh run
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
        seeds = [[int(v) for v in state.numpy().tolist()] for state in seed_states(model)]
        state = {"format": FORMAT, "epoch": epoch, "settings": self.settings, "code": self.code,
                 "epoch_s": epoch_s[:epoch], "seed_generators": seeds}
        with atomic.atomic_folder(self.state) as building:
            try:
                model.save_weights(building / "weights.weights.h5")
            except BaseException:
                close_h5_files(building)
                raise
            shutil.copyfile(self.history, building / "history.csv")
            stream = backend_settings.global_random_state(self.backend)
            if stream is not None:
                (building / GLOBAL_STREAM).write_bytes(stream)
            (building / "state.json").write_text(json.dumps(state, indent=1))

    def _restore(self, model, saved: dict) -> None:
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        model.load_weights(self.state / "weights.weights.h5")
        with open(self.state / "history.csv", newline="") as handle:
            rows = list(csv.reader(handle))
        if len(rows) != int(saved["epoch"]) + 1 or len(saved["epoch_s"]) != int(saved["epoch"]):
            raise ValueError("history and epoch disagree")
        states, saved_seeds = seed_states(model), saved["seed_generators"]
        if len(states) != len(saved_seeds):
            raise ValueError(f"{len(saved_seeds)} seed generators saved, the model has {len(states)}")
        for state, values in zip(states, saved_seeds):
            state.assign(values)
        if self.backend in backend_settings.GLOBAL_STREAMS:  # set when the first epoch begins (callback)
            self.resumed_stream = (self.state / GLOBAL_STREAM).read_bytes()

    def callback(self, epoch_s: list[float]):
        """The Keras callback that saves the state after every epoch; put it after CSVLogger, so
        that the epoch's history row is written first. Restoring happens in `resume`, before `fit`
        (the run must know the epoch first, to skip a finished training), so `fit` is given
        `initial_epoch` and the callback only saves."""
        import keras

        checkpoint = self

        class SaveEveryEpoch(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                # The saved global stream goes back only now: Keras's torch trainer draws from it
                # when it builds the model on a first batch at the start of `fit`, before epoch 1
                # of a fresh run as before this resumed epoch, so restoring earlier is one draw off.
                if checkpoint.resumed_stream is not None:
                    backend_settings.set_global_random_state(checkpoint.backend, checkpoint.resumed_stream)
                    checkpoint.resumed_stream = None

            def on_epoch_end(self, epoch, logs=None):
                checkpoint.save(self.model, epoch + 1, epoch_s)

        return SaveEveryEpoch()

    @contextlib.contextmanager
    def kept_on_failure(self):
        """A failure inside carries this folder as its `kept_training`: the internal-error line then
        says that the training is kept here, so that nobody deletes a finished training by mistake."""
        try:
            yield
        except Exception as error:
            error.kept_training = self.folder
            raise

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class NoCheckpoint:
    """A run that keeps nothing (`mnist_repro.train(out=None)`): it starts fresh, saves no state and
    leaves no folder; only Keras's CSVLogger writes the history into a temporary folder that lives
    while the run does (`locked`), so that the run's history reads as a written run's does."""

    def __init__(self):
        self.folder: Path | None = None
        self.history: Path | None = None

    @contextlib.contextmanager
    def locked(self, what: str):
        """No lock (nothing on disk to guard); the history's temporary folder, for the run's duration."""
        with tempfile.TemporaryDirectory(prefix="mnist-repro-run-") as scratch:
            self.folder, self.history = Path(scratch), Path(scratch) / "history.csv"
            yield

    def resume(self, seeded_model, restart: bool) -> Resumed:
        return Resumed(seeded_model())

    def callback(self, epoch_s: list[float]):
        import keras

        return keras.callbacks.Callback()  # saves nothing

    def kept_on_failure(self):
        return contextlib.nullcontext()

    def discard(self) -> None:
        pass
