"""Numbers the docs state that come from committed files: recomputed here, so that a sentence
cannot outlive the data it describes (doc/testing.md lists them)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conftest import ROOT, load_script
from mnist_repro import versions
from mnist_repro.study.stats import collect, epoch_spread


def v1_epochs(key: str, paper_index: int) -> list[tuple[float, float]]:
    """Per epoch: (the paper's value in our standard deviations above our mean, ours / the paper's)."""
    runs = collect(ROOT / "deliverables" / "seeds").runs[1]
    rows = []
    for epoch, logged in enumerate(versions.get(1).paper.epochs):
        spread = epoch_spread(runs, epoch, key)
        rows.append(((logged[paper_index] - spread.mean) / spread.std, spread.mean / logged[paper_index]))
    return rows


@pytest.mark.docs
def test_the_v1_loss_gap_as_doc_reproduction_states_it():
    """doc/reproduction.md: below at every epoch; epochs 1-9 1-2 % lower and within about one std;
    from epoch 10, 3-9 % lower and 1.2 to 3.1 std above; n = 20."""
    assert len(collect(ROOT / "deliverables" / "seeds").runs[1]) == 20
    rows = v1_epochs("loss", 0)
    assert all(sigmas > 0 for sigmas, _ in rows)
    assert all(sigmas < 1.2 and 0.975 <= ratio <= 0.99 for sigmas, ratio in rows[:9]), rows[:9]
    assert all(1.15 <= sigmas <= 3.15 and 0.905 <= ratio <= 0.975 for sigmas, ratio in rows[9:]), rows[9:]
    text = (ROOT / "doc" / "reproduction.md").read_text()
    assert "ours is 1–2 % lower" in text and "ours is 3–9 % lower" in text and "1.2 to 3.1 standard deviations" in text


@pytest.mark.docs
def test_the_v1_val_loss_as_doc_reproduction_states_it():
    rows = v1_epochs("val_loss", 2)
    assert any(sigmas < 0 for sigmas, _ in rows) and any(sigmas > 0 for sigmas, _ in rows)  # both sides
    assert all(abs(sigmas) <= 1.6 for sigmas, _ in rows), rows
    assert "within 1.6 standard deviations at every epoch" in (ROOT / "doc" / "reproduction.md").read_text()


@pytest.mark.docs
def test_benchmark_tables_are_rendered_from_their_json():
    results = load_script("benchmarks/results.py")
    bench = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    for row in bench["rows"]:  # each row against the peak of its own precision
        assert abs(row["percent_of_peak"] - 100 * row["gflops"] / results.matching_peak(row["config"], bench["peak"])) < 1e-6
    assert (ROOT / "benchmarks" / "results.md").read_text() == results.markdown(bench)


@pytest.mark.docs
def test_the_cluster_page_quotes_its_measurement():
    measured = (ROOT / "doc" / "cluster-measurement.md").read_text()
    row = next(line for line in measured.splitlines() if line.startswith("| LocalCluster, 2 workers"))
    share = row.split("|")[3].strip()
    assert f"two workers finished the four small runs in {share} of the sequential time" in \
        " ".join((ROOT / "doc" / "cluster.md").read_text().split())


@pytest.mark.docs
def test_the_readme_install_facts_match_the_lock_and_pyproject():
    import re
    import tomllib

    readme = " ".join((ROOT / "README.md").read_text().split())
    minimum = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert minimum == ">=3.11" and "Python 3.11 or newer" in readme
    locked = {m.group(1) for m in re.finditer(r"^([a-z0-9][a-z0-9._-]*)==", (ROOT / "lock" / "run-cpu.txt").read_text(), re.M)}
    assert 38 <= len(locked) <= 45 and "about 40 packages" in readme


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
    errors = json.loads((folder / "metrics.json").read_text())["results"]["test_errors"]
    assert done.stdout.strip().endswith(f"({errors} test errors)")
    assert (folder / "confusion_matrix.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (folder / "misclassified.png").exists() and "## Where it errs (test set)" in (folder / "README.md").read_text()


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
