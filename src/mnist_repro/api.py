"""The public Python API: what `import mnist_repro` offers (doc/api.md). The command line, the study,
the benchmarks and the notebook all come through here.

Every argument is checked before anything heavy loads, and a bad one raises the command line's own
one-line error (an `errors.UserError`: the problem and the fix). Keras loads only when a function
needs it (`train`, `predict_digits`, `RunRecord.load_model`). Nothing here installs a signal handler,
changes matplotlib's settings or leaves a file descriptor changed once it returns.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import data as mnist_data, versions
from .backend import NAMES as BACKEND_NAMES
from .errors import BadSetting
from .outputs.run_record import RunRecord

CHOICES = {"validation": ("train", "test", "none"), "precision": ("float32", "mixed_bfloat16"),
           "speed": ("fast", "plain"), "backend": BACKEND_NAMES}  # train's `data` and `backend` are settings
COUNTS = ("epochs", "batch_size", "limit")  # whole numbers of at least 1, or None for the default
FLAGS = ("allow_unverified_data", "restart", "verbose")
FOLDERS = ("data", "out")  # a path, or None


def recipe(version) -> versions.Version:
    """The recipe of version 1, 2 or 3 as data (epochs, batch size, loss, the paper's numbers);
    its `.model()` builds the untrained keras.Sequential. A recipe given (a ladder rung from
    `rung(name)`) is returned as it is."""
    if isinstance(version, versions.Version):
        return version
    return versions.get(version)


def rung(name: str):
    """The recipe of a ladder rung by name (doc/ladder.md), such as "fast": a Version without a number
    or paper numbers, which `train` and `run_argv` take in place of a version."""
    from . import ladder

    return ladder.get(name)


def train(version, *, epochs=None, batch_size=None, seed=0, data=None, allow_unverified_data=False, out=None,
          validation=None, limit=None, restart=False, precision="float32", speed="fast",
          backend="tensorflow", verbose=True, command=None):
    """Train a version as `python -m mnist_repro run` does, with the same settings and defaults, and
    return the finished `Run` (model, history, results, folder).

    `version` is 1, 2 or 3, or a ladder rung (`rung("fast")`), whose folder is ladder/NAME/ in `out`.
    `validation=None` is the recipe's: "train" for a version (the report's val pass), a rung's own.
    `out` receives ver_N/ (as `--out`; the project's deliverables/ is `mnist_repro.paths.deliverables()`)
    and a checkpoint to resume from; with `out=None` nothing is written and nothing is kept.
    `verbose=False` prints nothing. `command` is what the run's record names as its origin; by
    default this call itself (the CLI passes its command line). Runs one after another in one process
    each start from a cleared Keras session; version 1's one intra-op thread applies only in a
    process where TensorFlow has not run yet (a note says so otherwise)."""
    from .training import run

    settings = checked(version, epochs=epochs, batch_size=batch_size, seed=seed, data=data,
                       allow_unverified_data=allow_unverified_data, out=out, validation=validation, limit=limit,
                       restart=restart, precision=precision, speed=speed, backend=backend, verbose=verbose)
    if command is None:
        given = [f"{key}={os.fspath(value) if isinstance(value, os.PathLike) else value!r}"
                 for key, value in settings.items() if value != DEFAULTS[key]]
        command = f"mnist_repro.train({', '.join([_named(version), *given])})"
    out = None if settings["out"] is None else Path(settings["out"])
    return run.run(run.RunSettings(version=recipe(version), **{**settings, "out": out}, command=str(command)))


def _named(version) -> str:
    """How a train(...) call names its recipe: as given, or a recipe object by its name."""
    if not isinstance(version, versions.Version):
        return repr(version)
    return repr(version.number) if version.number is not None else f"mnist_repro.rung({version.name!r})"


def checked(version, **settings) -> dict:
    """The settings of a run, each checked as the command line checks its option (one-line errors);
    the version too. Returns them in the order given, whole numbers as int."""
    recipe(version)
    unknown = sorted(set(settings) - set(DEFAULTS))
    if unknown:
        raise BadSetting(f"unknown run setting {unknown[0]!r}; the settings are {', '.join(DEFAULTS)}")
    for key, value in settings.items():
        _check(key, value)
    return {key: int(value) if _whole(value) else value for key, value in settings.items()}


def _check(key: str, value) -> None:
    """The checks of the command line's types and choices, on a value given from Python."""
    if key in COUNTS and not (value is None or _whole(value) and value >= 1):
        raise BadSetting(f"{key}={value!r}: give a whole number of at least 1, or None for the default")
    if key == "seed" and not _whole(value):
        raise BadSetting(f"seed={value!r}: give a whole number, such as 0")
    if key in CHOICES and value not in CHOICES[key] and not (key == "validation" and value is None):
        raise BadSetting(f"{key}={value!r}: choose one of {', '.join(map(repr, CHOICES[key]))}")
    if key in FLAGS and not isinstance(value, bool):
        raise BadSetting(f"{key}={value!r}: give True or False")
    if key in FOLDERS and not (value is None or isinstance(value, (str, os.PathLike))):
        raise BadSetting(f"{key}={value!r}: give a path (a str or a pathlib.Path), or None")


def _whole(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


DEFAULTS = {"epochs": None, "batch_size": None, "seed": 0, "data": None, "allow_unverified_data": False,
            "out": None, "validation": None, "limit": None, "restart": False, "precision": "float32",
            "speed": "fast", "backend": "tensorflow", "verbose": True}
OPTIONS = {"allow_unverified_data": "--allow-unverified-data", "batch_size": "--batch-size"}  # the others: --KEY


def run_argv(version, *, python=None, **settings) -> list[str]:
    """The command that runs a version in a process of its own, `python -m mnist_repro run ...`, as a
    list for subprocess: `python` (default: this interpreter), then `--version N` (a rung: `--rung
    NAME`) and one option per
    setting given, in the order given (the names and checks of `train`; True adds a flag, None and
    False add nothing). For callers whose behaviour is a process: a study's run, a Dask task, a kill,
    a whole-run timing, another backend's environment."""
    checked(version, **settings)
    if "verbose" in settings:
        raise BadSetting("verbose is not an option of `run`; a process's output is its own to keep or drop")
    chosen = recipe(version)
    which = ["--version", str(chosen.number)] if chosen.number is not None else ["--rung", chosen.name]
    argv = [str(python or sys.executable), "-m", "mnist_repro", "run", *which]
    for key, value in settings.items():
        option = OPTIONS.get(key, f"--{key}")
        if value is True:
            argv.append(option)
        elif value is not None and value is not False:
            argv += [option, str(value)]
    return argv


def load_run(folder) -> RunRecord:
    """The record of a run in `folder` (a version folder such as deliverables/ver_1, committed or
    just written, or a study's seed folder): its settings, results, history, timing, data and
    environment as typed fields, and `.load_model()` for the model.keras beside it."""
    return RunRecord.read(Path(folder))


def load_mnist(path=None) -> mnist_data.Mnist:
    """Verified MNIST (uint8 x_train, y_train, x_test, y_test): from `path`, else $MNIST_NPZ, the
    project's data/mnist.npz, Keras's loader, then PyPI; always checked against MNIST's SHA-256."""
    if not (path is None or isinstance(path, (str, os.PathLike))):
        raise BadSetting(f"path={path!r}: give the path of a Keras-format mnist.npz, or None")
    return mnist_data.load(None if path is None else os.fspath(path))


@dataclass
class Predictions:
    """What a model reads in each image: its digit and the ten probabilities (rows in input order)."""

    digits: np.ndarray  # int, shape (N,)
    probabilities: np.ndarray  # float32, shape (N, 10)


def predict_digits(images, *, model=None, version=None) -> Predictions:
    """The digits in `images`: uint8 arrays of 28x28 MNIST-style digits (one, or a stack (N, 28, 28)),
    or image paths (a path or a list of them; read and centred as `predict` reads files). `model` is a
    trained model (Run.model, RunRecord.load_model()); without one, `version`'s trained model is
    loaded from deliverables/ver_N/model.keras."""
    from .use import predict, preprocess

    if model is None and version is None:
        raise BadSetting("give a trained model (model=run.model) or a version (version=1) whose "
                         "deliverables/ver_N/model.keras to use")
    stack = _as_digits(images, preprocess)
    if model is None:
        model = predict.load_model(recipe(version).number)
    shape = tuple(model.input_shape[1:])
    if version is not None and shape != tuple(recipe(version).input_shape):
        raise BadSetting(f"the model takes inputs of shape {shape}, not version {recipe(version).number}'s; "
                         "give the version the model was trained as, or leave version out")
    probabilities = predict.probabilities(model, _InputOf(shape), stack).astype(np.float32)
    return Predictions(digits=probabilities.argmax(-1), probabilities=probabilities)


@dataclass(frozen=True)
class _InputOf:
    """What input scaling needs of a version (batches.inference), read from the model itself."""

    input_shape: tuple
    one_hot: bool = False


def _as_digits(images, preprocess) -> np.ndarray:
    """A uint8 stack (N, 28, 28) from arrays, or from image files through preprocess."""
    if isinstance(images, (str, os.PathLike)):
        images = [images]
    if isinstance(images, (list, tuple)) and images and all(isinstance(i, (str, os.PathLike)) for i in images):
        return np.stack([preprocess.to_mnist(preprocess.read_grayscale(Path(p)), str(p)) for p in images])
    array = np.asarray(images)
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3 or array.shape[1:] != (28, 28) or array.shape[0] == 0:
        raise BadSetting(f"images of shape {array.shape}: give 28x28 digits, one or a stack (N, 28, 28), or "
                         "image paths")
    if array.dtype != np.uint8:
        raise BadSetting(f"images of dtype {array.dtype}: give uint8 grey levels 0-255, ink high, as MNIST's "
                         "(from floats in [0, 1]: (x * 255).round().astype('uint8'))")
    return array

