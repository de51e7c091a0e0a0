"""The selection runner: a candidate fits on the 50,000 fit images and is scored on the holdout.

    python -m mnist_repro.ladder.selection NAME [NAME ...] --seeds 0 1 2

Each (candidate, seed) is one trial. It trains from random initialisation through the run path's
own pieces (the seeding, the per-(seed, epoch) batches, the fast speed settings) and records the
holdout accuracy after every epoch, the fit wall time (building and compiling the model, tracing,
every epoch and the rung's own val pass; the holdout scoring is timed apart and left out), the CPU,
the load average around it (the machine is shared: times are "busy" unless it was quiet) and the
commit, clean or not. Every trial is appended to the record (deliverables/ladder/selection.json),
kept or dropped, none replaced; its summary per candidate is recomputed from the trials at each
write. The test set is never read here.
"""

from __future__ import annotations

import argparse
import datetime
import fcntl
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from .. import data, environment, errors
from ..outputs import atomic
from . import available, get, holdout

RECORD = Path("deliverables/ladder/selection.json")


def split(mnist: data.Mnist, limit: int | None = None):
    """(fit images, labels), (holdout images, labels); `limit` keeps the first rows of each (tests)."""
    fit, held = holdout.fit_rows(), holdout.holdout_rows()
    return ((mnist.x_train[fit][:limit], mnist.y_train[fit][:limit]),
            (mnist.x_train[held][:limit], mnist.y_train[held][:limit]))


def trial(rung, seed: int, fit_set, holdout_set) -> dict:
    """Train `rung` from scratch on `fit_set` with `seed`; its holdout accuracy after every epoch."""
    import keras

    from ..training import batches, train

    errors_per_epoch, scoring_s, epoch_s = [], [0.0], []

    class ScoreHoldout(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            started = time.perf_counter()
            dataset = batches.inference(holdout_set[0], rung)
            predicted = self.model.predict(dataset, verbose=0).argmax(axis=-1)
            errors_per_epoch.append(int(np.sum(predicted != holdout_set[1])))
            scoring_s[0] += time.perf_counter() - started

    load_before = os.getloadavg()
    started = time.perf_counter()
    train.seed_everything(seed)
    shuffled = batches.ShuffledBatches(*fit_set, rung, rung.batch_size, seed)
    model = train.compiled_model(rung, rung.precision, steps=shuffled.batches * rung.epochs)
    validation = fit_set if rung.validation == "train" else None
    # The timer ends an epoch before the holdout is scored, so epoch_s leaves the scoring out.
    train.fit_epochs(model, shuffled, rung.epochs, 0, validation, [train.EpochTimer(epoch_s), ScoreHoldout()], 0)
    fit_s = time.perf_counter() - started - scoring_s[0]
    return {"name": rung.name, "below": rung.below, "change": rung.change, "seed": seed,
            "epochs": rung.epochs, "fit_images": len(fit_set[1]), "holdout_images": len(holdout_set[1]),
            # Which images, by content: the same for every rung, and never the test set's.
            "fit_sha256": images_sha256(*fit_set), "holdout_sha256": images_sha256(*holdout_set),
            "holdout_errors": errors_per_epoch,
            "holdout_accuracy": [accuracy(count, len(holdout_set[1])) for count in errors_per_epoch],
            "fit_s": fit_s, "epoch_s": epoch_s, "holdout_scoring_s": scoring_s[0],
            "load_average": {"before": list(load_before), "after": list(os.getloadavg())}}


def images_sha256(images: np.ndarray, labels: np.ndarray) -> str:
    return data.array_sha256(np.concatenate([images.reshape(len(images), -1), labels.reshape(-1, 1)], axis=1))


def accuracy(errors: int, images: int) -> float:
    """Percent correct, rounded where float noise starts (10,000 images: steps of 0.01)."""
    return round(100.0 * (images - errors) / images, 6)


def summarize(trials: list[dict]) -> dict:
    """Per candidate: its change, whether the ladder kept it, and mean ± std of the final holdout
    accuracy and of the fit time over its trials (std with n - 1; 0 for a single trial)."""
    kept = set(available())
    summary = {}
    for name in dict.fromkeys(trial["name"] for trial in trials):
        mine = [trial for trial in trials if trial["name"] == name]
        accuracy = [trial["holdout_accuracy"][-1] for trial in mine]
        seconds = [trial["fit_s"] for trial in mine]
        summary[name] = {
            "below": mine[-1]["below"], "change": mine[-1]["change"], "n": len(mine), "kept": name in kept,
            "holdout_accuracy_mean": float(np.mean(accuracy)), "holdout_accuracy_std": _std(accuracy),
            "fit_s_mean": float(np.mean(seconds)), "fit_s_std": _std(seconds),
            "seeds": [trial["seed"] for trial in mine]}
    return summary


def code_state() -> dict:
    """The commit, and whether anything under src/ differed from it, untracked files included (a new
    candidate's file is untracked until committed)."""
    import subprocess

    code = environment.git_commit()
    root = Path(__file__).resolve().parents[3]
    status = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=root, capture_output=True, text=True)
    code["src_dirty"] = None if status.returncode else bool(status.stdout.strip())
    return code


