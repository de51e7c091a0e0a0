"""`make resume-check`: a full-length run killed after epoch K and resumed, against the same run
never interrupted. Writes doc/resume-measurement.md (do not edit it by hand).

Both runs are real `python -m mnist_repro run` processes on the full data with the default
settings; the killed one gets SIGKILL as soon as its epoch-K checkpoint is on disk, and is then
started again with the same command.

Knobs (environment): RESUME_VERSION=2, RESUME_KILL_AT=7, RESUME_SEED=0.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mnist_repro import environment, paths, run_argv
from mnist_repro.outputs import formats
from mnist_repro.outputs.atomic import write_text_atomic
from mnist_repro.outputs.markdown import table
from mnist_repro.outputs.run_record import RunRecord

ROOT = Path(__file__).resolve().parents[1]

COMPARED = ("history.csv", "assigned_labels_train.txt", "assigned_labels_test.txt", "result.txt")


def saved_epoch(out: Path, version: int) -> int:
    try:
        return json.loads((paths.checkpoint_folder(out, version) / "state" / "state.json").read_text())["epoch"]
    except (OSError, ValueError, KeyError):
        return 0


def killed_and_resumed(version: int, seed: int, kill_at: int, out: Path, env: dict) -> tuple[int, str]:
    """Run, SIGKILL once epoch `kill_at` is saved, run again; (epoch killed at, the resume line)."""
    child = subprocess.Popen(run_argv(version, seed=seed, out=out, restart=True), env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    while saved_epoch(out, version) < kill_at:
        if child.poll() is not None:
            sys.exit(f"error: the run ended before epoch {kill_at} was saved (exit {child.returncode})")
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    killed = saved_epoch(out, version)
    again = run_argv(version, seed=seed, out=out)  # the same command as a user would type, resuming
    done = subprocess.run(again, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"error: the resumed run failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    resumed_line = next((line for line in done.stdout.splitlines() if line.startswith("resuming")), "no resume line")
    return killed, resumed_line


def differing_labels(a: Path, b: Path) -> int:
    return int((formats.read_labels(a) != formats.read_labels(b)).sum())


def main() -> None:
    version = int(os.environ.get("RESUME_VERSION", "2"))
    kill_at = int(os.environ.get("RESUME_KILL_AT", "7"))
    seed = int(os.environ.get("RESUME_SEED", "0"))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    with tempfile.TemporaryDirectory(prefix="resume-check-") as scratch:
        whole, interrupted = Path(scratch) / "whole", Path(scratch) / "interrupted"
        print(f"uninterrupted run of version {version}, seed {seed} ...", flush=True)
        if subprocess.run(run_argv(version, seed=seed, out=whole, restart=True), env=env, cwd=ROOT, capture_output=True).returncode:
            sys.exit("error: the uninterrupted run failed")
        print(f"the same run, killed after epoch {kill_at} and resumed ...", flush=True)
        killed, resumed_line = killed_and_resumed(version, seed, kill_at, interrupted, env)
        a, b = paths.version_folder(version, whole), paths.version_folder(version, interrupted)
        rows = []
        for name in COMPARED:
            same = (a / name).read_bytes() == (b / name).read_bytes()
            if name == "result.txt":  # its first line is the training time, which differs by nature
                same = (a / name).read_text().splitlines()[1:] == (b / name).read_text().splitlines()[1:]
            rows.append((name, same))
        labels = {split: differing_labels(a / f"assigned_labels_{split}.txt", b / f"assigned_labels_{split}.txt")
                  for split in ("train", "test")}
        results = [RunRecord.read(folder).results for folder in (a, b)]
    cpu, commit = environment.cpu_model(), environment.git_commit()
    lines = ["# Measured: a full run killed and resumed", "",
             "Written by `make resume-check` (experiments/resume_check.py); do not edit by hand.", "",
             f"- **Run:** `python -m mnist_repro run --version {version} --seed {seed}`, full data, default settings",
             f"- **Interruption:** SIGKILL once the epoch-{kill_at} checkpoint was on disk (saved epoch: {killed}); "
             f"the same command again printed `{resumed_line}`",
             f"- **Machine:** {cpu}, {os.cpu_count()} cores",
             f"- **Code:** {commit['commit']}{' (with uncommitted changes in src/)' if commit['src_dirty'] else ''}", "",
             table(["file", "uninterrupted vs killed and resumed"],
                   [[f"`{name}`", f"{'byte-identical' if same else 'DIFFERENT'}"
                     f"{' (all but the training-time line)' if name == 'result.txt' else ''}"] for name, same in rows])]
    lines += ["", f"Labels that differ: {labels['train']} of {results[0].train_images:,} train, "
              f"{labels['test']} of {results[0].test_images:,} test. Test accuracy: "
              f"{results[0].test_accuracy:.2f} % uninterrupted, {results[1].test_accuracy:.2f} % resumed.", ""]
    path = ROOT / "doc" / "resume-measurement.md"
    write_text_atomic(path, "\n".join(lines))
    print(f"wrote {path}: " + ", ".join(f"{name} {'same' if same else 'DIFFERENT'}" for name, same in rows))
    sys.exit(0 if all(same for _, same in rows) else 1)


if __name__ == "__main__":
    main()
