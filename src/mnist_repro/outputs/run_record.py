"""metrics.json, the record of one run: the one class that writes it and reads it.

Every number of a run, its settings, its data, its machine and its code go into one JSON file in
ver_N/ (and in the study's seeds/ver_N/seed_S/). `RunRecord` is that file as typed fields; every
reader goes through `RunRecord.read`, which refuses a missing, unreadable or foreign file with one
error, `RecordUnusable`, whose `reason` says which. The fields are written in their declared order;
a field with a default may be absent from a file (a record from before it existed) and stays absent
when the record is written back, so every committed record round-trips byte for byte. A new
setting (the ladder's optimizer, schedule, augmentation or holdout) is a new field with the default
None, written only when set, so the faithful runs keep their layout.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RecordUnusable

FORMAT = 2  # format 1 predates exact resume and v1's own Adam; its runs are not comparable
FILE = "metrics.json"


@dataclass(frozen=True, kw_only=True)
class Part:
    """A JSON object of the record. `absent` names the fields with a default that the file lacks."""

    absent: frozenset = field(default=frozenset(), repr=False, compare=False)


@dataclass(frozen=True, kw_only=True)
class Settings(Part):
    """What the run was asked to do, and the recipe it followed."""

    version: int | None  # None: a ladder rung, not a version of the report
    rung: str | None = None  # the rung's name (absent from a version's record)
    seed: int
    epochs: int
    batch_size: int
    validation: str  # "train" (the report's), "test" or "none"
    limit: int | None  # the first N images of each split; None: all
    precision: str
    backend: str = "tensorflow"  # absent from records made before backends were a setting
    command: str  # the command line, or the mnist_repro.train(...) call, that made the run
    loss: str
    labels: str  # "one-hot" or "integer"
    optimizer: str
    optimizer_origin: str
    label_smoothing: float | None = None  # a rung's; None (absent): none, as the report
    augmentation: str | None = None  # a rung's, in words; None (absent): none, as the report
    speed: str
    resumed_from_epoch: int | None


@dataclass(frozen=True, kw_only=True)
class Results(Part):
    """result.txt's numbers (accuracies in percent) and the error counts behind them."""

    training_time_s: float
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    train_errors: int
    train_images: int
    test_errors: int
    test_images: int


@dataclass(frozen=True, kw_only=True)
class Timing(Part):
    """Wall seconds of each part of the run; `epoch_s` holds every epoch, the resumed ones included."""

    data_s: float
    import_s: float
    fit_s: float
    training_time_s: float
    epoch_s: list[float]
    evaluate_and_label_s: float
    deliverables_s: float
    run_s: float


@dataclass(frozen=True, kw_only=True)
class Data(Part):
    source: str
    verified: bool
    sha256: dict[str, str]  # of each array of the data used (x_train, y_train, x_test, y_test)


@dataclass(frozen=True, kw_only=True)
class Code(Part):
    commit: str | None  # None outside a git checkout
    src_dirty: bool | None  # uncommitted changes in src/ when the run started


