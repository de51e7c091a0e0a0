"""Generated blocks from the committed measurements: the study's v1 seeds against the report's log,
the v1-gap arms (doc/v1-gap.json), the bench (benchmarks/results.json) and the cluster check
(doc/cluster-measurement.json); each a small function from the files under `root` to Markdown
(doc/render.py says which block goes where)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from mnist_repro import versions
from mnist_repro.study.stats import collect, epoch_spread, final_spread, interval_verdict, permutation_p_value
from record_blocks import SEEDS, joined

FIRST_EPOCHS = 9  # doc/reproduction.md reads v1's gap in two parts: epochs 1-9, where it is small, and the rest
DEFAULT_ARM = "keras3"  # the v1-gap experiment's faithful default


def signed(values: list[float], positive: str, negative: str, mixed: str) -> str:
    """One of three phrasings, as the values are all above zero, all below, or on both sides."""
    return positive if all(v > 0 for v in values) else negative if all(v < 0 for v in values) else mixed


def side_of(sigmas: list[float]) -> str:
    """Where the paper's values lie from our means, in our standard deviations."""
    low, high, most = min(sigmas), max(sigmas), max(abs(s) for s in sigmas)
    return signed(sigmas, f"{low:.1f} to {high:.1f} standard deviations above our mean",
                  f"{-high:.1f} to {-low:.1f} standard deviations below our mean",
                  f"on both sides of our mean, within {most:.1f} standard deviations")


def lower_by(percents: list[float]) -> str:
    """How much lower than the paper's ours is, in percent of the paper's value."""
    low, high = min(percents), max(percents)
    return signed(percents, f"{low:.1f}–{high:.1f} % lower", f"{-high:.1f}–{-low:.1f} % higher",
                  f"between {high:.1f} % lower and {-low:.1f} % higher")


def v1_epochs(root: Path, key: str) -> list[tuple[float, float]]:
    """Per epoch of v1: (the paper's value in our standard deviations from our mean, % ours is lower)."""
    runs = collect(root / SEEDS).runs[1]
    column = {"loss": 0, "val_loss": 2}[key]
    rows = []
    for epoch, logged in enumerate(versions.get(1).paper.epochs):
        spread = epoch_spread(runs, epoch, key)
        rows.append(((logged[column] - spread.mean) / spread.std, 100 * (1 - spread.mean / logged[column])))
    return rows


def v1_loss_gap(root: Path) -> str:
    """doc/reproduction.md: v1's training loss and the report's "val" loss against the 2018 log, per epoch."""
    loss, val = v1_epochs(root, "loss"), v1_epochs(root, "val_loss")
    n, epochs = len(collect(root / SEEDS).runs[1]), len(loss)
    below = sum(lower > 0 for _, lower in loss)
    parts = [(f"epochs 1–{FIRST_EPOCHS}", loss[:FIRST_EPOCHS]), (f"epochs {FIRST_EPOCHS + 1}–{epochs}", loss[FIRST_EPOCHS:])]
    said = "; in ".join(f"{name} ours is {lower_by([p for _, p in rows])}, and the paper's value lies "
                        f"{side_of([s for s, _ in rows])}" for name, rows in parts)
    return "\n".join([
        f"Over the {n} seeds of the study, our v1 mean per-epoch training loss is below the 2018 log at "
        f"{'every epoch' if below == epochs else f'{below} of its {epochs} epochs'}. In {said}.",
        f"The end-of-epoch loss on the training set (the report's \"val\" columns): the paper's value lies "
        f"{side_of([s for s, _ in val])} at every epoch."])


def arm_curves(root: Path) -> tuple[list[float], dict[str, list[float]], dict[str, list]]:
    """doc/v1-gap.json: the paper's per-epoch loss, each arm's seed-mean curve, and each arm's runs."""
    kept = json.loads((root / "doc" / "v1-gap.json").read_text())
    runs = {arm: [run if isinstance(run, dict) else {"loss": run} for run in arm_runs]
            for arm, arm_runs in kept["arms"].items() if isinstance(arm_runs, list) and arm_runs}
    curves = {arm: [statistics.mean(run["loss"][e] for run in arm_runs) for e in range(len(kept["paper"]))]
              for arm, arm_runs in runs.items()}
    return kept["paper"], curves, runs