def _std(values: list[float]) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def append(record: Path, trial_record: dict) -> dict:
    """Add one trial to the record, atomically (a kill leaves the old record whole), under a lock
    beside it, so that runners started side by side never drop each other's trials."""
    record = Path(record)
    with errors.writing("the selection record", record.parent):
        record.parent.mkdir(parents=True, exist_ok=True)
        with open(record.with_name(f".lock-{record.name}"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return _append(record, trial_record)


def _append(record: Path, trial_record: dict) -> dict:
    try:
        contents = json.loads(record.read_text())
    except FileNotFoundError:
        contents = {"holdout": holdout.describe(), "trials": []}
    except ValueError:
        raise errors.DamagedFile(f"{record} is not readable JSON; restore it with `git checkout {record}`") from None
    if contents["holdout"] != holdout.describe():
        raise errors.BadSetting(f"{record} was chosen on another holdout split; record elsewhere with --record PATH")
    contents["trials"].append(trial_record)
    contents["summary"] = summarize(contents["trials"])
    atomic.write_text_atomic(record, json.dumps(contents, indent=1) + "\n")
    return contents


def record_trial(record: Path, rung, seed: int, fit_set, holdout_set) -> dict:
    """One trial, appended to `record` with the machine and the code that ran it."""
    code = code_state()  # per trial: the code that ran it
    when = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    machine = {"cpu": environment.cpu_model(), "cpu_flags": environment.cpu_flags(), "cpu_count": os.cpu_count()}
    result = {**trial(rung, seed, fit_set, holdout_set), **machine, **code, "started": when}
    append(record, result)
    print(f"{rung.name} seed {seed}: holdout {result['holdout_accuracy'][-1]:.2f} % after {rung.epochs} epochs, "
          f"fit {result['fit_s']:.1f} s (load {result['load_average']['before'][0]:.1f})", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mnist_repro.ladder.selection", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="+", metavar="NAME", help="rungs or dropped candidates (ladder.tried())")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--record", type=Path, default=RECORD)
    parser.add_argument("--limit", type=int, default=None, help="first N images of each split (tests only)")
    args = parser.parse_args(argv)

    def select() -> None:
        rungs = [get(name, include_dropped=True) for name in args.names]
        atomic.check_writable(args.record.parent)
        fit_set, holdout_set = split(data.load(), args.limit)
        for rung in rungs:
            for seed in args.seeds:
                record_trial(args.record, rung, seed, fit_set, holdout_set)

    return errors.one_line_exit(select)


if __name__ == "__main__":
    sys.exit(main())
