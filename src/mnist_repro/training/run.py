"""One run of one version, in the report's order:
load data -> build the version's Sequential model -> train -> evaluate on train and test
-> write deliverables/ver_N/.

Everything that can be checked without TensorFlow (version, numbers, output folder, data) is
checked first, so a typo costs a second, not a ten-minute training run. The checkpoint makes a
killed run resume exactly, and keeps a finished training until its deliverables are written.
"""

from __future__ import annotations

import contextlib
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import backend, data, errors, versions
from ..outputs import atomic, console, formats
from .checkpoint import Checkpoint

DEFAULT_OUT = Path("deliverables")


@dataclass
class RunPlan:
    """What a run will do, settled from the command line before TensorFlow loads."""

    version: versions.Version
    settings: dict
    out: Path
    mnist: data.Mnist
    checkpoint: Checkpoint
    speed: str  # how fast, never what is computed: not part of the checkpoint's settings


@dataclass
class RunResult:
    """Everything the version folder is written from."""

    version: versions.Version
    model: object
    metrics: dict
    train_labels: np.ndarray
    test_labels: np.ndarray
    history_csv: Path
    console: object
    started: float
    test_images: np.ndarray
    test_true: np.ndarray
    test_probabilities: np.ndarray


def checkpoint_folder(out: Path, number: int) -> Path:
    """checkpoints/ver_N for the real deliverables; other --out folders keep theirs inside."""
    if out.resolve() == DEFAULT_OUT.resolve():
        return Path("checkpoints") / f"ver_{number}"
    return out / ".checkpoints" / f"ver_{number}"


def label_counts(labels: np.ndarray) -> dict[int, int]:
    return {int(k): int(v) for k, v in zip(*np.unique(labels, return_counts=True))}


def plan(args) -> RunPlan:
    version = versions.get(args.version)
    out = Path(args.out)
    atomic.check_writable(out)
    mnist = data.load(args.data, allow_unverified=args.allow_unverified_data)
    settings = {"version": version.number, "seed": args.seed, "epochs": args.epochs or version.epochs,
                "batch_size": args.batch_size or version.batch_size, "validation": args.validation,
                "limit": args.limit, "precision": args.precision, "data_sha256": mnist.hashes()}
    return RunPlan(version, settings, out, mnist, Checkpoint(checkpoint_folder(out, version.number), settings), args.speed)


