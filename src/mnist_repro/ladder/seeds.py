"""`make ladder`: the test-set runs of the ladder's end rungs, seeds 0..N-1, one after another.

Each run goes through the project's run path in a process of its own (`python -m mnist_repro run
--rung NAME --seed K`, api.run_argv), trains on all 60,000 training images (the holdout only chose
the recipes) and keeps its metrics.json and history.csv under deliverables/ladder/seeds/NAME/seed_K/,
as the study keeps its seeds. A seed folder with this rung's complete record is skipped, so an
interrupted `make ladder` resumes where it stopped (and a run killed mid-training resumes from its
own checkpoint). The fast rung takes well under a minute, so it gets 10 seeds; the accurate rung
takes minutes, so 5 (issue 44: n >= 10 under a minute, >= 3 above).
"""

from __future__ import annotations

import datetime
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .. import errors, paths
from ..__main__ import OneLineParser, positive_int  # this runner's options read as the CLI's do
from ..outputs import atomic
from ..api import run_argv
from ..study import records
from ..study.reproduce import usable_record
from . import get

SEEDS = {"fast": 10, "accurate": 5}  # each end rung's test-set seeds, by default
SITTINGS = "sittings.json"  # beside the seed folders: when each run started, and how busy the machine was


def machine_cpu_s() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (/proc/stat; None off Linux)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(command: list[str]) -> tuple[int, dict]:
    """Run `command`; its exit code, and the sitting: its start (UTC), wall seconds, and the share of
    the machine's CPU time that other processes took meanwhile (above 0.1: a busy machine)."""
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    machine, own, wall = machine_cpu_s(), children_cpu_s(), time.perf_counter()
    code = subprocess.run(command).returncode
    wall = time.perf_counter() - wall
    after = machine_cpu_s()
    others = None if machine is None or after is None else \
        max(0.0, (after - machine) - (children_cpu_s() - own)) / (wall * os.cpu_count())
    return code, {"started": started, "wall_s": round(wall, 3), "others_cpu_share": others}


def record_sitting(root: Path, rung, seed: int, sitting: dict) -> None:
    path = paths.ladder_seed_folder(rung.name, seed, root).parent.parent / SITTINGS
    known = json.loads(path.read_text()) if path.exists() else {}
    known[f"{rung.name}/seed_{seed}"] = sitting
    atomic.write_text_atomic(path, json.dumps(dict(sorted(known.items())), indent=1) + "\n")


def is_complete(folder: Path, rung, seed: int, limit: int | None = None) -> bool:
    """A finished run of this rung with its own recipe and seed, on all the images (or the `limit`
    asked for): its record names them."""
    record = usable_record(folder)
    return (record is not None and record.settings.rung == rung.name and record.settings.seed == seed
            and record.settings.limit == limit and record.settings.epochs == rung.epochs
            and record.settings.batch_size == rung.batch_size and record.settings.validation == rung.validation)


def run_seeds(rung, seeds: int, root: Path, settings: dict | None = None) -> int:
    """Every missing seed of `rung` into root/ladder/seeds/NAME/; `settings` are more run settings
    (api.run_argv's), such as a `limit` in tests. Returns the first failed run's exit code, or 0."""
    for seed in range(seeds):
        target = paths.ladder_seed_folder(rung.name, seed, root)
        if is_complete(target, rung, seed, (settings or {}).get("limit")):
            print(f"{rung.label} seed {seed}: done already ({target})")
            continue
        work = target.with_name(f".work-{target.name}")  # hidden from the page until its record is kept
        print(f"{rung.label} seed {seed} of {seeds}: running", flush=True)
        code, sitting = measured(run_argv(rung, seed=seed, out=work, **(settings or {})))
        if code != 0:
            print(f"{rung.label} seed {seed} failed (exit {code}); run `make ladder` again to resume", file=sys.stderr)
            return code
        records.save_record(target, records.read_record(paths.run_folder(rung, work)))
        with errors.writing("the ladder's sittings", root):
            record_sitting(root, rung, seed, sitting)
        shutil.rmtree(work, ignore_errors=True)
        print(f"{rung.label} seed {seed} done in {sitting['wall_s']:.0f} s", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m mnist_repro.ladder.seeds", description=__doc__.split("\n")[0])
    parser.add_argument("rungs", nargs="*", default=list(SEEDS), metavar="RUNG",
                        help=f"the rungs to run (default: {' '.join(SEEDS)})")
    parser.add_argument("--seeds", type=positive_int, help="seeds 0..N-1 of each rung (default: fast 10, accurate 5, "
                                                  "any other rung 3)")
    parser.add_argument("--root", type=Path, help="the folder that receives ladder/seeds/ (default: deliverables)")
    parser.add_argument("--limit", type=positive_int, help="the first N images of each split (checks only; the page "
                                                  "reads only full runs)")
    args = parser.parse_args(argv)

    def run_all() -> int:
        rungs = [get(name) for name in args.rungs]
        root = args.root or paths.deliverables()
        for rung in rungs:
            code = run_seeds(rung, args.seeds or SEEDS.get(rung.name, 3), root, {"limit": args.limit})
            if code:
                return code
        return 0

    return errors.one_line_exit(run_all)


if __name__ == "__main__":
    sys.exit(main())
