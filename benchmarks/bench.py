"""`make bench`: seconds per epoch of the report's three nets, the project against its peers,
on the machine at hand, with the machine's own matmul peak beside them.

Every configuration runs in its own process (one warm-up epoch, then BENCH_EPOCHS timed ones),
one after the other, never two at once; the Keras + JAX and Keras + torch rows are `python -m
mnist_repro run --backend B` itself (backend_run.py). Then one full `python -m mnist_repro run --version 3`
is split into import, data, fit, evaluation and deliverables (BENCH_FULL_RUN). The results go to
benchmarks/results.{json,md,png}; see doc/performance.md for what they mean.

Knobs (environment): BENCH_VERSIONS="1 2 3", BENCH_EPOCHS=3 (timed, after the warm-up),
BENCH_CONFIGS (default: every configuration but the slow opt-in ones; "all" for every one),
BENCH_FULL_RUN=0 (1 times one more full v3 run, about 13 more minutes on 2 cores; with 0 the
split comes from the committed deliverables/ver_3 run when this CPU model made it, and says so),
BENCH_PEERS_PYTHON (default .venv-bench/bin/python, with the project installed in it: `make bench`
does `pip install --no-deps -e .` there), BENCH_OUT (default benchmarks/: the folder that receives
results.{json,md,png}; give a temporary one for a subset such as BENCH_VERSIONS=1
BENCH_CONFIGS=keras_torch BENCH_EPOCHS=1, so that the committed results stay). The default set
takes about 20 minutes on a 2-core AVX-512 EPYC.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

import backend_run
import flops
import machine
import results
from child import timed
from full_run import committed_full_run, full_run
from knobs import CONFIGS, knobs, results_folder
from mnist_repro import versions  # plain data: no TensorFlow import
from mnist_repro.errors import UserError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def plan_jobs(settings: dict, cpu: dict) -> tuple[list[dict], list[str]]:
    jobs, notes = [], []
    peers_ready = Path(settings["peers_python"]).exists()
    for number in settings["versions"]:
        for name, label, runner, default_versions in CONFIGS:
            chosen = settings["configs"]
            if chosen and chosen != ["all"] and name not in chosen:
                continue
            if not chosen and number not in default_versions:
                continue
            if name == "default" and number == 3 and settings["full_run"] and not chosen:
                continue  # the full v3 run below times all 20 of its epochs
            if name.endswith("bf16") and not cpu["has_bf16"]:
                notes.append(f"v{number} {name}: skipped, this CPU has no bf16 instructions")
                continue
            if runner == "backend" and backend_run.missing(name):
                notes.append(f"v{number} {name}: skipped, {backend_run.missing(name)}")
                continue
            if runner == "torch" and not peers_ready:
                notes.append(f"v{number} {name}: skipped, no peer environment at {settings['peers_python']}"
                             " (make bench builds .venv-bench from requirements-bench.txt)")
                continue
            jobs.append({"version": number, "config": name, "label": label, "runner": runner})
    return jobs, notes


def command(job: dict, epochs: int, settings: dict) -> tuple[list[str], dict]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    common = ["--version", str(job["version"]), "--epochs", str(epochs), "--data", str(ROOT / "data" / "mnist.npz")]
    if job["runner"] == "torch":
        return [settings["peers_python"], str(HERE / "torch_worker.py"), *common,
                *(["--bf16"] if job["config"] == "torch_bf16" else [])], env
    return [sys.executable, str(HERE / "keras_worker.py"), *common, "--config", job["config"]], env


def measure(job: dict, epochs: int, settings: dict) -> tuple[dict | None, str, float, float]:
    """One row's child: its report (epoch_s, test_accuracy, ...) or None and the error's last line,
    with its wall seconds and peak RSS in MiB."""
    if job["runner"] == "backend":
        return backend_run.measure(job, epochs)
    argv, env = command(job, epochs, settings)
    code, out, err, wall, rss = timed(argv, env)
    if code != 0:
        return None, (err.strip().splitlines() or ["?"])[-1], wall, rss
    return json.loads(out.strip().splitlines()[-1]), "", wall, rss


def summarise(job: dict, report: dict, rss_mib: float, peak: dict) -> dict:
    timed_epochs = report["epoch_s"][1:] or report["epoch_s"]  # the first epoch traces and warms up
    median = statistics.median(timed_epochs)
    work = flops.epoch_gflop(versions.get(job["version"]))["total"]
    matching_peak = results.matching_peak(job["config"], peak)
    return {**job, "epoch_s": report["epoch_s"], "median_s": median, "min_s": min(timed_epochs),
            "max_s": max(timed_epochs), "images_per_s": 60_000 / median, "gflops": work / median,
            "percent_of_peak": 100 * work / median / matching_peak, "test_accuracy": 100 * report["test_accuracy"],
            "peak_rss_mib": rss_mib, "epoch_cpu_s": report.get("epoch_cpu_s")}


def main() -> None:
    settings, folder = knobs(), results_folder()
    started = time.perf_counter()
    cpu = machine.cpu_facts()
    print(f"mnist-repro bench on {cpu['cpu']}, {cpu['cores']} cores; measuring the tf.matmul peak ...", flush=True)
    code, out, err, _, _ = timed([sys.executable, str(HERE / "machine.py"), "--peak"], dict(os.environ))
    if code != 0:
        sys.exit(f"error: the matmul peak could not be measured: {(err.strip().splitlines() or ['?'])[-1]}")
    measured = json.loads(out)
    peak = measured["peak"]
    print(f"peak: FP32 {peak['fp32']['best_gflops']:.0f} GFLOP/s, BF16 {peak['bf16']['best_gflops']:.0f} GFLOP/s", flush=True)
    jobs, notes = plan_jobs(settings, cpu)
    for note in notes:
        print("note:", note, flush=True)
    epochs = settings["timed_epochs"] + 1
    rows, guesses = [], [guess_s(job, epochs, peak) for job in jobs]
    guesses.append(guess_s({"version": 3, "runner": "project"}, 21, peak) if settings["full_run"] else 0)
    for index, job in enumerate(jobs, 1):
        remaining = sum(guesses[index - 1:])
        print(f"[{index}/{len(jobs)}] v{job['version']} {job['config']:<15} (ETA ~{remaining / 60:.0f} min) ",
              end="", flush=True)
        report, error, wall, rss = measure(job, epochs, settings)
        if report is None:
            notes.append(f"v{job['version']} {job['config']}: failed: {error}")
            print("failed (see the notes)", flush=True)
            continue
        rows.append(summarise(job, report, rss, peak))
        elapsed = time.perf_counter() - started
        print(f"{rows[-1]['median_s']:8.2f} s/epoch  ({wall:.0f} s; {elapsed / 60:.1f} min so far)", flush=True)
    full = committed_full_run(cpu) if not settings["full_run"] and 3 in settings["versions"] else None
    if settings["full_run"] and 3 in settings["versions"]:
        print("full run: python -m mnist_repro run --version 3 (about 20 epochs of the default) ...", flush=True)
        full = full_run(settings)
        if "error" not in full:
            rows.append(summarise({"version": 3, "config": "default", "label": CONFIGS[0][1], "runner": "project"},
                                  {"epoch_s": full["epoch_s"], "test_accuracy": full["test_accuracy"] / 100},
                                  full["peak_rss_mib"], peak))
        print(f"full run: {full.get('wall_s', 0):.0f} s" if "error" not in full else f"full run failed: {full['error']}")
    libraries = {"project": machine.library_versions(), "peers": machine.library_versions_in(settings["peers_python"])}
    backends = {backend_run.BACKENDS[job["config"]]: backend_run.python_of(job["config"])
                for job in jobs if job["runner"] == "backend"}
    if backends:  # the Keras + JAX and Keras + torch rows' own environments
        libraries["backends"] = {name: machine.library_versions_in(python) for name, python in backends.items()}
    results.write(folder, {"machine": {**cpu, "gpu": machine.gpu_name()}, "peak": peak, "libraries": libraries,
                         "settings": settings, "rows": rows, "full_run": full, "notes": notes,
                         "bench_wall_s": time.perf_counter() - started, "code": code_commit()})
    shown = "benchmarks" if folder == HERE else folder
    print(f"wrote {shown}/results.md, results.json and results.png in {(time.perf_counter() - started) / 60:.1f} min")


def guess_s(job: dict, epochs: int, peak: dict) -> float:
    """A rough duration for the ETA: start-up plus epochs at a third of the FP32 peak (v1 is
    overhead-bound, hence the floor; the other rows run at about half the default's rate)."""
    work = flops.epoch_gflop(versions.get(job["version"]))["total"]
    per_epoch = max(1.0, work / (peak["fp32"]["best_gflops"] / 3))
    return 15 + epochs * per_epoch * (1 if job["runner"] == "project" else 2)


def code_commit() -> dict:
    from mnist_repro import environment

    return environment.git_commit()


if __name__ == "__main__":
    try:
        main()
    except UserError as error:  # a full disk while writing the results: one line, exit 1
        print(f"error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
