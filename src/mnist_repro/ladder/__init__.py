"""The ladder from the report's v3 (2018) to a recipe of today, one change per rung (issue 44).

Rungs are not report versions: they live in their own registry (ladder/rungs/), never in
versions/, have no paper numbers, and are chosen on a holdout split of the training images
(holdout.py), never on the test set. A rung file reads like a versions/vN.py: its recipe as data
(`RUNG`, a `Rung`), then `def model()` returning a `keras.Sequential`. Rung 0 is the faithful v3,
its recipe and model taken from versions/v3.py unchanged; each next rung changes one thing in the
rung below (`below`), said in one line (`change`). A `Rung` is a versions.Version without a number
or paper numbers, so the project's run path trains it as it trains a version (`python -m mnist_repro
run --rung NAME`, into deliverables/ladder/NAME/); the fields a rung changes (the learning-rate
schedule, Adam's betas, label smoothing, the val pass) are Version's, whose defaults are the report's
settings, so that rung 0 is exactly v3.

`available()` lists the rungs; `tried()` adds the candidates that the selection runner
(selection.py) measured but the ladder dropped (candidates.py), so that every change tried keeps
its recipe in the code that its record names.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, replace

from ..errors import BadSetting
from ..versions import Version

SCHEDULES = ("constant", "warmup_cosine")
VALIDATIONS = ("train", "none")  # the report's val pass over the training images after each epoch, or none


@dataclass(frozen=True, kw_only=True)
class Rung(Version):
    """A recipe of the ladder: a Version (what the run path trains) with no number and no paper
    numbers, named by `name`. The optimizer's, schedule's, loss's and val pass's fields are
    Version's, whose defaults are the report's settings."""

    number: None = None  # not a version of the report
    paper: None = None  # a rung has no paper numbers
    step: int  # its place on the ladder: 0 is the faithful v3; a dropped candidate has its base's step
    change: str  # one line: what differs from the rung below, and why it was tried
    below: str | None  # the rung it changes (None for rung 0)
    optimizer_origin: str = "keras.optimizers.Adam of Keras 3, set as this rung says"
    precision: str = "float32"  # the selection runner's; a run's --precision decides in the run path
    # One line where the project's checkpoint cannot resume this rung exactly, and why; None: it does.
    resume_note: str | None = None

    @property
    def label(self) -> str:
        return f"rung {self.name}"

    @property
    def heading(self) -> str:
        return f"rung {self.name} (step {self.step} of the ladder; not a version of the report)"

    def __post_init__(self):
        if self.schedule not in SCHEDULES or self.validation not in VALIDATIONS:
            raise ValueError(f"rung {self.name}: schedule {self.schedule!r}, validation {self.validation!r}")

    def then(self, name: str, change: str, **fields) -> Rung:
        """The next rung: this recipe with `fields` changed (one idea), one step up (or at `step=`,
        for a branch that climbs from a lower rung)."""
        return replace(self, **{"step": self.step + 1, **fields}, name=name, change=change, below=self.name)


def _rung_modules():
    from . import rungs

    for info in sorted(pkgutil.iter_modules(rungs.__path__), key=lambda info: info.name):
        if info.name.startswith("r") and info.name[1:3].isdigit():
            yield importlib.import_module(f"{rungs.__name__}.{info.name}")


def available() -> dict[str, Rung]:
    """The ladder's rungs by name, from rung 0 up; each with its file's `model()`."""
    found = [replace(module.RUNG, model=module.model) for module in _rung_modules()]
    return {rung.name: rung for rung in sorted(found, key=lambda rung: rung.step)}


def tried() -> dict[str, Rung]:
    """Every recipe the selection runner can measure: the rungs, then the dropped candidates."""
    from .candidates import CANDIDATES

    return {**available(), **{rung.name: rung for rung in CANDIDATES}}


def get(name: str, include_dropped: bool = False) -> Rung:
    known = tried() if include_dropped else available()
    if name not in known:
        raise BadSetting(f"unknown rung {name!r}: choose one of {', '.join(known)}")
    return known[name]
