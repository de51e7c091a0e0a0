"""Numbers of the reproduction study, computed from run folders: no files written, no training."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from .. import paths
from ..outputs.formats import read_history

FINAL = (  # (metrics.json key, label, paper attribute, digits, unit)
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
        half = t_quantile(1 - (1 - level) / 2, self.n - 1) * self.std * math.sqrt(1 + 1 / self.n)
        return self.mean - half, self.mean + half

    def rank_of(self, value: float) -> float:
        """The empirical quantile of `value` among the runs: the share below it, ties counting half."""
        below = sum(v < value for v in self.values) + 0.5 * sum(v == value for v in self.values)
        return below / self.n


def t_quantile(p: float, df: int) -> float:
    """Student's t quantile, by bisection on its CDF (Simpson's rule on the density): no SciPy needed."""
    scale = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)

    def cdf(t: float, steps: int = 2000) -> float:
        h = t / steps
        density = [scale * (1 + (i * h) ** 2 / df) ** (-(df + 1) / 2) for i in range(steps + 1)]
        return 0.5 + h / 3 * (density[0] + density[-1] + 4 * sum(density[1:-1:2]) + 2 * sum(density[2:-1:2]))

    low, high = 0.0, 1000.0
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if cdf(middle) < p else (low, middle)
    return (low + high) / 2


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
    runs: dict[int, dict[int, dict]] = field(default_factory=dict)  # version -> seed -> run
    skipped: list[str] = field(default_factory=list)


def load_run(folder: Path) -> dict:
    """metrics.json plus history.csv of one seed; raises ValueError with the reason if unusable."""
    try:
        metrics = json.loads((folder / "metrics.json").read_text())
    except FileNotFoundError:
        raise ValueError("no metrics.json (run incomplete)") from None
    except (OSError, ValueError) as error:
        raise ValueError(f"metrics.json unreadable ({type(error).__name__})") from None
    if not isinstance(metrics, dict) or metrics.get("format") != 2:
        raise ValueError("metrics.json is from an older mnist-repro (before format 2)")
    try:
        history = [{k: v for k, v in row.items() if v is not None} for row in read_history(folder / "history.csv")]
        results = metrics["results"]
        for key, *_ in FINAL:
            float(results[key])
        if len(history) != metrics["settings"]["epochs"] or not all("loss" in row for row in history):
            raise ValueError("history.csv does not match metrics.json")
    except FileNotFoundError:
        raise ValueError("no history.csv") from None
    except (OSError, KeyError, TypeError, ValueError) as error:
        raise ValueError(f"inconsistent run files ({type(error).__name__}: {error})") from None
    return {"metrics": metrics, "history": history}


def collect(root: Path) -> Study:
    study = Study()
    for number, version_folder in paths.version_folders(root):
        for seed, folder in paths.seed_folders(version_folder):
            try:
                run = load_run(folder)
            except ValueError as error:
                study.skipped.append(f"{folder.relative_to(root.parent) if root.parent in folder.parents else folder}: {error}")
                continue
            study.runs.setdefault(number, {})[seed] = run
    return study


def final_spread(runs: dict[int, dict], key: str) -> Spread:
    return Spread([float(run["metrics"]["results"][key]) for _, run in sorted(runs.items())])


def epoch_spread(runs: dict[int, dict], epoch: int, key: str) -> Spread | None:
    values = [run["history"][epoch][key] for _, run in sorted(runs.items())
              if epoch < len(run["history"]) and key in run["history"][epoch]]
    return Spread(values) if values else None


def permutation_p_value(first: list[float], second: list[float], limit: int = 200_000) -> tuple[float, str]:
    """Two-sided p-value that the two groups share one mean: the share of relabellings of the pooled
    runs whose difference in means is at least as large as the one seen. Every relabelling when there
    are at most `limit`, else `limit` random ones from a fixed seed (so a report regenerates byte for
    byte). No distribution is assumed, which suits a handful of runs per group."""
    import itertools
    import random

    pooled, size = first + second, len(first)
    observed = abs(sum(first) / len(first) - sum(second) / len(second))
    total = sum(pooled)

    def difference(chosen_sum: float) -> float:
        return abs(chosen_sum / size - (total - chosen_sum) / (len(pooled) - size))

    count = math.comb(len(pooled), size)
    if count <= limit:
        splits = (sum(pooled[i] for i in chosen) for chosen in itertools.combinations(range(len(pooled)), size))
        method = f"exact, all {count:,} splits"
    else:
        generator = random.Random(0)
        splits = (sum(generator.sample(pooled, size)) for _ in range(limit))
        count, method = limit, f"{limit:,} random splits"
    extreme = sum(difference(chosen) >= observed - 1e-12 for chosen in splits)
    return extreme / count, method
