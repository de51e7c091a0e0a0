"""A study run's record: the two files kept per (version, seed) under deliverables/seeds/, and
their atomic write (atomic.atomic_folder). The sequential study (reproduce.py) and the Dask client (cluster.py) both
write records through here, so neither imports the other's module for it."""

from __future__ import annotations

from pathlib import Path

from .. import errors
from ..outputs.atomic import atomic_folder

KEPT = ("metrics.json", "history.csv")


def read_record(run_folder: Path) -> dict[str, bytes]:
    """The kept files of a finished run's ver_N/ folder, as bytes: a record is a byte copy (history.csv
    keeps CSVLogger's CRLF line ends, which reading it as text would turn into LF)."""
    return {name: (run_folder / name).read_bytes() for name in KEPT}


def save_record(target: Path, files: dict[str, bytes]) -> None:
    """Write a run's kept files into `target` atomically: built beside it, then renamed, so a seed
    folder is either complete or absent, and a record already there stays whole until replaced."""
    with errors.writing("the study's seed records", target.parent), atomic_folder(target) as building:
        for name in KEPT:
            (building / name).write_bytes(files[name])