def run(args) -> dict:
    started = time.perf_counter()
    run_plan = plan(args)
    version, settings, checkpoint = run_plan.version, run_plan.settings, run_plan.checkpoint
    data_s = time.perf_counter() - started
    with checkpoint.locked(f"version {version.number} into {run_plan.out}"), console.recorded() as record:
        import_started = time.perf_counter()
        keras = backend.load()  # TensorFlow loads here, after every cheap check has passed

        from .. import environment
        from . import batches, train

        speed = batches.SPEEDS[args.speed]
        batches.configure_threads(version, speed)
        env, code = environment.describe(), environment.git_commit()  # the code as it starts
        import_s = time.perf_counter() - import_started
        print_header(run_plan, env)
        mnist, limit = run_plan.mnist, settings["limit"]
        x_train, y_train = mnist.x_train[:limit], mnist.y_train[:limit]
        x_test, y_test = mnist.x_test[:limit], mnist.y_test[:limit]
        for split, labels in (("train", y_train), ("test", y_test)):
            print(f"The number of occurrence of each number in the {split} set is {label_counts(labels)}")

        def build():
            train.seed_everything(settings["seed"])
            return train.build(version, settings["precision"], speed)

        resumed = checkpoint.resume(build, args.restart)
        errors.kept_training = checkpoint.folder
        model, epoch_s, epochs = resumed.model, resumed.epoch_s, settings["epochs"]
        if resumed.discarded:
            print(f"Discarding the checkpoint in {checkpoint.folder}: {resumed.discarded}; starting fresh")
        model.summary()
        fit_started = time.perf_counter()
        if resumed.epoch >= epochs:
            print(f"training already complete at epoch {resumed.epoch}; writing the deliverables")
        else:
            if resumed.epoch:
                print(f"resuming version {version.number} from epoch {resumed.epoch}")
            validation = {"train": (x_train, y_train), "test": (x_test, y_test), "none": None}[args.validation]
            if validation is not None:
                print(f"Train on {len(x_train)} samples, validate on {len(validation[0])} samples")
            shuffled = batches.ShuffledBatches(x_train, y_train, version, settings["batch_size"], settings["seed"],
                                               speed.autotune)
            # Order matters: the timer and CSVLogger finish an epoch before the checkpoint saves it.
            history_logger = keras.callbacks.CSVLogger(str(checkpoint.history), append=True)
            callbacks = [train.EpochTimer(epoch_s), history_logger, checkpoint.callback(epoch_s)]
            try:
                with errors.writing("the checkpoint", checkpoint.folder):
                    train.fit(model, shuffled, epochs, resumed.epoch, validation, callbacks,
                              1 if sys.stdout.isatty() else 2, speed)
            finally:  # fit does not close the log when it fails; a full disk would fail again at exit
                with contextlib.suppress(OSError, AttributeError):
                    history_logger.csv_file.close()
        fit_s = time.perf_counter() - fit_started
        training_time_s = sum(epoch_s)
        print(f"Training time: {training_time_s:.3f}s")

        evaluate_started = time.perf_counter()
        inference = speed.inference_size(settings["batch_size"]), speed.autotune
        train_loss, train_acc, train_labels, _ = train.evaluate(model, version, x_train, y_train, *inference)
        test_loss, test_acc, test_labels, test_probabilities = train.evaluate(model, version, x_test, y_test, *inference)
        results = {
            "training_time_s": training_time_s,
            "train_loss": train_loss, "train_accuracy": 100.0 * train_acc,
            "test_loss": test_loss, "test_accuracy": 100.0 * test_acc,
            "train_errors": int(np.sum(train_labels != y_train)), "train_images": len(y_train),
            "test_errors": int(np.sum(test_labels != y_test)), "test_images": len(y_test),
        }
        for line in formats.result_lines(results)[1:]:
            print(line)
        timing = {"data_s": data_s, "import_s": import_s, "fit_s": fit_s,
                  "training_time_s": training_time_s, "epoch_s": epoch_s,
                  "evaluate_and_label_s": time.perf_counter() - evaluate_started}
        metrics = describe_run(run_plan, resumed.epoch, results, checkpoint.history, timing, env, code)
        from ..outputs.version_folder import write_version_folder

        with errors.writing("the deliverables", run_plan.out):
            folder = write_version_folder(run_plan.out / f"ver_{version.number}", RunResult(
                version, model, metrics, train_labels, test_labels, checkpoint.history, record, started,
                x_test, y_test, test_probabilities))
        print(f"Deliverables written to {folder}/")
        checkpoint.discard()  # under the lock, which then removes itself
    errors.kept_training = None
    return metrics


def print_header(run_plan: RunPlan, env: dict) -> None:
    version, settings, mnist = run_plan.version, run_plan.settings, run_plan.mnist
    print(f"mnist-repro: version {version.number} ({version.name}), seed {settings['seed']}, "
          f"{settings['epochs']} epoch{'' if settings['epochs'] == 1 else 's'}, batch size {settings['batch_size']}, "
          f"validation data: {settings['validation']}")
    print(f"Using TensorFlow v{env['tensorflow']}, Keras {env['keras']} (backend {env['backend']}), on {env['device']}")
    if settings["precision"] != "float32":
        print(f"Precision: {settings['precision']} (opt-in; NOT the report's float32 numerics)")
        if not {"avx512_bf16", "amx_bf16"} & set(env["cpu_flags"]) and not env["gpus"]:
            print("warning: this CPU has no bfloat16 instructions (AVX512-BF16 or AMX); mixed_bfloat16 "
                  "will be slower than float32 here", file=sys.stderr)
    limit = settings["limit"]
    print(f"Data: {mnist.source}{'' if mnist.verified else ' (NOT verified)'}"
          f"{f', first {limit} images of each split' if limit else ''}")


def describe_run(run_plan: RunPlan, resumed_from: int, results: dict, history_csv: Path, timing: dict,
                 env: dict, code: dict) -> dict:
    """metrics.json: every number of the run, what made it, and the paper's recipe it follows."""
    version, settings, mnist = run_plan.version, run_plan.settings, run_plan.mnist
    return {
        "format": 2,
        "version": version.number,
        "name": version.name,
        "settings": {**{k: v for k, v in settings.items() if k != "data_sha256"},
                     "command": "python -m mnist_repro " + shlex.join(sys.argv[1:]),
                     "loss": version.loss, "labels": version.label_encoding,
                     "optimizer": f"Adam, learning rate 0.001, betas 0.9/0.999, epsilon {version.adam_epsilon:g}",
                     "optimizer_origin": version.optimizer_origin,
                     "speed": run_plan.speed, "resumed_from_epoch": resumed_from or None},
        "results": results,
        "history": formats.read_history(history_csv),
        "timing": timing,
        "data": {"source": mnist.source, "verified": mnist.verified, "sha256": settings["data_sha256"]},
        "environment": env,
        "code": code,
    }
