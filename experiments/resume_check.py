"""`make resume-check`: a full-length run killed after epoch K and resumed, against the same run
never interrupted. Keeps what it found in doc/resume-measurement.json and renders
doc/resume-measurement.md from it (do not edit either by hand; `--render` redraws the page).

Both runs are real `python -m mnist_repro run` processes on the full data with the default
settings; the killed one gets SIGKILL as soon as its epoch-K checkpoint is on disk, and is then
started again with the same command.

Knobs (environment): RESUME_VERSION=2, RESUME_KILL_AT=7, RESUME_SEED=0.
"""

from __future__ import annotations

import datetime
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
PAGE, KEPT = ROOT / "doc" / "resume-measurement.md", ROOT / "doc" / "resume-measurement.json"


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


def page(kept: dict) -> str:
    """doc/resume-measurement.md from the kept comparison."""
    run, code, labels, accuracy = kept["run"], kept["code"], kept["labels_differing"], kept["test_accuracy"]
    rows = [[f"`{name}`", f"{'byte-identical' if same else 'DIFFERENT'}"
             f"{' (all but the training-time line)' if name == 'result.txt' else ''}"] for name, same in kept["same"].items()]
    return "\n".join([
        "# Measured: a full run killed and resumed", "",
        "Written by `make resume-check` (experiments/resume_check.py) from "
        "[resume-measurement.json](resume-measurement.json); do not edit by hand.", "",
        f"- **Run:** `python -m mnist_repro run --version {run['version']} --seed {run['seed']}`, full data, default settings",
        f"- **Interruption:** SIGKILL once the epoch-{run['kill_at']} checkpoint was on disk (saved epoch: "
        f"{run['killed_at']}); the same command again printed `{run['resumed_line']}`",
        f"- **Machine:** {kept['cpu']}, {kept['cores']} cores" + (f", {kept['date']}" if kept.get("date") else ""),
        f"- **Code:** {code['commit']}{' (with uncommitted changes in src/)' if code['src_dirty'] else ''}", "",
        table(["file", "uninterrupted vs killed and resumed"], rows), "",
        f"Labels that differ: {labels['train']} of {kept['images']['train']:,} train, {labels['test']} of "
        f"{kept['images']['test']:,} test. Test accuracy: {accuracy['uninterrupted']:.2f} % uninterrupted, "
        f"{accuracy['resumed']:.2f} % resumed.", *([""] + [kept["note"]] if kept.get("note") else []), ""])


def compare(version: int, seed: int, kill_at: int, env: dict) -> dict:
    """Both runs in a scratch folder, then what of their files is the same."""
    with tempfile.TemporaryDirectory(prefix="resume-check-") as scratch:
        whole, interrupted = Path(scratch) / "whole", Path(scratch) / "interrupted"
        print(f"uninterrupted run of version {version}, seed {seed} ...", flush=True)
        if subprocess.run(run_argv(version, seed=seed, out=whole, restart=True), env=env, cwd=ROOT, capture_output=True).returncode:
            sys.exit("error: the uninterrupted run failed")
        print(f"the same run, killed after epoch {kill_at} and resumed ...", flush=True)
        killed, resumed_line = killed_and_resumed(version, seed, kill_at, interrupted, env)
        a, b = paths.version_folder(version, whole), paths.version_folder(version, interrupted)
        same = {}
        for name in COMPARED:
            same[name] = (a / name).read_bytes() == (b / name).read_bytes()
            if name == "result.txt":  # its first line is the training time, which differs by nature
                same[name] = (a / name).read_text().splitlines()[1:] == (b / name).read_text().splitlines()[1:]
        labels = {split: differing_labels(a / f"assigned_labels_{split}.txt", b / f"assigned_labels_{split}.txt")
                  for split in ("train", "test")}
        results = [RunRecord.read(folder).results for folder in (a, b)]
    return {"run": {"version": version, "seed": seed, "kill_at": kill_at, "killed_at": killed, "resumed_line": resumed_line},
            "same": same, "labels_differing": labels,
            "images": {"train": results[0].train_images, "test": results[0].test_images},
            "test_accuracy": {"uninterrupted": results[0].test_accuracy, "resumed": results[1].test_accuracy}}


def main() -> None:
    if sys.argv[1:] == ["--render"]:
        write_text_atomic(PAGE, page(json.loads(KEPT.read_text())))
        print(f"wrote {PAGE}")
        return
    version = int(os.environ.get("RESUME_VERSION", "2"))
    kill_at = int(os.environ.get("RESUME_KILL_AT", "7"))
    seed = int(os.environ.get("RESUME_SEED", "0"))
    found = compare(version, seed, kill_at, {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    kept = {**found, "cpu": environment.cpu_model(), "cores": os.cpu_count(), "date": datetime.date.today().isoformat(),
            "code": environment.git_commit()}
    write_text_atomic(KEPT, json.dumps(kept, indent=1) + "\n")
    write_text_atomic(PAGE, page(kept))
    print(f"wrote {KEPT} and {PAGE}: " + ", ".join(f"{name} {'same' if same else 'DIFFERENT'}"
                                                     for name, same in found["same"].items()))
    sys.exit(0 if all(found["same"].values()) else 1)


if __name__ == "__main__":
    main()
