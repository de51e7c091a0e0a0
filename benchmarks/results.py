"""Write one bench run as results.json (everything), results.md (tables and targets) and
results.png (seconds per epoch, log scale). `python benchmarks/results.py` (make bench-render)
writes results.md and results.png again from the committed results.json, with the current rules
(such as which peak a row is divided by), without timing anything."""

from __future__ import annotations

import json
from pathlib import Path

from mnist_repro.outputs.markdown import table

FP32_PEERS = ("jax", "keras_torch", "torch")


def matching_peak(config: str, peak: dict) -> float:
    """A bfloat16 row is measured against the BF16 matmul peak, every other row against FP32's."""
    return peak["bf16" if "bf16" in config or "bfloat16" in config else "fp32"]["best_gflops"]


def rerender(folder: Path) -> None:
    bench = json.loads((folder / "results.json").read_text())
    for row in bench["rows"]:
        row["percent_of_peak"] = 100 * row["gflops"] / matching_peak(row["config"], bench["peak"])
    write(folder, bench)


def find(rows: list[dict], version: int, config: str) -> dict | None:
    return next((row for row in rows if row["version"] == version and row["config"] == config), None)


def targets(bench: dict) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for each target of the performance issue that this run can check."""
    rows, full, checks = bench["rows"], bench["full_run"], []
    for version in sorted({row["version"] for row in rows}):
        default = find(rows, version, "default")
        peers = [row for config in FP32_PEERS if (row := find(rows, version, config))]
        if default and peers:
            best = min(peers, key=lambda row: row["median_s"])
            ratio = default["median_s"] / best["median_s"]
            checks.append((f"v{version}: faithful default ≤ the fastest FP32 peer",
                           f"{default['median_s']:.2f} s vs {best['config']} {best['median_s']:.2f} s: {ratio:.2f}×",
                           ratio <= 1.0))
    default3 = find(rows, 3, "default")
    if default3:
        checks.append(("v3 faithful default ≥ 70 % of the FP32 matmul peak",
                       f"{default3['percent_of_peak']:.0f} % ({default3['gflops']:.0f} GFLOP/s)",
                       default3["percent_of_peak"] >= 70))
    if full and "error" not in full:
        checks.append(("no slow state: slowest epoch ≤ 1.2× the median, full v3 run",
                       f"{full['slowest_over_median']:.2f}× over epochs 2–{len(full['epoch_s'])} "
                       f"({full['slowest_over_median_all']:.2f}× with the first, tracing epoch)",
                       full["slowest_over_median"] <= 1.2))
        checks.append(("`run --version 3` spends ≤ 10 % of its wall time outside fit",
                       f"{100 * full['outside_fit']:.1f} % of {full['wall_s']:.0f} s", full["outside_fit"] <= 0.10))
    bf16, torch_bf16 = find(rows, 3, "mixed_bfloat16"), find(rows, 3, "torch_bf16")
    if bf16 and default3:
        speedup = default3["median_s"] / bf16["median_s"]
        # v3's FLOP at the BF16 matmul peak against its FP32 run: the most bf16 can gain on this CPU
        allowed = bench["peak"]["bf16"]["best_gflops"] / default3["gflops"]
        checks.append(("v3 bf16 ≥ 3× faster than the faithful default",
                       f"{speedup:.2f}× (at most {allowed:.2f}× at this CPU's BF16 matmul peak)", speedup >= 3))
    if bf16 and torch_bf16:
        ratio = bf16["median_s"] / torch_bf16["median_s"]
        checks.append(("v3 bf16 faster than PyTorch bf16 autocast", f"{ratio:.2f}× its time", ratio < 1))
    return checks


def seconds_table(bench: dict) -> str:
    lines = []
    for row in sorted(bench["rows"], key=lambda row: (row["version"], row["median_s"])):
        default = find(bench["rows"], row["version"], "default")
        ratio = f"{row['median_s'] / default['median_s']:.2f}" if default else "–"
        lines.append([f"v{row['version']}", f"{row['config']}: {row['label']}",
                      f"{row['median_s']:.2f} ({row['min_s']:.2f}–{row['max_s']:.2f})", ratio,
                      f"{row['images_per_s']:,.0f}", f"{row['gflops']:.0f}", f"{row['percent_of_peak']:.0f} %",
                      f"{row['test_accuracy']:.2f} %", f"{row['peak_rss_mib']:,.0f} MiB"])
    return table(["version", "configuration", "s/epoch, median (min–max)", "× default", "images/s", "GFLOP/s",
                  "% of peak", "test acc. after the epochs", "peak RSS"], lines)


def busy_cores(bench: dict) -> str:
    """Per epoch: wall seconds and cores busy (process CPU / wall). A slow epoch with few cores busy
    waited on something; one with all cores busy had more work or slower work."""
    lines = []
    for row in sorted(bench["rows"], key=lambda row: (row["version"], row["config"])):
        if not row.get("epoch_cpu_s"):
            continue
        epochs = " ".join(f"{wall:.2f} ({cpu / wall:.1f})" for wall, cpu in zip(row["epoch_s"], row["epoch_cpu_s"]))
        lines.append([f"v{row['version']}", row["config"], epochs, f"{row['max_s'] / row['median_s']:.2f}"])
    return table(["version", "configuration", "per epoch: wall s (cores busy)", "slowest / median"], lines)


# What a full run's wall time holds besides its timed parts: the committed run's is its own run_s
# (from the `run` command's first check to its last file), a timed one's the whole child process.
REST_OF_COMMITTED_RUN = "the rest (the run's lock, model build and summary)"
REST_OF_TIMED_RUN = "the rest (Python start-up and exit, the run's lock, model build and summary)"


def full_run_section(full: dict) -> list[str]:
    """The whole-run paragraph: its wall time split into its timed parts, its epochs, accuracy, RSS."""
    rest = REST_OF_COMMITTED_RUN if full.get("source") else REST_OF_TIMED_RUN
    # (the committed results.json, from before this wording, names it "the rest (Python start-up, ...)")
    split = ", ".join(f"{rest if name.startswith('the rest') else name} {seconds:.1f} s"
                      for name, seconds in full["split_s"].items())
    measured = [f"Test accuracy {full['test_accuracy']:.2f} %"]
    if full["peak_rss_mib"] == full["peak_rss_mib"]:  # NaN when not measured (the committed run)
        measured.append(f"peak RSS {full['peak_rss_mib']:,.0f} MiB")
    return ["## One full `python -m mnist_repro run --version 3`", "",
            *([f"Not timed by this bench run: {full['source']}.", ""] if full.get("source") else []),
            f"{full['wall_s']:.0f} s in all: {split}. Epochs (s): " + " ".join(f"{s:.1f}" for s in full["epoch_s"])
            + f". {', '.join(measured)}.", ""]


def method(bench: dict) -> str:
    """How a row's seconds were taken; v3's default row comes from the full run when the bench timed one."""
    full, settings = bench["full_run"], bench["settings"]
    from_full_run = settings["full_run"] and full and "error" not in full
    v3 = f" (v3 default: epochs 2–{len(full['epoch_s'])} of the full run)" if from_full_run else ""
    text = (f"- **Method:** each configuration in its own process, one at a time; one warm-up epoch, then the median "
            f"of {settings['timed_epochs']} timed epochs{v3}. An epoch is 469 training steps "
            "plus the report's val pass over the 60,000 training images. GFLOP/s counts both, from the layer shapes.")
    backends = sorted({row["config"] for row in bench["rows"] if row["runner"] == "backend"})
    if backends:  # rows made by the project's own command (benchmarks/backend_run.py)
        text += (f" The {', '.join(backends)} rows are `python -m mnist_repro run --backend B --epochs "
                 f"{settings['timed_epochs'] + 1}` in the backend's own environment (.venv-B), read from the run's "
                 "metrics.json: its `timing.epoch_s` (each epoch with its val pass) and its test accuracy.")
    return text


def markdown(bench: dict) -> str:
    cpu, peak, full = bench["machine"], bench["peak"], bench["full_run"]
    flags = ", ".join(flag for flag, present in cpu["flags"].items() if present) or "none of the listed"
    lines = ["# Benchmark results", "",
             "Written by `make bench` (benchmarks/bench.py); do not edit by hand. "
             "See doc/performance.md for what the numbers mean and what made them.", "",
             f"- **Machine:** {cpu['cpu']}, {cpu['cores']} cores, flags: {flags}; GPU: {cpu['gpu'] or 'none'}",
             f"- **Peak ({peak['library']}, {peak['size']}³, best of {peak['repeats']}):** "
             f"FP32 {peak['fp32']['best_gflops']:.0f} GFLOP/s, BF16 {peak['bf16']['best_gflops']:.0f} GFLOP/s",
             f"- **Libraries:** project {json.dumps(bench['libraries']['project'])}; "
             f"peers {json.dumps(bench['libraries']['peers']) or 'not installed'}"
             + (f"; Keras backends' environments {json.dumps(bench['libraries']['backends'])}"
                if bench["libraries"].get("backends") else ""),
             f"- **Code:** {bench['code'].get('commit')}{' (with uncommitted changes in src/)' if bench['code'].get('src_dirty') else ''}",
             method(bench),
             f"- **Whole bench:** {bench['bench_wall_s'] / 60:.1f} min", "", "## Seconds per epoch", "", seconds_table(bench), ""]
    if full and "error" not in full:
        lines += full_run_section(full)
    lines += ["## Where the time goes: cores busy per epoch", "",
              "The first epoch traces the graphs; the median and the slowest/median ratio use the later ones.", "",
              busy_cores(bench), ""]
    lines += ["## Targets", "", table(["target", "measured", "met"],
                                      [[target, measured, "yes" if met else "no: see doc/performance.md"]
                                       for target, measured, met in targets(bench)])]
    if bench["notes"]:
        lines += ["", "## Notes", "", *[f"- {note}" for note in bench["notes"]]]
    return "\n".join(lines) + "\n"


def figure(bench: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    configs = list(dict.fromkeys(row["config"] for row in bench["rows"]))
    versions = sorted({row["version"] for row in bench["rows"]})
    width = 0.8 / max(1, len(configs))
    fig, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
    for index, config in enumerate(configs):
        rows = [find(bench["rows"], version, config) for version in versions]
        xs = [v + (index - (len(configs) - 1) / 2) * width for v, row in zip(versions, rows) if row]
        ax.bar(xs, [row["median_s"] for row in rows if row], width, label=config)
    ax.set_yscale("log")
    ax.set_xticks(versions, [f"v{v}" for v in versions])
    ax.set_ylabel("seconds per epoch (log scale)")
    ax.set_title(f"{bench['machine']['cpu']}, {bench['machine']['cores']} cores")
    ax.legend(fontsize="small", ncols=2)
    ax.grid(axis="y", which="both", alpha=0.3)
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)


def write(folder: Path, bench: dict) -> None:
    """Each file whole or not at all; a full disk is one line naming the folder."""
    from mnist_repro.errors import writing
    from mnist_repro.outputs.atomic import replacing, write_text_atomic

    with writing("the bench results", folder):
        write_text_atomic(folder / "results.json", json.dumps(bench, indent=2) + "\n")
        write_text_atomic(folder / "results.md", markdown(bench))
        with replacing(folder / "results.png") as partial:
            figure(bench, partial)


if __name__ == "__main__":
    rerender(Path(__file__).resolve().parent)
    print("wrote benchmarks/results.md and results.png again from results.json")
