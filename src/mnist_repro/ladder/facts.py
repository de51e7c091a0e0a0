"""The numbers of the ladder's page, computed from its committed records: the selection's rows (from
deliverables/ladder/selection.json), the end rungs' test-set results (their seed records), rung 0's
record (deliverables/ver_3) and the goal's verdict. page.py writes them out; nothing here formats
prose, so that the tests assert these facts, not sentences.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

PAPER_V3 = 99.15  # the report's v3 test accuracy (versions/v3.py holds it; the goal's bar)
GOAL_SHARE = 50  # issue 44: at most a fiftieth of the faithful v3's training time
BUSY_SHARE = 0.1  # a sitting is busy when other processes took more than this share of the machine's CPU
BUSY_LOAD = 0.5  # ... or, for a selection trial, when the 1-minute load average per core was above this


@dataclass(frozen=True)
class Spread:
    n: int
    mean: float
    std: float  # n - 1 in the denominator; 0 for a single value
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        std = statistics.stdev(values) if len(values) > 1 else 0.0
        return cls(len(values), statistics.fmean(values), std, min(values), max(values))


@dataclass(frozen=True)
class Row:
    """One change tried on the holdout: a kept rung or a dropped candidate."""

    name: str
    step: int
    change: str
    kept: bool
    holdout: Spread  # final holdout accuracy, percent
    fit_s: Spread
    cpu: str
    busy: bool


@dataclass(frozen=True)
class TestSet:
    """An end rung's test-set runs: accuracy (percent) and training time over its seeds."""

    name: str
    accuracy: Spread
    training_s: Spread
    cpu: str
    busy: bool | None  # None: no sitting measured
    commits: tuple[str, ...]
    dates: tuple[str, ...]  # the days its runs started (UTC)


@dataclass(frozen=True)
class Goal:
    """Issue 44's goal for the fast rung: the paper's v3 accuracy in a fiftieth of v3's time."""

    comparable: bool  # rung 0 and the fast rung timed on the same CPU model
    accuracy_met: bool
    accuracy_short_pp: float  # how far the mean is below 99.15 (0 when met)
    share: float | None  # the fast rung's time over rung 0's (None when not comparable)
    time_met: bool | None

    @property
    def met(self) -> bool | None:
        return None if not self.comparable else self.accuracy_met and bool(self.time_met)


def selection_rows(selection: dict, steps: dict[str, int]) -> list[Row]:
    """Every change tried, in ladder order (a dropped candidate after the rungs of its step)."""
    rows = []
    for name, summary in selection["summary"].items():
        trials = [trial for trial in selection["trials"] if trial["name"] == name]
        busy = any(trial["load_average"]["before"][0] / trial["cpu_count"] > BUSY_LOAD for trial in trials)
        rows.append(Row(name, steps[name], summary["change"], summary["kept"],
                        Spread.of([trial["holdout_accuracy"][-1] for trial in trials]),
                        Spread.of([trial["fit_s"] for trial in trials]),
                        f"{trials[0]['cpu']}, {trials[0]['cpu_count']} cores", busy))
    return sorted(rows, key=lambda row: (row.step, not row.kept))


def cpu_of(record) -> str:
    return f"{record.environment['cpu']}, {record.environment['cpu_count']} cores"


def test_set(name: str, records: list, sittings: dict) -> TestSet:
    """The seed records of one rung (RunRecords), with their sittings (seeds/sittings.json)."""
    mine = [sittings.get(f"{name}/seed_{record.settings.seed}") for record in records]
    shares = [sitting["others_cpu_share"] for sitting in mine if sitting and sitting["others_cpu_share"] is not None]
    return TestSet(name, Spread.of([record.results.test_accuracy for record in records]),
                   Spread.of([record.results.training_time_s for record in records]),
                   " / ".join(sorted({cpu_of(record) for record in records})),
                   None if len(shares) < len(records) else any(share > BUSY_SHARE for share in shares),
                   tuple(sorted({(record.code.commit or "unknown")[:7] for record in records})),
                   tuple(sorted({sitting["started"][:10] for sitting in mine if sitting})))


def goal(fast: TestSet, rung0) -> Goal:
    """The verdict from the numbers: `rung0` is deliverables/ver_3's record."""
    accuracy_met = fast.accuracy.mean >= PAPER_V3
    short = max(0.0, PAPER_V3 - fast.accuracy.mean)
    if fast.cpu != cpu_of(rung0):
        return Goal(False, accuracy_met, short, None, None)
    share = fast.training_s.mean / rung0.results.training_time_s
    return Goal(True, accuracy_met, short, share, share <= 1 / GOAL_SHARE)
