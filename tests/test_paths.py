"""Every default path hangs from the project root, found from the working directory: the same files
from the root, from a subfolder (a notebook kernel starts in notebooks/), and a folder of one's own
outside any checkout."""

from pathlib import Path

from conftest import ROOT
from mnist_repro import data, errors, ladder, paths, versions


def test_default_paths_resolve_to_the_checkout_from_any_folder_inside_it(monkeypatch):
    for folder in (ROOT, ROOT / "src" / "mnist_repro", ROOT / "doc"):
        monkeypatch.chdir(folder)
        assert paths.deliverables().resolve() == ROOT / "deliverables"
        assert paths.version_folder(1).resolve() == ROOT / "deliverables" / "ver_1"
        assert paths.seed_folder(2, 3).resolve() == ROOT / "deliverables" / "seeds" / "ver_2" / "seed_3"
        assert paths.checkpoint_folder(paths.deliverables(), versions.get(1)).resolve() == ROOT / "checkpoints" / "ver_1"
        fast = ladder.get("fast")  # a rung: its own folders, never a ver_N
        assert paths.run_folder(fast).resolve() == ROOT / "deliverables" / "ladder" / "fast"
        assert paths.checkpoint_folder(paths.deliverables(), fast).resolve() == ROOT / "checkpoints" / "ladder" / "fast"
        assert data.cache_path().resolve() == ROOT / "data" / "mnist.npz"
    monkeypatch.chdir(ROOT)
    assert paths.version_folder(1) == Path("deliverables/ver_1")  # as messages have always named it


def test_outside_a_checkout_the_working_directory_is_the_root(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert paths.project_root() == Path(".")
    assert paths.deliverables() == Path("deliverables") and data.cache_path() == Path("data/mnist.npz")
    assert (paths.project_root() / errors.ERROR_LOGS).resolve() == tmp_path / "build" / "errors"