def v1_gap_arms(root: Path) -> str:
    """doc/reproduction.md: each v1-gap arm's curve against the paper's and the faithful default's;
    an arm that repeats the default value for value is left out of that comparison, as v1-gap.md does."""
    paper, curves, runs = arm_curves(root)
    default = curves[DEFAULT_ARM]
    above_paper = {arm: [e + 1 for e, (v, p) in enumerate(zip(curve, paper)) if v >= p] for arm, curve in curves.items()}
    if not any(above_paper.values()):
        said = ["Every arm's curve stays below the paper's at every epoch."]
    else:
        said = [f"{joined([f'`{arm}`' for arm, e in above_paper.items() if not e])} stay below the paper's curve at "
                f"every epoch; " + "; ".join(f"`{arm}` reaches it at epochs {joined(list(map(str, e)))}"
                                             for arm, e in above_paper.items() if e) + "."]
    others = [arm for arm in curves if arm != DEFAULT_ARM and runs[arm] != runs[DEFAULT_ARM]]
    above = {arm: [e + 1 for e, (v, d) in enumerate(zip(curves[arm], default)) if v > d] for arm in others}
    late = slice(len(paper) // 2, len(paper))  # v1-gap.md's reading: the second half of the epochs
    clauses = []
    if [arm for arm in others if not above[arm]]:
        clauses.append(f"{joined([f'`{arm}`' for arm in others if not above[arm]])} stay at or below the faithful "
                       "default's at every epoch")
    for arm in (arm for arm in others if above[arm]):
        mean_side = "below" if sum(curves[arm][late]) < sum(default[late]) else "above"
        clauses.append(f"`{arm}` sits above it at epochs {joined(list(map(str, above[arm])))}, "
                       f"{'but' if mean_side == 'below' else 'and'} {mean_side} it on average over the second half")
    return " ".join(said + ["; ".join(clauses)])


def v1_gap_graph_accuracy(root: Path, arm: str = "keras2-graph") -> str:
    """Whether the graph-mode arm's mean test accuracy lies inside the study's v1 prediction interval."""
    _, _, runs = arm_curves(root)
    accuracy = statistics.mean(run["test_accuracy"] for run in runs[arm])
    study = final_spread(collect(root / SEEDS).runs[1], "test_accuracy")
    return f"{interval_verdict(accuracy, study, 2, ' pp')} our {study.n}-seed prediction interval"


def v1_gap_stack_end(root: Path, arm: str = "2018-stack") -> str:
    """Whether the 2018 stack's last-epoch loss is told apart from the study's TensorFlow seeds (5 % level)."""
    _, _, runs = arm_curves(root)
    today = [record.history[-1]["loss"] for _, record in sorted(collect(root / SEEDS).runs[1].items())]
    p, _ = permutation_p_value(today, [run["loss"][-1] for run in runs[arm]])
    return (f"{'ends where' if p >= 0.05 else 'ends apart from where'} today's TensorFlow ends (its {len(runs[arm])} "
            f"runs' last-epoch loss against the study's {len(today)} seeds: permutation p = {p:.3f})")


def bench(root: Path) -> dict:
    return json.loads((root / "benchmarks" / "results.json").read_text())


def amount(gflop: float) -> str:
    return f"{gflop / 1000:.1f} TFLOP" if gflop >= 1000 else f"{gflop:.0f} GFLOP"


def flop_per_epoch(root: Path) -> str:
    """doc/performance.md: one epoch's FLOP per version (GFLOP/s times the median epoch, default rows)."""
    flop = {row["version"]: row["gflops"] * row["median_s"] for row in bench(root)["rows"] if row["config"] == "default"}
    first, *rest = sorted(flop, reverse=True)
    return ", ".join([f"v{first} is about {amount(flop[first])}", *(f"v{v} {amount(flop[v])}" for v in rest)])


def bench_wall(root: Path) -> str:
    return f"{bench(root)['bench_wall_s']:,.0f} s"


def bf16_bound(root: Path) -> str:
    """doc/performance.md: v3's bf16 speed-up on the committed bench, and the most its BF16 peak allows."""
    measured = bench(root)
    rows = {row["config"]: row for row in measured["rows"] if row["version"] == 3}
    fp32, bf16 = rows["default"], rows["mixed_bfloat16"]
    peak = {precision: measured["peak"][precision]["best_gflops"] for precision in ("fp32", "bf16")}
    speedup, ratio, bound = fp32["median_s"] / bf16["median_s"], peak["bf16"] / peak["fp32"], peak["bf16"] / fp32["gflops"]
    machine = measured["machine"]
    nearer = "nearer" if bf16["gflops"] / peak["bf16"] > fp32["gflops"] / peak["fp32"] else "further from"
    return "\n".join([
        f"On the committed bench (a {machine['cores']}-core {machine['cpu']}, code {measured['code']['commit'][:7]}), "
        f"v3 reached {fp32['gflops']:.0f} GFLOP/s in FP32, {100 * fp32['gflops'] / peak['fp32']:.0f} % of the FP32 "
        f"matmul peak ({peak['fp32']:.0f} GFLOP/s), and {bf16['gflops']:.0f} GFLOP/s in bf16, "
        f"{100 * bf16['gflops'] / peak['bf16']:.0f} % of the BF16 peak ({peak['bf16']:.0f} GFLOP/s): {speedup:.2f}× "
        f"faster, {'more' if speedup > ratio else 'less'} than the peaks' ratio of {ratio:.2f}×, as bf16 ran {nearer} "
        f"its peak.",
        f"At the BF16 peak itself v3 would be {bound:.2f}× faster than its FP32 run: the most the measured "
        f"BF16 peak allows, so a 3× speed-up is {'out of' if bound < 3 else 'within'} reach there."])


def cluster_share(root: Path) -> str:
    """doc/cluster.md: the committed cluster check's two-worker time as a share of the sequential one."""
    kept = json.loads((root / "doc" / "cluster-measurement.json").read_text())
    return (f"on a {kept['cores']}-core {kept['cpu']}, two workers finished the {kept['seeds']} small runs in "
            f"{kept['two_workers_s'] / kept['sequential_s']:.2f} of the sequential time")

