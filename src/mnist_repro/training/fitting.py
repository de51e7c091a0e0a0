"""The training step of a run: TensorFlow starts, the model is built or resumed, and trained.

`train_or_resume`'s first lines are the one place where a run loads TensorFlow, after every cheap
check of the plan has passed. The checkpoint (checkpoint.py) decides whether a saved state resumes; its Keras
callback saves the state after every epoch.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass

import numpy as np

from .. import backend, environment, errors, process


@dataclass
class Trained:
    """The trained model and what its training took."""

    model: object
    epoch_s: list[float]  # every epoch's wall time, the resumed ones included
    epoch_cpu_s: list[float]  # the process's CPU seconds in each epoch trained in this process
    resumed_from: int  # epochs already trained when the run started (0: a fresh start)
    env: dict
    code: dict
    import_s: float
    fit_s: float

    @property
    def training_time_s(self) -> float:
        return sum(self.epoch_s)


def train_or_resume(plan) -> Trained:
    """Start TensorFlow, build (or resume) the model and train it to the planned epochs. `plan` is
    a run.RunPlan."""
    started = time.perf_counter()
    keras = backend.load(plan.backend)  # Keras and its backend load here, after every cheap check has passed

    from . import backend_settings, batches, train

    speed = backend_settings.speed(plan.backend, plan.speed)
    threads_note = backend_settings.configure_threads(plan.backend, plan.version, speed)  # before the backend starts
    env, code = environment.describe(), environment.git_commit()  # the code as it starts
    import_s = time.perf_counter() - started
    print_header(plan, env)
    if threads_note:
        print(threads_note)

    def seeded_model():
        # From a cleared session, so that a second run in one process (a notebook kernel) names and
        # seeds its layers as a fresh process does, and writes the same bytes.
        keras.backend.clear_session()
        train.seed_everything(plan.settings["seed"], plan.backend)
        steps = math.ceil(len(plan.train[0]) / plan.settings["batch_size"]) * plan.settings["epochs"]
        return train.compiled_model(plan.version, plan.settings["precision"], speed, steps)

    resumed = plan.checkpoint.resume(seeded_model, plan.restart)
    if resumed.discarded:
        print(f"Discarding the checkpoint in {plan.checkpoint.folder}: {resumed.discarded}; starting fresh")
    resumed.model.summary()
    fit_started, epochs, epoch_s, epoch_cpu_s = time.perf_counter(), plan.settings["epochs"], resumed.epoch_s, []
    if resumed.epoch >= epochs:
        print(f"training already complete at epoch {resumed.epoch}; writing the deliverables")
    else:
        if resumed.epoch:
            print(f"resuming {plan.version.label} from epoch {resumed.epoch}")
        validation = {"train": plan.train, "test": plan.test, "none": None}[plan.settings["validation"]]
        if validation is not None:
            print(f"Train on {len(plan.train[0])} samples, validate on {len(validation[0])} samples")
        shuffled = batches.ShuffledBatches(*plan.train, plan.version, plan.settings["batch_size"],
                                           plan.settings["seed"], speed.autotune)
        with train.history_log(plan.checkpoint.history) as history_log, \
                errors.writing("the checkpoint", plan.checkpoint.folder):
            # Order matters: the timer and the history log finish an epoch before the checkpoint saves it.
            callbacks = [train.EpochTimer(epoch_s, epoch_cpu_s), history_log, plan.checkpoint.callback(epoch_s),
                         train.StopBetweenSteps()]
            with process.between_steps():
                train.fit_epochs(resumed.model, shuffled, epochs, resumed.epoch, validation, callbacks,
                                 1 if sys.stdout.isatty() else 2, speed)
    trained = Trained(resumed.model, epoch_s, epoch_cpu_s, resumed.epoch, env, code, import_s,
                      time.perf_counter() - fit_started)
    print(f"Training time: {trained.training_time_s:.3f}s")
    return trained


def print_header(plan, env: dict) -> None:
    version, settings, mnist = plan.version, plan.settings, plan.mnist
    print(f"mnist-repro: {version.heading}, seed {settings['seed']}, "
          f"{settings['epochs']} epoch{'' if settings['epochs'] == 1 else 's'}, batch size {settings['batch_size']}, "
          f"validation data: {settings['validation']}")
    if plan.backend == "tensorflow":
        print(f"Using TensorFlow v{env['tensorflow']}, Keras {env['keras']} (backend {env['backend']}), on {env['device']}")
    else:
        print(f"Using Keras {env['keras']} on {env['backend']} {env['backend_version']} (the batches from TensorFlow "
              f"v{env['tensorflow']}'s tf.data), on {env['device']}")
    if plan.configured and plan.configured[0] != plan.backend:
        print(f"note: running on {plan.backend} as --backend says; {plan.configured[1]} says {plan.configured[0]}")
    if settings["precision"] != "float32":
        print(f"Precision: {settings['precision']} (opt-in; NOT the report's float32 numerics)")
        if not {"avx512_bf16", "amx_bf16"} & set(env["cpu_flags"]) and not env["gpus"]:
            print("warning: this CPU has no bfloat16 instructions (AVX512-BF16 or AMX); mixed_bfloat16 "
                  "will be slower than float32 here", file=sys.stderr)
    limit = settings["limit"]
    print(f"Data: {mnist.source}{'' if mnist.verified else ' (NOT verified)'}"
          f"{f', first {limit} images of each split' if limit else ''}")
    for split, (_, labels) in (("train", plan.train), ("test", plan.test)):
        print(f"The number of occurrence of each number in the {split} set is {label_counts(labels)}")


def label_counts(labels: np.ndarray) -> dict[int, int]:
    return {int(k): int(v) for k, v in zip(*np.unique(labels, return_counts=True))}
