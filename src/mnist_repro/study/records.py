"""A study run's record: the two files kept per (version, seed) under deliverables/seeds/, and
their atomic write (atomic.atomic_folder). The sequential study (reproduce.py) and the Dask client (cluster.py) both
write records through here, so neither imports the other's module for it."""

from __future__ import annotations

from pathlib import Path

from .. import errors
from ..outputs.atomic import atomic_folder

KEPT = ("metrics.json", "history.csv")


def save_record(target: Path, files: dict[str, str]) -> None:
    """Write a run's kept files into `target` atomically: built beside it, then renamed, so a seed
    folder is either complete or absent, and a record already there stays whole until replaced."""
    with errors.writing("the study's seed records", target.parent), atomic_folder(target) as building:
        for name in KEPT:
            (building / name).write_text(files[name])
