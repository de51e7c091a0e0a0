"""A study run's record: the two files kept per (version, seed) under deliverables/seeds/, and
their atomic write. The sequential study (reproduce.py) and the Dask client (cluster.py) both
write records through here, so neither imports the other's module for it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .. import errors

KEPT = ("metrics.json", "history.csv")


def save_record(target: Path, files: dict[str, str]) -> None:
    """Write a run's kept files into `target` atomically: built beside it, then renamed, so a seed
    folder is either complete or absent."""
    building = target.with_name(target.name + ".partial")
    shutil.rmtree(building, ignore_errors=True)
    with errors.writing("the study's seed records", target.parent):
        try:
            building.mkdir(parents=True)
            for name in KEPT:
                (building / name).write_text(files[name])
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
    shutil.rmtree(target, ignore_errors=True)
    os.replace(building, target)
