"""`make bf16-check`: is the opt-in bf16 mode accurate enough? Full-length v3 runs with
`--precision mixed_bfloat16` over several seeds, against the FP32 study's seeds
(deliverables/seeds/ver_3). Writes doc/bf16.md (do not edit it by hand).

Its speed-up per epoch is measured by `make bench` (benchmarks/results.md), where nothing else
runs; this check is about accuracy, so its own times are not reported.

Knobs (environment): BF16_SEEDS=3, BF16_VERSION=3. `--render` rewrites bf16.md from the kept
bf16.json against the study's current seeds, without training.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from mnist_repro import environment, paths, run_argv
from mnist_repro.outputs.atomic import write_text_atomic
from mnist_repro.outputs.markdown import table
from mnist_repro.outputs.run_record import RunRecord
from mnist_repro.study import stats

ROOT = Path(__file__).resolve().parents[1]
PAGE, KEPT = ROOT / "doc" / "bf16.md", ROOT / "doc" / "bf16.json"
TARGET_PP = 0.15  # the performance issue's bound on |bf16 mean - FP32 mean|


def bf16_run(version: int, seed: int) -> RunRecord:
    with tempfile.TemporaryDirectory(prefix="bf16-check-") as out:
        command = run_argv(version, seed=seed, precision="mixed_bfloat16", out=out)
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        if done.returncode != 0:
            sys.exit(f"error: the bf16 run of seed {seed} failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
        return RunRecord.read(paths.version_folder(version, out))


def spread_row(precision: str, accuracy: stats.Spread) -> list:
    return [precision, f"{accuracy.mean:.2f} ± {accuracy.std:.2f} %", f"[{accuracy.low:.2f}, {accuracy.high:.2f}]",
            accuracy.n, ", ".join(f"{v:.2f}" for v in accuracy.values)]


def page(kept: dict, seeds: Path = ROOT / paths.SEEDS) -> str:
    """doc/bf16.md from the kept bf16 runs and the FP32 study's seeds (under `seeds`) as they are now."""
    version, runs = kept["version"], kept["runs"]
    fp32 = stats.collect(seeds).runs.get(version, {})
    if not fp32:
        sys.exit(f"error: no FP32 study runs of version {version} to compare with; run `make reproduce`, then "
                 "`python experiments/bf16_check.py --render`")
    fp32_acc = stats.Spread([run.results.test_accuracy for _, run in sorted(fp32.items())])
    bf16_acc = stats.Spread([run["test_accuracy"] for run in runs])
    gap = bf16_acc.mean - fp32_acc.mean
    lines = ["# The opt-in bf16 mode: full-length accuracy against FP32", "",
             "Written by `make bf16-check` (experiments/bf16_check.py); do not edit by hand. The speed-up per "
             "epoch is in [results.md](../benchmarks/results.md) (`make bench`).", "",
             f"- **Runs:** version {version}, the faithful recipe ({kept['epochs']} epochs, full data), "
             f"`--precision mixed_bfloat16`, seeds {', '.join(str(run['seed']) for run in runs)}; FP32: the "
             f"study's {fp32_acc.n} seeds in deliverables/seeds/",
             f"- **Machine:** {kept['cpu']}, {kept['cores']} cores",
             f"- **Code:** {kept['code']['commit']}{' (with uncommitted changes in src/)' if kept['code']['src_dirty'] else ''}",
             "", table(["precision", "test accuracy, mean ± std", "[min, max]", "n", "per seed"],
                       [spread_row("float32 (the study)", fp32_acc), spread_row("mixed_bfloat16", bf16_acc)]), "",
             f"bf16 mean minus FP32 mean: {gap:+.2f} pp; the target is within ±{TARGET_PP} pp: "
             f"{'met' if abs(gap) <= TARGET_PP else 'not met'}. The runs' own records are in "
             "[bf16.json](bf16.json).", ""]
    return "\n".join(lines)


def render(kept: dict) -> None:
    write_text_atomic(PAGE, page(kept))
    print(f"wrote {PAGE}")


def main() -> None:
    if sys.argv[1:] == ["--render"]:
        render(json.loads(KEPT.read_text()))
        return
    version = int(os.environ.get("BF16_VERSION", "3"))
    seeds = int(os.environ.get("BF16_SEEDS", "3"))
    runs = []
    for seed in range(seeds):
        record = bf16_run(version, seed)
        runs.append({"seed": seed, "test_accuracy": record.results.test_accuracy,
                     "test_errors": record.results.test_errors, "history": record.history})
        print(f"bf16 seed {seed}: test accuracy {runs[-1]['test_accuracy']:.2f} %", flush=True)
    kept = {"version": version, "epochs": record.settings.epochs, "runs": runs,
            "cpu": environment.cpu_model(), "cores": os.cpu_count(), "code": environment.git_commit()}
    write_text_atomic(KEPT, json.dumps(kept, indent=1) + "\n")
    render(kept)


if __name__ == "__main__":
    main()
