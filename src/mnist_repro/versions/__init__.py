"""The versions of the report, one file each (v1.py, v2.py, ...).

A version file holds its recipe as data first (`VERSION`: input shape, loss and label encoding,
epochs, batch size, Adam's epsilon, what must be set before TensorFlow starts, and the paper's
published numbers as reference data), then `def model()`, the network as plain
`keras.Sequential([...])`. Keras is imported only inside `model()`, so the CLI can validate a
version before loading TensorFlow. A fourth version is one new file `vN.py` with `VERSION` and
`model()`; its output layer takes `dtype="float32"`, so that under `--precision mixed_bfloat16`
the softmax and the loss stay in full precision.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field, replace
from typing import Callable

from ..errors import UnknownVersion


@dataclass(frozen=True)
class PaperResults:
    """Numbers published by the 2018 report (reference data, never our results).

    `epochs` holds the console log's per-epoch (loss, acc, val_loss, val_acc); its "val" pair
    was measured on the training set. `table_errata` maps an epoch to the (loss, acc) that the
    report's table printed where it disagrees with its own log.
    """

    training_time_s: float
    train_loss: float
    train_accuracy: float  # percent
    test_loss: float
    test_accuracy: float  # percent
    epochs: tuple[tuple[float, float, float, float], ...]
    table_errata: dict[int, tuple[float, float]] = field(default_factory=dict)
    table_missing_epochs: tuple[int, ...] = ()
    hardware: str = "Intel Core i7-6700HQ (4 cores / 8 threads, 2.6 GHz), Keras 2.2.4, TF 1.12.0"

    @property
    def test_errors(self) -> int:
        return round((100.0 - self.test_accuracy) / 100.0 * 10_000)


@dataclass(frozen=True)
class Version:
    number: int
    name: str
    input_shape: tuple[int, ...]
    loss: str  # a keras.losses name
    one_hot: bool  # labels as one-hot vectors (categorical) or integers (sparse)
    epochs: int
    batch_size: int
    paper: PaperResults
    # Adam, learning rate 0.001, betas 0.9 / 0.999, as the original; only epsilon differs between
    # versions, because v1 compiled with TensorFlow 1's own optimizer and v2/v3 with Keras's.
    adam_epsilon: float = 1e-7
    optimizer_origin: str = "keras.optimizers.Adam() of Keras 2.2.4 (epsilon K.epsilon() = 1e-7)"
    # Set before TensorFlow starts (it cannot change later): None keeps TensorFlow's default of
    # every core. Thread counts change no result, only speed.
    intra_op_threads: int | None = None
    # The file's `model()`, attached by `available()`: it returns the built keras.Sequential.
    model: Callable[[], object] | None = field(default=None, repr=False, compare=False)
    # What the ladder's rungs (ladder/) change; the report's versions keep these defaults, which are
    # its settings: a constant rate (the peak of "warmup_cosine": linear from 0 to it over
    # `warmup_fraction` of all steps, then a cosine to 0), no label smoothing, the val pass over the
    # training set after each epoch ("train"; "none": no val pass), no augmentation.
    learning_rate: float = 0.001
    schedule: str = "constant"
    warmup_fraction: float = 0.0
    adam_beta_1: float = 0.9
    adam_beta_2: float = 0.999
    label_smoothing: float = 0.0
    validation: str = "train"
    augmentation: str | None = None  # what a model's augmentation layer does, in words

    @property
    def label_encoding(self) -> str:
        return "one-hot" if self.one_hot else "integer"

    @property
    def label(self) -> str:
        """How messages name it: "version 3" (a rung: "rung fast")."""
        return f"version {self.number}"

    @property
    def heading(self) -> str:
        return f"version {self.number} ({self.name})"


def available() -> dict[int, Version]:
    """Every version module in this package, keyed by its number."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("v") and info.name[1:].isdigit():
            module = importlib.import_module(f"{__name__}.{info.name}")
            found[module.VERSION.number] = replace(module.VERSION, model=module.model)
    return dict(sorted(found.items()))


def get(number) -> Version:
    versions = available()
    try:
        return versions[int(number)]
    except (KeyError, ValueError, TypeError):
        valid = ", ".join(str(n) for n in versions)
        raise UnknownVersion(f"unknown version {number!r}: choose one of {valid}") from None
