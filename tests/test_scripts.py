"""The scripts outside the package (benchmarks/: `make bench`; experiments/: the checks and
experiments) run against the installed package, each from its own folder as `python
FOLDER/SCRIPT.py` runs it, with no sys.path or PYTHONPATH edit of their own."""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, cli_env, load_script
from test_study import study_record

NEEDS = {"torch_worker": "torch"}  # a peer's own library, installed by `make bench` in .venv-bench only


@pytest.mark.slow
@pytest.mark.parametrize("folder", ["benchmarks", "experiments"])
def test_every_script_imports_against_the_installed_package(folder):
    scripts = sorted((ROOT / folder).glob("*.py"))
    assert scripts
    for script in scripts:
        source = script.read_text()
        assert "sys.path" not in source and "PYTHONPATH" not in source, script
    names = [s.stem for s in scripts if importlib.util.find_spec(NEEDS.get(s.stem, "json")) is not None]
    done = subprocess.run([sys.executable, "-c", "import " + ", ".join(names)], cwd=ROOT / folder, env=cli_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_bench_page_says_how_each_number_was_taken():
    results = load_script("benchmarks/results.py")
    bench = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    assert bench["settings"]["full_run"] is False and bench["full_run"]["source"]  # the committed run, not timed
    page = results.markdown(bench)
    assert "timed epochs. An epoch" in page and "of the full run" not in page
    assert results.REST_OF_COMMITTED_RUN in page and "Python start-up and exit" not in page
    assert "Test accuracy 98.95 %." in page and not re.search(r", \s*$", page, re.M)  # no dangling list

    timed = copy.deepcopy(bench)
    timed["settings"]["full_run"] = True
    timed["full_run"].update(source=None, peak_rss_mib=1400.0)
    page = results.markdown(timed)
    assert "timed epochs (v3 default: epochs 2–20 of the full run)." in page
    assert results.REST_OF_TIMED_RUN in page and "Test accuracy 98.95 %, peak RSS 1,400 MiB." in page


def test_the_bench_page_says_how_the_keras_backend_rows_were_made(tmp_path):
    """The committed bench has v1's and v2's Keras + JAX and Keras + torch rows, made by the project's
    own command (runner "backend"), and its page says so and names their environments."""
    results = load_script("benchmarks/results.py")
    bench = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    made = {(row["version"], row["config"]) for row in bench["rows"] if row["runner"] == "backend"}
    assert made == {(version, config) for version in (1, 2) for config in ("jax", "keras_torch")}
    page = results.markdown(bench)
    assert ("The jax, keras_torch rows are `python -m mnist_repro run --backend B --epochs 4` in the backend's own "
            "environment (.venv-B), read from the run's metrics.json: its `timing.epoch_s`") in page
    environments = bench["libraries"]["backends"]
    assert set(environments) == {"jax", "torch"} and f"Keras backends' environments {json.dumps(environments)}" in page
    results.figure(bench, tmp_path / "results.png")
    assert (tmp_path / "results.png").read_bytes().startswith(b"\x89PNG")


@pytest.fixture
def bench_scripts(monkeypatch):
    """benchmarks/ importable as `python benchmarks/bench.py` finds its siblings, for this test only."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    for name in ("bench", "backend_run", "full_run", "child", "knobs", "machine", "results", "flops"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    import backend_run
    import bench

    return bench, backend_run


def test_the_keras_backend_rows_run_the_projects_command(bench_scripts, monkeypatch, tmp_path):
    bench, backend_run = bench_scripts
    job = {"version": 1, "config": "keras_torch", "label": "Keras + torch", "runner": "backend"}
    argv = backend_run.command(job, 4)
    assert argv[:10] == [str(ROOT / ".venv-torch" / "bin" / "python"), "-m", "mnist_repro", "run", "--version", "1",
                         "--backend", "torch", "--epochs", "4"]
    assert backend_run.command({**job, "version": 2, "config": "jax"}, 3)[:10] == [
        str(ROOT / ".venv-jax" / "bin" / "python"), "-m", "mnist_repro", "run", "--version", "2", "--backend", "jax",
        "--epochs", "3"]

    seen = []

    def fake_timed(argv, env):  # the run's own metrics.json, where `run --backend torch --out OUT` writes it
        seen.append(argv)
        out = Path(argv[argv.index("--out") + 1])
        (out / "torch" / "ver_1").mkdir(parents=True)
        record = study_record(1, 0, 97.95, epochs=4, backend="torch")
        record = dataclasses.replace(record, timing=dataclasses.replace(record.timing, epoch_s=[3.0, 1.0, 1.2, 1.1]))
        record.write(out / "torch" / "ver_1")
        return 0, "", "", 9.0, 700.0

    monkeypatch.setattr(sys.modules["full_run"], "timed", fake_timed)
    report, error, wall, rss = bench.measure(job, 4, {})
    assert report == {"epoch_s": [3.0, 1.0, 1.2, 1.1], "test_accuracy": 0.9795} and (error, wall, rss) == ("", 9.0, 700.0)
    assert seen[0][:-2] == argv and not Path(seen[0][-1]).exists()  # the temporary --out is gone
    row = bench.summarise(job, report, rss, {"fp32": {"best_gflops": 200.0}})
    assert row["median_s"] == 1.1 and row["test_accuracy"] == 97.95

    monkeypatch.setattr(sys.modules["full_run"], "timed", lambda argv, env: (1, "", "Traceback\nerror: boom", 1.0, 1.0))
    assert bench.measure(job, 4, {})[:2] == (None, "error: boom")


def test_the_default_bench_set_has_the_keras_backend_rows_on_v1_and_v2(bench_scripts, monkeypatch, tmp_path):
    bench, backend_run = bench_scripts
    settings = {"versions": [1, 2, 3], "configs": [], "full_run": False, "peers_python": str(tmp_path / "none")}
    monkeypatch.setattr(backend_run, "ROOT", tmp_path)  # no .venv-jax or .venv-torch there
    jobs, notes = bench.plan_jobs(settings, {"has_bf16": True})
    assert not [job for job in jobs if job["runner"] != "project"]
    assert "v1 keras_torch: skipped, no .venv-torch (make bench installs it from lock/torch.txt" in "\n".join(notes)
    for backend in ("jax", "torch"):
        (tmp_path / f".venv-{backend}" / "bin").mkdir(parents=True)
        (tmp_path / f".venv-{backend}" / "bin" / "python").touch()
    jobs, _ = bench.plan_jobs(settings, {"has_bf16": True})
    assert sorted((job["config"], job["version"]) for job in jobs if job["runner"] == "backend") == [
        ("jax", 1), ("jax", 2), ("keras_torch", 1), ("keras_torch", 2)]
    jobs, _ = bench.plan_jobs({**settings, "configs": ["keras_torch"], "versions": [3]}, {"has_bf16": True})
    assert [(job["config"], job["version"]) for job in jobs] == [("keras_torch", 3)]  # v3 on request
