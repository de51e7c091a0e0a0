"""Where the project's files live: the one module that spells their folder and file names.

    deliverables/                   deliverables(): DELIVERABLES under the project root
      ver_N/                        version_folder(N): one run of version N, as `make run` writes it
      seeds/ver_N/seed_S/           seed_folder(N, S): the study's record of seed S (`make reproduce`)
      seeds/ver_N/.work-seed_S/     seed_work_folder(N, S): that seed's run while it trains
      REPORT.md, report/            report_file(), report_figures(): `make report`
      mnist_samples.png             dataset_figure(): the report's figure 1.1
      ladder/NAME/                  run_folder(rung): one run of a ladder rung (`make ladder-run RUNG=NAME`)
      ladder/seeds/NAME/seed_S/     ladder_seed_folder(NAME, S): its test-set record of seed S (`make ladder`)
    checkpoints/ver_N/              checkpoint_folder(deliverables(), N); another --out keeps its own
                                    OUT/.checkpoints/ver_N/ (a rung: checkpoints/ladder/NAME/)
    deliverables/BACKEND/...        backend_root(deliverables(), BACKEND): the same tree for a run on
                                    JAX or torch (checkpoints/BACKEND/ver_N/ for its checkpoint)
    data/mnist.npz, build/          data.cache_path(), errors' logs: under the project root too

Every default path hangs from `project_root()`, found from the working directory when it is asked
for, so that a command or a notebook kernel in a subfolder (notebooks/) reads and writes the same
files as one at the root. The package's own files (its sources, the demo page) are found from
`__file__` instead: they are the code, wherever it is installed. A path the user gives (--out,
--data) is the user's, relative to the working directory as usual.
"""

from __future__ import annotations

import os
from pathlib import Path

DELIVERABLES = Path("deliverables")  # relative to the project root, as are the two below
SEEDS = DELIVERABLES / "seeds"
CHECKPOINTS = Path("checkpoints")
VERSION_PREFIX, SEED_PREFIX = "ver_", "seed_"
LADDER = Path("ladder")  # a rung's folders, under deliverables/ and checkpoints/: never a ver_N


def project_root() -> Path:
    """The nearest of the working directory and its parents that is a checkout of this project
    (pyproject.toml beside src/mnist_repro/); the working directory itself where none is (the package
    installed from a wheel, used in a folder of one's own). Relative to the working directory, so that
    from the root the paths read as they always did (`deliverables/ver_1`)."""
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "src" / "mnist_repro").is_dir():
            return Path(os.path.relpath(folder, here))
    return Path(".")


def deliverables() -> Path:
    return project_root() / DELIVERABLES


def version_folder(number: int, root: Path | None = None) -> Path:
    return Path(root or deliverables()) / f"{VERSION_PREFIX}{number}"


def seed_folder(number: int, seed: int, seeds: Path | None = None) -> Path:
    return version_folder(number, seeds or seeds_root()) / f"{SEED_PREFIX}{seed}"


def seed_work_folder(number: int, seed: int, seeds: Path | None = None) -> Path:
    """Hidden from the study's readers (they read seed_S only) until its record is kept."""
    return version_folder(number, seeds or seeds_root()) / f".work-{SEED_PREFIX}{seed}"


def seeds_root(root: Path | None = None) -> Path:
    return Path(root or deliverables()) / "seeds"


def report_file(root: Path | None = None) -> Path:
    return Path(root or deliverables()) / "REPORT.md"


def report_figures(root: Path | None = None) -> Path:
    return Path(root or deliverables()) / "report"


def dataset_figure(root: Path | None = None) -> Path:
    return Path(root or deliverables()) / "mnist_samples.png"


def backend_root(root: Path, backend: str = "tensorflow") -> Path:
    """Where a backend's runs go under `root`: TensorFlow's (the report's) in `root` itself, every
    other backend's beside them in root/BACKEND/, so that they never replace the committed ones."""
    return Path(root) if backend == "tensorflow" else Path(root) / backend


def run_folder(recipe, root: Path | None = None) -> Path:
    """ver_N/ for version N; ladder/NAME/ for a ladder rung (a recipe without a number)."""
    if recipe.number is None:
        return Path(root or deliverables()) / LADDER / recipe.name
    return version_folder(recipe.number, root)


def checkpoint_folder(out: Path, recipe, backend: str = "tensorflow") -> Path:
    """checkpoints/[BACKEND/]ver_N (or ladder/NAME) for the real deliverables; other --out folders keep
    theirs inside. `recipe` is a version (versions.Version) or a rung (ladder.Rung)."""
    if Path(out).resolve() == deliverables().resolve():
        return run_folder(recipe, backend_root(project_root() / CHECKPOINTS, backend))
    return run_folder(recipe, backend_root(out, backend) / ".checkpoints")


def ladder_seed_folder(name: str, seed: int, root: Path | None = None) -> Path:
    return Path(root or deliverables()) / LADDER / "seeds" / name / f"{SEED_PREFIX}{seed}"


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
