"""One run of one version, in the report's order:
load data -> build the version's Sequential model -> train -> evaluate on train and test
-> write deliverables/ver_N/.

Everything that can be checked without TensorFlow (version, numbers, output folder, data) is
checked first, so a typo costs a second, not a ten-minute training run.
"""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

import numpy as np

from .. import data, versions
from ..outputs import atomic, console, formats
from .checkpoint import Checkpoint

DEFAULT_OUT = Path("deliverables")


def checkpoint_folder(out: Path, number: int) -> Path:
    """checkpoints/ver_N for the real deliverables; other --out folders keep theirs inside."""
    if out.resolve() == DEFAULT_OUT.resolve():
        return Path("checkpoints") / f"ver_{number}"
    return out / ".checkpoints" / f"ver_{number}"


def label_counts(labels: np.ndarray) -> dict[int, int]:
    return {int(k): int(v) for k, v in zip(*np.unique(labels, return_counts=True))}


def run(args) -> dict:
    started = time.perf_counter()
    version = versions.get(args.version)
    epochs = args.epochs or version.epochs
    batch_size = args.batch_size or version.batch_size
    out = Path(args.out)
    atomic.check_writable(out)
    mnist = data.load(args.data, allow_unverified=args.allow_unverified_data)
    hashes = mnist.hashes()
    limit = args.limit
    settings = {"version": version.number, "seed": args.seed, "epochs": epochs, "batch_size": batch_size,
                "validation": args.validation, "limit": limit, "data_sha256": hashes}
    checkpoint = Checkpoint(checkpoint_folder(out, version.number), settings)
    data_s = time.perf_counter() - started

    with checkpoint.locked(f"version {version.number} into {out}"):
        with console.recorded() as record:
            import keras  # TensorFlow loads here, after every cheap check has passed

            from .. import environment
            from . import train

            env, code = environment.describe(), environment.git_commit()  # the code as it starts
            train.seed_everything(args.seed)
            print(f"mnist-repro: version {version.number} ({version.name}), seed {args.seed}, "
                  f"{epochs} epochs, batch size {batch_size}, validation data: {args.validation}")
            print(f"Using TensorFlow v{env['tensorflow']}, Keras {env['keras']} "
                  f"(backend {env['backend']}), on {env['device']}")
            print(f"Data: {mnist.source}{'' if mnist.verified else ' (NOT verified)'}"
                  f"{f', first {limit} images of each split' if limit else ''}")
            x_train, y_train = mnist.x_train[:limit], mnist.y_train[:limit]
            x_test, y_test = mnist.x_test[:limit], mnist.y_test[:limit]
            for split, labels in (("train", y_train), ("test", y_test)):
                print(f"The number of occurrence of each number in the {split} set is {label_counts(labels)}")

            discarded = checkpoint.prepare(args.restart)
            if discarded:
                print(f"Discarding the checkpoint in {checkpoint.folder}: {discarded}; starting fresh")
            model = train.build(version)
            if checkpoint.completed_epochs() is not None and not checkpoint.restorable(model):
                print(f"The checkpoint in {checkpoint.folder} is corrupt; discarding it and starting fresh")
                checkpoint.discard()
                checkpoint.prepare(restart=False)
                model = train.build(version)
            resumed_from = checkpoint.completed_epochs()
            if resumed_from is not None:
                print(f"resuming version {version.number} from epoch {resumed_from}")
            model.summary()

            xt, yt = train.prepare(version, x_train, y_train)
            xs, ys = train.prepare(version, x_test, y_test)
            validation = {"train": (xt, yt), "test": (xs, ys), "none": None}[args.validation]
            if validation is not None:
                print(f"Train on {len(xt)} samples, validate on {len(validation[0])} samples")
            callbacks = [
                train.EpochTimer(),
                keras.callbacks.CSVLogger(str(checkpoint.history), append=True),
                keras.callbacks.BackupAndRestore(str(checkpoint.backup)),
            ]
            verbose = 1 if sys.stdout.isatty() else 2
            fit_s = train.fit(model, version, xt, yt, epochs, batch_size, validation, callbacks, verbose)
            history = formats.read_history(checkpoint.history)
            earlier_epochs_s = sum(float(row["epoch_time_s"]) for row in history[: resumed_from or 0])
            training_time_s = fit_s + earlier_epochs_s
            print(f"Training time: {training_time_s:.3f}s")

            evaluate_started = time.perf_counter()
            train_loss, train_acc, train_labels, _ = train.evaluate(model, version, xt, y_train)
            test_loss, test_acc, test_labels, test_probabilities = train.evaluate(model, version, xs, y_test)
            evaluate_s = time.perf_counter() - evaluate_started
            results = {
                "training_time_s": training_time_s,
                "train_loss": train_loss, "train_accuracy": 100.0 * train_acc,
                "test_loss": test_loss, "test_accuracy": 100.0 * test_acc,
                "train_errors": int(np.sum(train_labels != y_train)), "train_images": len(y_train),
                "test_errors": int(np.sum(test_labels != y_test)), "test_images": len(y_test),
            }
            for line in formats.result_lines(results)[1:]:
                print(line)

            metrics = {
                "version": version.number,
                "name": version.name,
                "settings": {**{k: v for k, v in settings.items() if k != "data_sha256"},
                             "command": "python -m mnist_repro " + shlex.join(sys.argv[1:]),
                             "loss": version.loss, "labels": version.label_encoding,
                             "optimizer": "Adam (Keras defaults)", "resumed_from_epoch": resumed_from},
                "results": results,
                "history": [{key: float(value) if value not in ("", None) else None
                             for key, value in row.items()} for row in history],
                "timing": {"data_s": data_s, "fit_s": fit_s, "training_time_s": training_time_s,
                           "epoch_s": [float(row["epoch_time_s"]) for row in history],
                           "evaluate_and_label_s": evaluate_s},
                "data": {"source": mnist.source, "verified": mnist.verified, "sha256": hashes},
                "environment": env,
                "code": code,
            }
            from ..outputs.version_folder import write_version_folder

            folder = write_version_folder(out / f"ver_{version.number}", version, model, metrics,
                                          train_labels, test_labels, checkpoint.history, record, started,
                                          test_images=x_test, test_true=y_test,
                                          test_probabilities=test_probabilities)
            print(f"Deliverables written to {folder}/")
        checkpoint.discard()
    return metrics
