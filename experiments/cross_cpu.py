"""`make cross-cpu`: which CPU kinds (and which TensorFlow/oneDNN settings) give the same bytes for
the same command. Runs `python -m mnist_repro run` for a few (version, seed) pairs under each
setting, keeps the SHA-256 of each run's label files and history.csv in doc/determinism.json (one
record per CPU kind, model and setting, merged with what other machines recorded), and renders
the tables of doc/determinism.md between its markers. Committed runs made on other CPUs take part
as references: deliverables/ver_N/ (seed 0) and deliverables/seeds/ver_N/seed_S/history.csv.

Knobs (environment): CROSS_RUNS="1:0 1:5 2:0" (version:seed pairs), CROSS_SETTINGS (names separated by
";"; default: all).
`--render` redraws the page from doc/determinism.json without training.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from mnist_repro import environment, paths, run_argv
from mnist_repro.outputs.atomic import write_text_atomic
from mnist_repro.outputs.markdown import table
from mnist_repro.outputs.run_record import RunRecord
from mnist_repro.study.report_environment import cpu_kind

ROOT = Path(__file__).resolve().parents[1]
RECORDS, PAGE = ROOT / "doc" / "determinism.json", ROOT / "doc" / "determinism.md"
START, END = "<!-- determinism:start (make cross-cpu) -->", "<!-- determinism:end -->"
SETTINGS = {  # name -> environment: what TensorFlow's CPU kernels are told
    "default": {},
    "oneDNN off": {"TF_ENABLE_ONEDNN_OPTS": "0"},
    "oneDNN on": {"TF_ENABLE_ONEDNN_OPTS": "1"},
    "oneDNN on, AVX2 kernels only": {"TF_ENABLE_ONEDNN_OPTS": "1", "ONEDNN_MAX_CPU_ISA": "AVX2"},
}
FILES = ("assigned_labels_test.txt", "assigned_labels_train.txt", "history.csv")


def digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.exists() else None


def measure(version: int, seed: int, setting: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="cross-cpu-") as scratch:
        env = {**os.environ, **SETTINGS[setting]}
        done = subprocess.run(run_argv(version, seed=seed, out=scratch), cwd=ROOT, env=env, capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise SystemExit(f"error: v{version} seed {seed} ({setting}) failed: {done.stderr.strip().splitlines()[-1:]}")
        folder = paths.version_folder(version, scratch)
        record = RunRecord.read(folder)
        return {**{name: digest(folder / name) for name in FILES},
                "test_accuracy": record.results.test_accuracy, "code": record.code.commit}


def committed_references(root: Path = ROOT) -> list[dict]:
    """The committed runs (under `root`), where they were made: each is one more CPU kind's bytes."""
    main_runs = [folder for _, folder in paths.version_folders(root / paths.DELIVERABLES)]
    seed_runs = [folder for _, version in paths.version_folders(root / paths.SEEDS)
                 for _, folder in paths.seed_folders(version)]
    rows = []
    for folder in main_runs + seed_runs:
        record = RunRecord.read(folder)
        env, settings = record.environment, record.settings
        if settings.limit or settings.precision != "float32":
            continue
        rows.append({"version": record.version, "seed": settings.seed, "kind": cpu_kind(env), "cpu": env["cpu"],
                     "setting": f"committed {folder.relative_to(root)}", **{name: digest(folder / name) for name in FILES},
                     "test_accuracy": record.results.test_accuracy})
    return rows


def render(records: list[dict], root: Path = ROOT) -> str:
    pairs = sorted({(r["version"], r["seed"]) for r in records})
    committed = committed_references(root)
    lines = []
    for version, seed in pairs:
        ours = [r for r in records if (r["version"], r["seed"]) == (version, seed)]
        refs = [r for r in committed if (r["version"], r["seed"]) == (version, seed)]
        histories = {}
        for row in refs + ours:
            histories.setdefault(row["history.csv"], chr(ord("A") + len(histories)))
        cells = [[row["kind"], row["cpu"], row["setting"], f"{histories[row['history.csv']]} (`{row['history.csv']}`)",
                  *(f"`{row[name] or '—'}`" for name in FILES[:2]), f"{row['test_accuracy']:.2f} %"]
                 for row in refs + ours]
        lines += [f"### v{version}, seed {seed}", "",
                  table(["CPU kind", "CPU", "setting", "history.csv", "test labels", "train labels", "test accuracy"],
                        cells),
                  "", f"Distinct history.csv bytes: {len(histories)} (rows with the same letter are byte-identical).", ""]
    return "\n".join(lines).rstrip() + "\n"


def write_page(records: list[dict]) -> None:
    text = PAGE.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    write_text_atomic(PAGE, f"{head}{START}\n{render(records)}{END}{tail}")


def main() -> None:
    records = json.loads(RECORDS.read_text()) if RECORDS.exists() else []
    if "--render" not in sys.argv:
        runs = [tuple(map(int, pair.split(":"))) for pair in os.environ.get("CROSS_RUNS", "1:0 1:5 2:0").split()]
        chosen = [s for s in SETTINGS if s in os.environ.get("CROSS_SETTINGS", ";".join(SETTINGS)).split(";")]
        env = environment.describe()
        for version, seed in runs:
            for setting in chosen:
                print(f"v{version} seed {seed}, {setting} ...", flush=True)
                row = {"version": version, "seed": seed, "kind": cpu_kind(env), "cpu": env["cpu"], "setting": setting,
                       **measure(version, seed, setting)}
                records = [r for r in records if (r["version"], r["seed"], r["kind"], r["cpu"], r["setting"]) !=
                           (version, seed, row["kind"], row["cpu"], setting)] + [row]
                write_text_atomic(RECORDS, json.dumps(records, indent=1) + "\n")
    write_page(records)
    print(f"wrote {PAGE.relative_to(ROOT)} from {len(records)} records")


if __name__ == "__main__":
    main()
