"""`make test-pythons`: the test suite under every supported CPython found on PATH, each in a fresh
clone of HEAD of its own, and one table of what each did.

For each of python3.11, python3.12 and python3.13 (SUPPORTED), in build/pythons/X.Y/ (a clone of
HEAD, with data/mnist.npz copied in when this checkout has it): that interpreter first on PATH as
`python3` (as a reader who has it would run the README's commands), `make test-install` timed (with
an empty uv cache of the row's own under PYTHONS_COLD=1: "cold"; with the shared cache: "warm"
unless it was empty), `make run VERSION=1` and a small v2 run (`--limit 2000 --epochs 2`), then the
suite: `make test` where the version is in PYTHONS_FULL (default 3.11; "all" for every one), else
`make test-fast`. The row's disk is its environments (.venv*, hard links counted once, with its own
cache under PYTHONS_COLD=1) just before the clone is removed, so that one row's environments are on
disk at a time.

The table (build/pythons/table.md, and stdout; results.json beside it, with the date, the commit and
the CPU): interpreter, install seconds, disk, v1's label files and history.csv against the committed
ones, the small v2 run's against the first row's, the suite's seconds, tests passed, skipped (with
their reasons), failed. PYTHONS_PAGE=doc/pythons.md writes it as that page too. It fails (exit 1) when a supported Python is missing, a row's
install, run or suite fails, or the 3.11 row skips a Keras backend's tests (its torch wheel is locked).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "pythons"
SUPPORTED = ("3.11", "3.12", "3.13")
SMALL_V2 = ("run", "--version", "2", "--limit", "2000", "--epochs", "2", "--out", "build/v2-small")
# What a run writes that must not depend on the interpreter (doc/install.md#python).
BYTES = ("assigned_labels_test.txt", "assigned_labels_train.txt", "history.csv")
# Where the Keras backends' tests live (a skip there is reported at the file of its mark).
BACKEND_TESTS = ("backend_checks.py", "test_backends_jax.py", "test_backends_torch.py")


def found(version: str) -> tuple[str, str] | None:
    """The full version and the path of the interpreter python<version> on PATH, if it runs and is
    that CPython."""
    line = subprocess.run(["sh", str(ROOT / "lock" / "interpreter.sh"), f"python{version}"], capture_output=True,
                          text=True).stdout.split(" ", 2)
    return (line[1], line[2].strip()) if line[:1] == ["CPython"] and line[1].startswith(version + ".") else None


def digest(folder: Path) -> str:
    return hashlib.sha256(b"".join((folder / name).read_bytes() for name in BYTES)).hexdigest()


def committed_digest(clone: Path, folder: str) -> str:
    """digest() of the files as committed (git show HEAD:), whatever a run wrote over them."""
    shown = [subprocess.run(["git", "show", f"HEAD:{folder}/{name}"], cwd=clone, capture_output=True, check=True).stdout
             for name in BYTES]
    return hashlib.sha256(b"".join(shown)).hexdigest()


def step(row: dict, name: str, command: list[str], clone: Path, env: dict, log) -> subprocess.CompletedProcess:
    """Run one step of a row in its clone, its output appended to the row's log; note a failure."""
    log.write(f"\n$ {' '.join(command)}\n")
    log.flush()
    done = subprocess.run(command, cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log.write(done.stdout)
    if done.returncode != 0:
        row["problems"].append(f"{name} failed (exit {done.returncode})")
    return done


def suite_counts(output: str) -> dict:
    """passed, skipped (reason -> count), failed, and whether a backend's test was skipped, from
    pytest's summary (-ra)."""
    last = [line for line in output.splitlines() if re.search(r"\d+ (passed|failed)", line)][-1:] or [""]
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (passed|failed|errors?|skipped)", last[0])}
    skipped: dict[str, int] = {}
    found = re.findall(r"^SKIPPED \[(\d+)\] (\S+?):\d*:? ?(.*)$", output, re.M)
    for n, _, reason in found:
        skipped[reason] = skipped.get(reason, 0) + int(n)
    return {"passed": counts.get("passed", 0), "failed": counts.get("failed", 0) + counts.get("error", 0)
            + counts.get("errors", 0), "skipped": skipped,
            "backend_skipped": any(Path(where).name in BACKEND_TESTS for _, where, _ in found)}


def clone_with(version: str, python: str, cold: bool) -> tuple[Path, dict]:
    """A fresh clone of HEAD for the row of `python` (CPython `version`), and the environment its
    commands run in: that interpreter first on PATH as python3, no PYTHON, no outer make's variables."""
    clone = OUT / version
    shutil.rmtree(clone, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    if (ROOT / "data" / "mnist.npz").exists():
        (clone / "data").mkdir()
        shutil.copy2(ROOT / "data" / "mnist.npz", clone / "data" / "mnist.npz")
    shims = clone / "build" / "python-first"
    shims.mkdir(parents=True)
    (shims / "python3").symlink_to(python)
    env = {name: value for name, value in os.environ.items() if not name.startswith("MAKE") and name not in ("MFLAGS", "PYTHON")}
    env["PATH"] = f"{shims}{os.pathsep}{env['PATH']}"
    if cold:
        env["UV_CACHE_DIR"] = str(clone / ".cache" / "uv")
    return clone, env


def measure(row: dict, clone: Path, env: dict, full: bool, log) -> None:
    """The row's install, its two runs and its suite, into `row`."""
    started = time.perf_counter()
    step(row, "make test-install", ["make", "test-install"], clone, env, log)
    row["install_s"] = round(time.perf_counter() - started)
    if row["problems"]:
        return
    v1 = step(row, "make run VERSION=1", ["make", "run", "VERSION=1"], clone, env, log)
    same = not v1.returncode and digest(clone / "deliverables" / "ver_1") == committed_digest(clone, "deliverables/ver_1")
    row["v1_bytes"] = "" if v1.returncode else ("same as committed" if same else "differ")
    small = step(row, "the small v2 run", [".venv/bin/python", "-m", "mnist_repro", *SMALL_V2], clone, env, log)
    row["v2_digest"] = "" if small.returncode else digest(clone / "build" / "v2-small" / "ver_2")
    started = time.perf_counter()
    suite = step(row, row["suite"], ["make", "test" if full else "test-fast"], clone, env, log)
    row["suite_s"] = round(time.perf_counter() - started)
    row.update(suite_counts(suite.stdout))


def run_row(version: str, interpreter: tuple[str, str], full: bool, cold: bool, reference: str | None) -> dict:
    full_version, python = interpreter
    row = {"python": version, "interpreter": f"CPython {full_version}", "suite": "make test" if full else "make test-fast",
           "problems": []}
    clone, env = clone_with(version, python, cold)
    cache = Path(env.get("UV_CACHE_DIR") or subprocess.run([str(ROOT / ".venv-uv" / "bin" / "uv"), "cache", "dir"],
                                                            capture_output=True, text=True).stdout.strip())
    row["install"] = "cold" if cold or not cache.exists() or not any(cache.iterdir()) else "warm"
    try:
        with (OUT / f"{version}.log").open("w") as log:
            measure(row, clone, env, full, log)
        environments = sorted(str(path) for path in clone.glob(".venv*")) + ([str(cache)] if cold else [])
        used = subprocess.run(["du", "-skc", *environments], capture_output=True, text=True).stdout.split()
        row["disk_mb"] = round(int(used[-2]) / 1024) if used else 0
    finally:
        shutil.rmtree(clone)  # one row's environments on disk at a time (CI's disk)
    if version == "3.11" and row.get("backend_skipped"):
        row["problems"].append("a backend's tests were skipped on CPython 3.11, whose torch wheel is locked")
    if row.get("v2_digest"):
        row["v2_bytes"] = "(the reference)" if not reference else "same" if row["v2_digest"] == reference else "differ"
    return row


def table(rows: list[dict]) -> str:
    lines = ["| Python | install (s) | disk (MB) | v1 bytes | small v2 bytes | suite (s) | passed | skipped | failed |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        if row.get("missing"):
            lines.append(f"| {row['python']}: not found on PATH | | | | | | | | |")
            continue
        skipped = "; ".join(f"{n} × {reason}" for reason, n in sorted(row.get("skipped", {}).items())) or "0"
        lines.append(f"| {row['interpreter']} | {row.get('install_s', '')} {row['install']} | "
                     f"{row.get('disk_mb', '')} | {row.get('v1_bytes', '')} | {row.get('v2_bytes', '')} | "
                     f"{row['suite']} {row.get('suite_s', '')} | {row.get('passed', '')} | {skipped} | {row.get('failed', '')} |")
    return "\n".join(lines) + "\n"


def page(made: dict) -> str:
    """The table as a page of its own, with what made it."""
    busy = ": a shared machine, so its seconds are a busy machine's" if made["load"] > made["cores"] / 2 else ""
    return (f"# The supported Pythons, tested\n\nWritten by `make test-pythons` ({made['settings']}) on {made['date']} at "
            f"commit {made['commit'][:7]}, on {made['cpu']} with {made['flags']} ({made['cores']} cores; load average "
            f"{made['load']} when it started{busy}). Each row is a fresh clone with "
            "that Python first on `PATH`; install is `make test-install`; v1 bytes compare the label files and "
            "`history.csv` of `make run VERSION=1` with the committed ones, small v2 bytes those of `run --version 2 "
            "--limit 2000 --epochs 2` with the first row's; disk is the row's environments (and its own uv cache when "
            "cold), hard links counted once. How it works: [install.md](install.md#python).\n\n" + table(made["rows"]))


def machine() -> dict:
    info = Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "an unknown CPU")
    flags = next((line.split(":", 1)[1].split() for line in info if line.startswith("flags")), [])
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "commit": commit, "cpu": cpu,
            "flags": ", ".join(flag for flag in ("avx2", "avx512f", "avx512_bf16", "amx_tile") if flag in flags) or "no AVX2",
            "cores": os.cpu_count(), "load": round(os.getloadavg()[0], 1)}


def main() -> int:
    full = os.environ.get("PYTHONS_FULL", "3.11").split()
    cold = os.environ.get("PYTHONS_COLD") == "1"
    made = {**machine(), "settings": f"PYTHONS_FULL={' '.join(full)}" + (", PYTHONS_COLD=1" if cold else "")}
    if subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                      text=True).stdout.strip():
        print("note: each row clones HEAD; this checkout's uncommitted changes are not tested", flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    rows, reference = [], None
    for version in SUPPORTED:
        interpreter = found(version)
        if interpreter is None:
            rows.append({"python": version, "missing": True, "problems": [f"python{version} is not on PATH (or does not run)"]})
            continue
        print(f"CPython {interpreter[0]}: {interpreter[1]} ({OUT / version}.log)", flush=True)
        row = run_row(version, interpreter, full == ["all"] or version in full, cold, reference)
        reference = reference or row.get("v2_digest")
        rows.append(row)
    made["rows"] = rows
    (OUT / "results.json").write_text(json.dumps(made, indent=2) + "\n")
    (OUT / "table.md").write_text(table(rows))
    if os.environ.get("PYTHONS_PAGE"):
        Path(os.environ["PYTHONS_PAGE"]).write_text(page(made))
    print(table(rows), end="")
    problems = [f"CPython {row['python']}: {problem}" for row in rows for problem in row["problems"]]
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
