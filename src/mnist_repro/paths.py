"""Where the deliverables live: the one module that spells their folder and file names.

    deliverables/                   DELIVERABLES
      ver_N/                        version_folder(N): one run of version N, as `make run` writes it
      seeds/ver_N/seed_S/           seed_folder(N, S): the study's record of seed S (`make reproduce`)
      seeds/ver_N/.work-seed_S/     seed_work_folder(N, S): that seed's run while it trains
      REPORT.md, report/            report_file(), report_figures(): `make report`
      mnist_samples.png             dataset_figure(): the report's figure 1.1
    checkpoints/ver_N/              checkpoint_folder(DELIVERABLES, N); another --out keeps its own
                                    OUT/.checkpoints/ver_N/
    deliverables/BACKEND/...        backend_root(DELIVERABLES, BACKEND): the same tree for a run on
                                    JAX or torch (checkpoints/BACKEND/ver_N/ for its checkpoint)
"""

from __future__ import annotations

from pathlib import Path

DELIVERABLES = Path("deliverables")
SEEDS = DELIVERABLES / "seeds"
VERSION_PREFIX, SEED_PREFIX = "ver_", "seed_"


def version_folder(number: int, root: Path = DELIVERABLES) -> Path:
    return Path(root) / f"{VERSION_PREFIX}{number}"


def seed_folder(number: int, seed: int, seeds: Path = SEEDS) -> Path:
    return version_folder(number, seeds) / f"{SEED_PREFIX}{seed}"


def seed_work_folder(number: int, seed: int, seeds: Path = SEEDS) -> Path:
    """Hidden from the study's readers (they read seed_S only) until its record is kept."""
    return version_folder(number, seeds) / f".work-{SEED_PREFIX}{seed}"


def seeds_root(root: Path = DELIVERABLES) -> Path:
    return Path(root) / "seeds"


def report_file(root: Path = DELIVERABLES) -> Path:
    return Path(root) / "REPORT.md"


def report_figures(root: Path = DELIVERABLES) -> Path:
    return Path(root) / "report"


def dataset_figure(root: Path = DELIVERABLES) -> Path:
    return Path(root) / "mnist_samples.png"


def backend_root(root: Path, backend: str = "tensorflow") -> Path:
    """Where a backend's runs go under `root`: TensorFlow's (the report's) in `root` itself, every
    other backend's beside them in root/BACKEND/, so that they never replace the committed ones."""
    return Path(root) if backend == "tensorflow" else Path(root) / backend


def checkpoint_folder(out: Path, number: int, backend: str = "tensorflow") -> Path:
    """checkpoints/[BACKEND/]ver_N for the real deliverables; other --out folders keep theirs inside."""
    if Path(out).resolve() == DELIVERABLES.resolve():
        return version_folder(number, backend_root(Path("checkpoints"), backend))
    return version_folder(number, backend_root(out, backend) / ".checkpoints")


def _numbered(folders, prefix: str) -> list[tuple[int, Path]]:
    """(N, folder) for each `prefix`N among `folders`, by N; other names are not ours and are left out."""
    found = [(int(folder.name[len(prefix):]), folder) for folder in folders
             if folder.name.startswith(prefix) and folder.name[len(prefix):].isdigit()]
    return sorted(found, key=lambda pair: (pair[0], pair[1].name))


def version_folders(root: Path) -> list[tuple[int, Path]]:
    """(N, ver_N/) under `root`, by N."""
    return _numbered(Path(root).glob(f"{VERSION_PREFIX}*"), VERSION_PREFIX)


def seed_folders(version: Path) -> list[tuple[int, Path]]:
    """(S, seed_S/) under one ver_N/ of the study, by S."""
    return _numbered((folder for folder in Path(version).glob(f"{SEED_PREFIX}*") if folder.is_dir()), SEED_PREFIX)
