"""The README's claims about the project's own commands: `make analyze` refreshes a folder from its
model, a fourth version is one new file, `make clean` removes only what runs leave behind."""

from __future__ import annotations

import sys

import pytest

from conftest import ROOT
from mnist_repro.outputs.run_record import RunRecord


@pytest.mark.slow
def test_make_analyze_refreshes_a_folder_from_its_model(tmp_path, small_runs, mnist_path):
    import shutil

    from conftest import run_cli

    folder = tmp_path / "deliverables" / "ver_1"
    shutil.copytree(small_runs["1"][0], folder)
    for figure in ("confusion_matrix.png", "misclassified.png"):
        (folder / figure).unlink()
    (folder / "README.md").write_text("stale")
    done = run_cli("analyze", "--version", 1, "--data", mnist_path, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    errors = RunRecord.read(folder).results.test_errors
    assert done.stdout.strip().endswith(f"({errors} test errors)")
    assert (folder / "confusion_matrix.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (folder / "misclassified.png").exists() and "## Where it errs (test set)" in (folder / "README.md").read_text()


@pytest.mark.slow
def test_a_fourth_version_is_one_new_file(tmp_path, monkeypatch):
    """README: a fourth version is one new file, src/mnist_repro/versions/v4.py; make run VERSION=4 works."""
    import shutil
    import subprocess

    from conftest import run_cli
    from mnist_repro import versions as package

    extra = tmp_path / "versions"
    extra.mkdir()
    text = (ROOT / "src" / "mnist_repro" / "versions" / "v1.py").read_text()
    (extra / "v4.py").write_text(text.replace("number=1,", "number=4,").replace('name="dense"', 'name="dense, again"'))
    monkeypatch.setattr(package, "__path__", [*package.__path__, str(extra)])
    monkeypatch.delitem(sys.modules, "mnist_repro.versions.v4", raising=False)
    try:
        assert 4 in package.available()
        done = run_cli("run", "--version", 4, "--dry-run", "--out", tmp_path / "out")
    finally:
        sys.modules.pop("mnist_repro.versions.v4", None)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("mnist-repro: version 4 (dense, again)") and (tmp_path / "out" / "ver_4" / "result.txt").exists()
    # make finds it by its file: VERSION=4 is accepted once v4.py exists, refused before.
    copy = tmp_path / "clone"
    (copy / "src" / "mnist_repro" / "versions").mkdir(parents=True)
    for name in ("Makefile", "requirements.txt", "pyproject.toml"):
        shutil.copy(ROOT / name, copy)
    shutil.copytree(ROOT / "lock", copy / "lock")
    refused = subprocess.run(["make", "-n", "run", "VERSION=4"], cwd=copy, capture_output=True, text=True)
    assert refused.returncode != 0 and "VERSION=4 is not a version" in refused.stderr
    shutil.copy(extra / "v4.py", copy / "src" / "mnist_repro" / "versions" / "v4.py")
    planned = subprocess.run(["make", "-n", "run", "VERSION=4"], cwd=copy, capture_output=True, text=True)
    assert planned.returncode == 0 and "mnist_repro run --version 4" in planned.stdout


@pytest.mark.slow
def test_make_clean_removes_only_what_runs_leave_behind(tmp_path):
    import shutil
    import subprocess

    shutil.copy(ROOT / "Makefile", tmp_path)
    made = ["build/errors/x.log", "checkpoints/ver_1/state.json", "deliverables/.checkpoints/ver_2/x", ".pytest_cache/x",
            "src/pkg/__pycache__/m.pyc", "deliverables/ver_1/result.txt", "data/mnist.npz", ".venv/lib/__pycache__/k.pyc"]
    for name in made:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert subprocess.run(["make", "-s", "clean"], cwd=tmp_path).returncode == 0
    kept = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file() and p.name != "Makefile")
    assert kept == [".venv/lib/__pycache__/k.pyc", "data/mnist.npz", "deliverables/ver_1/result.txt"]