@dataclass(frozen=True, kw_only=True)
class RunRecord(Part):
    """One run's metrics.json. `folder` is where it was read from (None for a record not read)."""

    version: int | None  # None: a ladder rung (settings.rung names it), not a version of the report
    name: str
    settings: Settings
    results: Results
    history: list[dict[str, float | None]]  # history.csv's rows as numbers, None where empty
    timing: Timing
    data: Data
    environment: dict  # environment.describe(): CPU, libraries, every installed distribution
    code: Code
    model_png: str  # what drew model.png: graphviz's plot_model or the matplotlib fallback
    folder: Path | None = field(default=None, repr=False, compare=False)

    @classmethod
    def read(cls, folder: Path) -> RunRecord:
        """The record in `folder`/metrics.json; RecordUnusable says why there is none to use."""
        path = Path(folder) / FILE
        try:
            text = path.read_text()
        except FileNotFoundError:
            raise RecordUnusable(folder, f"no {FILE} (run incomplete)") from None
        except (OSError, ValueError) as error:
            raise RecordUnusable(folder, f"{FILE} unreadable ({type(error).__name__})") from None
        return dataclasses.replace(cls.from_json(text, folder), folder=Path(folder))

    @classmethod
    def from_json(cls, text: str, folder: Path | str = ".") -> RunRecord:
        """The record of a metrics.json's text; `folder` names it in an error."""
        try:
            mapping = json.loads(text)
        except ValueError as error:
            raise RecordUnusable(folder, f"{FILE} unreadable ({type(error).__name__})") from None
        if not isinstance(mapping, dict) or mapping.get("format") != FORMAT:
            raise RecordUnusable(folder, f"{FILE} is from an older mnist-repro (before format {FORMAT})")
        try:
            return _typed(cls, {key: value for key, value in mapping.items() if key != "format"})
        except (KeyError, TypeError) as error:
            raise RecordUnusable(folder, f"{FILE} does not hold a run's record ({error.args[0]})") from None

    def to_json(self) -> str:
        """The file's text: two-space indents, the declared order, a final newline."""
        return json.dumps({"format": FORMAT, **_plain(self)}, indent=2) + "\n"

    def write(self, folder: Path) -> None:
        """metrics.json in `folder` (a version folder being built: its atomic swap makes it whole)."""
        (Path(folder) / FILE).write_text(self.to_json())

    def load_model(self):
        """The trained model beside this record (model.keras; a study's seed folder keeps none),
        checked to take this version's input. Loads Keras (TensorFlow)."""
        from ..use import predict

        if self.folder is None:
            raise RecordUnusable(".", "this record was not read from a folder, so no model.keras is beside it")
        if self.version is None:  # a ladder rung's run
            from .. import ladder

            return predict.load_model_file(self.folder / "model.keras", ladder.get(self.settings.rung))
        return predict.load_model_file(self.folder / "model.keras", self.version)


_NESTED = {"settings": Settings, "results": Results, "timing": Timing, "data": Data, "code": Code}


def _typed(cls, mapping: dict):
    """`cls` from a JSON object: each declared field checked against its type; a field with a default
    may be missing (it is recorded in `absent`, so that it stays missing when written back)."""
    hints = typing.get_type_hints(cls)
    values, absent = {}, set()
    for spec in dataclasses.fields(cls):
        if spec.name in ("absent", "folder"):
            continue
        if spec.name not in mapping:
            if spec.default is dataclasses.MISSING:
                raise KeyError(f"{cls.__name__.lower()}: no {spec.name!r}")
            if spec.default is not None:  # a None default is left out when unset anyway (_plain)
                absent.add(spec.name)
            continue
        value = mapping[spec.name]
        nested = _NESTED.get(spec.name) if cls is RunRecord else None
        if nested is not None:
            if not isinstance(value, dict):
                raise TypeError(f"{spec.name!r} is not an object")
            value = _typed(nested, value)
        elif not _fits(value, hints[spec.name]):
            hint = hints[spec.name]
            raise TypeError(f"{cls.__name__.lower()}.{spec.name} = {value!r} is not {getattr(hint, '__name__', hint)}")
        values[spec.name] = value
    unknown = set(mapping) - {spec.name for spec in dataclasses.fields(cls)}
    if unknown:
        raise KeyError(f"{cls.__name__.lower()}: unknown {', '.join(sorted(unknown))}")
    return cls(**values, absent=frozenset(absent))


def _fits(value, hint) -> bool:
    """Whether a JSON value is of the declared type (ints pass as floats; bools are not numbers)."""
    if isinstance(hint, types.UnionType):
        return any(_fits(value, part) for part in typing.get_args(hint))
    origin = typing.get_origin(hint) or hint
    if origin is type(None):
        return value is None
    if origin is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if origin is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, origin)


def _plain(record) -> dict:
    """A typed record back to its JSON object, in the declared order; absent fields, and unset ones
    whose default is None (the settings added after format 2), are left out."""
    out = {}
    for spec in dataclasses.fields(record):
        if spec.name in ("absent", "folder") or spec.name in record.absent:
            continue
        value = getattr(record, spec.name)
        if value is None and spec.default is None:
            continue
        out[spec.name] = _plain(value) if dataclasses.is_dataclass(value) else value
    return out
