"""Numbers of the reproduction study, computed from run folders: no files written, no training.

The Student-t quantile and the permutation test are SciPy's, from the optional `study` extra
(requirements-study.txt), which `make report` installs on first use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import stats as scipy_stats

from .. import paths
from ..errors import RecordUnusable
from ..outputs.formats import read_history
from ..outputs.run_record import RunRecord

FINAL = (  # (RunRecord.results field, label, paper attribute, digits, unit)
    ("train_loss", "train loss", "train_loss", 5, ""),
    ("train_accuracy", "train accuracy", "train_accuracy", 3, " %"),
    ("test_loss", "test loss", "test_loss", 5, ""),
    ("test_accuracy", "test accuracy", "test_accuracy", 3, " %"),
)


@dataclass
class Spread:
    values: list[float]

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return sum(self.values) / self.n

    @property
    def std(self) -> float:
        """Sample standard deviation (n - 1); 0 for a single run."""
        if self.n < 2:
            return 0.0
        return math.sqrt(sum((v - self.mean) ** 2 for v in self.values) / (self.n - 1))

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    def prediction_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Where one new run is expected to land: mean ± t(1 - (1 - level) / 2, n - 1) · s · √(1 + 1/n)."""
        if self.n < 2:
            return self.mean, self.mean
        t = float(scipy_stats.t.ppf(1 - (1 - level) / 2, self.n - 1))
        half = t * self.std * math.sqrt(1 + 1 / self.n)
        return self.mean - half, self.mean + half

    def rank_of(self, value: float) -> float:
        """The empirical quantile of `value` among the runs: the share below it, ties counting half."""
        below = sum(v < value for v in self.values) + 0.5 * sum(v == value for v in self.values)
        return below / self.n


CLIPPED = "‡"
CLIPPED_NOTE = ("‡ Cut at the bound: mean ± t · s · √(1 + 1/n) passes 0 (a loss) or 100 % (an accuracy), which no run "
                "can; the paper's value lies within the bounds, so the verdict is the same either way.")


def interval_text(spread: Spread, digits: int, unit: str = "", upper: float | None = None) -> str:
    """'[low, high]' of the 95 % prediction interval, each end cut to what a run can score (0 to `upper`,
    100 for a percentage) and marked CLIPPED where it was."""
    low, high = spread.prediction_interval()
    low_text = f"{0.0:.{digits}f}{CLIPPED}" if low < 0 else f"{low:.{digits}f}"
    high_text = f"{upper:.{digits}f}{CLIPPED}" if upper is not None and high > upper else f"{high:.{digits}f}"
    return f"[{low_text}, {high_text}]{unit}"


def interval_verdict(paper: float, spread: Spread, digits: int, unit: str = "") -> str:
    """Inside the 95 % prediction interval for one new run, or outside by the distance to its nearer end."""
    low, high = spread.prediction_interval()
    if low <= paper <= high:
        return "inside"
    side = "below" if paper < low else "above"
    return f"outside, {abs(paper - (low if paper < low else high)):.{digits}f}{unit} {side}"


def rank_text(paper: float, spread: Spread) -> str:
    """Where the paper's value falls among our runs, e.g. '0.05 (above 1 of 20 runs)'."""
    above = sum(v < paper for v in spread.values)
    return f"{spread.rank_of(paper):.2f} (above {above} of {spread.n} runs)"


@dataclass
class Study:
    runs: dict[int, dict[int, RunRecord]] = field(default_factory=dict)  # version -> seed -> record
    skipped: list[str] = field(default_factory=list)


def read_seed(folder: Path) -> RunRecord:
    """One seed's record, checked against the history.csv kept beside it; raises ValueError with
    the reason if unusable."""
    try:
        record = RunRecord.read(folder)
    except RecordUnusable as error:
        raise ValueError(error.reason) from None
    try:
        rows = read_history(folder / "history.csv")
    except FileNotFoundError:
        raise ValueError("no history.csv") from None
    except (OSError, ValueError) as error:
        raise ValueError(f"inconsistent run files ({type(error).__name__}: {error})") from None
    if not (len(rows) == len(record.history) == record.settings.epochs) or any(row.get("loss") is None for row in rows):
        raise ValueError("history.csv does not match metrics.json")
    return record


def collect(root: Path, backend: str | None = None, base: Path | None = None) -> Study:
    """Every seed record under `root`; with `backend`, a record that names another backend in its
    settings (none named: TensorFlow, as before backends were a setting) is skipped as misplaced.
    A skipped folder is named from `base` (root's parent unless given), so that jax/seeds/ver_1/seed_0
    and seeds/ver_1/seed_0 read apart."""
    study, base = Study(), root.parent if base is None else base
    for number, version_folder in paths.version_folders(root):
        for seed, folder in paths.seed_folders(version_folder):
            try:
                record = read_seed(folder)
                if backend is not None and record.settings.backend != backend:
                    raise ValueError(f"metrics.json records the {record.settings.backend} backend, not {backend}")
            except ValueError as error:
                study.skipped.append(f"{folder.relative_to(base) if base in folder.parents else folder}: {error}")
                continue
            study.runs.setdefault(number, {})[seed] = record
    return study


def final_spread(runs: dict[int, RunRecord], key: str) -> Spread:
    return Spread([float(getattr(record.results, key)) for _, record in sorted(runs.items())])


def epoch_spread(runs: dict[int, RunRecord], epoch: int, key: str) -> Spread | None:
    values = [record.history[epoch][key] for _, record in sorted(runs.items())
              if epoch < len(record.history) and record.history[epoch].get(key) is not None]
    return Spread(values) if values else None


def permutation_p_value(first: list[float], second: list[float], limit: int = 200_000) -> tuple[float, str]:
    """Two-sided p-value that the two groups share one mean (scipy.stats.permutation_test): the share
    of relabellings of the pooled runs whose absolute difference in means is at least the one seen.
    Every relabelling when there are at most `limit`, else `limit` random ones from NumPy's generator
    seeded 0 (so a report regenerates byte for byte), counted with the split seen, (k + 1) / (limit + 1).
    No distribution is assumed, which suits a handful of runs per group.

    Give counts (test errors), not percentages: SciPy takes a split as tying with the one seen within
    a relative 100 ulp, and float sums of decimals such as 97.85 miss that by more, so ties that are
    exact in integers would be lost."""
    def difference(x, y, axis):
        return np.abs(np.mean(x, axis=axis) - np.mean(y, axis=axis))

    result = scipy_stats.permutation_test((first, second), difference, permutation_type="independent",
                                          vectorized=True, n_resamples=limit, alternative="greater", rng=0)
    count = math.comb(len(first) + len(second), len(first))
    return float(result.pvalue), f"exact, all {count:,} splits" if count <= limit else f"{limit:,} random splits"
