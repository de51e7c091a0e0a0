"""Numbers the docs state that come from committed files: recomputed here, so that a sentence
cannot outlive the data it describes (doc/testing.md lists them)."""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path

import pytest

from conftest import ROOT, committed, load_script
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
    """doc/reproduction.md: below at every epoch; epochs 1-9 1.0-2.4 % lower and within about one std;
    from epoch 10, 3-9 % lower and 1.2 to 3.1 std above; n = 20. The bounds are the rounded extremes."""
    assert len(collect(ROOT / "deliverables" / "seeds").runs[1]) == 20
    rows = v1_epochs("loss", 0)
    assert all(sigmas > 0 for sigmas, _ in rows)
    lower = [100 * (1 - ratio) for _, ratio in rows]
    assert (round(min(lower[:9]), 1), round(max(lower[:9]), 1)) == (1.0, 2.4), lower[:9]
    assert all(sigmas < 1.2 for sigmas, _ in rows[:9]), rows[:9]
    assert (round(min(lower[9:])), round(max(lower[9:]))) == (3, 9), lower[9:]
    assert (round(min(s for s, _ in rows[9:]), 1), round(max(s for s, _ in rows[9:]), 1)) == (1.2, 3.1), rows[9:]
    text = words("doc/reproduction.md")
    assert "ours is 1.0–2.4 % lower" in text and "ours is 3–9 % lower" in text and "1.2 to 3.1 standard deviations" in text


def v1_gap_arms() -> tuple[list[float], dict[str, list[list[float]]]]:
    """doc/v1-gap.json: the paper's per-epoch loss and each arm's per-seed losses."""
    kept = json.loads((ROOT / "doc" / "v1-gap.json").read_text())
    return kept["paper"], {arm: [run["loss"] if isinstance(run, dict) else run for run in runs]
                           for arm, runs in kept["arms"].items()}


@pytest.mark.docs
def test_the_v1_gap_arms_as_doc_reproduction_states_them():
    """doc/reproduction.md: every arm below the paper at every epoch; keras3-float64 and keras2-graph
    at or below the faithful default at every epoch, keras2 above it at epochs 8, 12 and 15; the
    from-logits arm equal to the default value for value (and to the study's seeds 0-2)."""
    paper, arms = v1_gap_arms()

    def curve(arm):
        return [sum(run[e] for run in arms[arm]) / len(arms[arm]) for e in range(len(paper))]

    default = curve("keras3")
    assert all(value < logged for arm in arms for value, logged in zip(curve(arm), paper))
    above = {arm: [e + 1 for e, (value, base) in enumerate(zip(curve(arm), default)) if value > base]
             for arm in ("keras3-float64", "keras2-graph", "keras2")}
    assert above == {"keras3-float64": [], "keras2-graph": [], "keras2": [8, 12, 15]}, above
    late = range(len(paper) // 2, len(paper))  # v1-gap.md's reading: the second half of the epochs
    assert sum(curve("keras2")[e] for e in late) < sum(default[e] for e in late)
    assert arms["keras3-logits"] == arms["keras3"]
    study = collect(ROOT / "deliverables" / "seeds").runs[1]
    assert arms["keras3"] == [[float(row["loss"]) for row in study[seed]["history"]] for seed in range(3)]
    text = words("doc/reproduction.md")
    assert "`keras3-float64` and `keras2-graph` stay at or below the faithful default's at every epoch; " \
        "`keras2` sits above it at epochs 8, 12 and 15" in text
    assert "Every arm's curve stays below the paper's at every epoch." in text


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
    # the rows of `mnist-repro run --backend jax|torch` in the table, with the run's own test accuracy
    page = results.markdown(bench)
    for row in (row for row in bench["rows"] if row["runner"] == "backend"):
        assert (f"| v{row['version']} | {row['config']}: {row['label']} | {row['median_s']:.2f} ({row['min_s']:.2f}–"
                f"{row['max_s']:.2f}) |") in page and f" | {row['test_accuracy']:.2f} % | " in page
    # and they are FP32 peers in the targets: a Keras + torch v1 twice as fast as the default is the one named
    faster = copy.deepcopy(bench)
    default, keras_torch = (next(row for row in faster["rows"] if row["version"] == 1 and row["config"] == config)
                            for config in ("default", "keras_torch"))
    keras_torch["median_s"] = default["median_s"] / 2
    assert (f"| v1: faithful default ≤ the fastest FP32 peer | {default['median_s']:.2f} s vs keras_torch "
            f"{keras_torch['median_s']:.2f} s: 2.00× |") in results.markdown(faster)


@pytest.mark.docs
def test_the_cluster_page_quotes_its_measurement():
    measured = (ROOT / "doc" / "cluster-measurement.md").read_text()
    row = next(line for line in measured.splitlines() if line.startswith("| LocalCluster, 2 workers"))
    share = row.split("|")[3].strip()
    assert f"two workers finished the four small runs in {share} of the sequential time" in \
        " ".join((ROOT / "doc" / "cluster.md").read_text().split())


def words(path: str) -> str:
    """A doc's text with its line breaks and runs of spaces as single spaces."""
    return " ".join((ROOT / path).read_text(encoding="utf-8").split())


def committed_metrics() -> dict[str, dict]:
    """Every committed metrics.json as committed (a user's own make run rewrites ver_N's)."""
    paths = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "deliverables").glob("**/metrics.json"))
    return {path: json.loads(committed(path)) for path in paths}


@pytest.mark.docs
def test_the_install_facts_match_the_lock_and_pyproject():
    import re
    import tomllib

    # pyproject's Pythons are the ones make's interpreter check accepts (lock/interpreter.sh's patterns)
    supported = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    accepted = sorted(int(minor) for minor in re.findall(r'"CPython 3\.(\d+)\."\*', (ROOT / "lock" / "interpreter.sh").read_text()))
    assert accepted == list(range(11, 14)) and supported == f">=3.{accepted[0]},<3.{accepted[-1] + 1}"
    locked = {m.group(1) for m in re.finditer(r"^([a-z0-9][a-z0-9._-]*)==", (ROOT / "lock" / "run-cpu.txt").read_text(), re.M)}
    assert 38 <= len(locked) <= 45 and "about 40 packages" in words("doc/install.md")


@pytest.mark.docs
def test_the_committed_runs_are_from_the_cpus_the_readme_names():
    """README.md (and README.es.md): every committed run was made on a 2-core AMD EPYC or Intel Xeon."""
    environments = [metrics["environment"] for metrics in committed_metrics().values()]
    assert environments and all(e["cpu_count"] == 2 and e["cpu"].startswith(("AMD EPYC", "Intel(R) Xeon(R)"))
                                for e in environments), {(e["cpu"], e["cpu_count"]) for e in environments}
    assert "every committed run was made on a 2-core AMD EPYC or Intel Xeon, as its `metrics.json` records" in words("README.md")
    assert "se hizo en un AMD EPYC o un Intel Xeon de 2 núcleos" in words("README.es.md")


@pytest.mark.docs
def test_the_tested_python_is_the_one_the_committed_runs_record():
    """lock/README.md: every committed metrics.json records Python 3.11.7 on glibc 2.36."""
    environments = [metrics["environment"] for metrics in committed_metrics().values()]
    assert len(environments) >= 53
    assert {e["python"] for e in environments} == {"3.11.7"}
    assert all(e["platform"].endswith("x86_64-with-glibc2.36") for e in environments)
    assert "every committed `metrics.json` records Python 3.11.7 (a pyenv build) on Linux x86_64 with glibc 2.36" \
        in words("lock/README.md")


@pytest.mark.docs
def test_the_committed_records_with_the_distribution_list_are_counted():
    """doc/run.md: which committed metrics.json have `distributions`, and that the rest record the
    main versions."""
    records = committed_metrics()
    seeds = {path: m for path, m in records.items() if path.startswith("deliverables/seeds/")}
    listed = [path for path, m in seeds.items() if "distributions" in m["environment"]]
    assert set(listed) == {path for path, m in seeds.items() if m["environment"]["cpu"].startswith("Intel(R) Xeon(R)")}
    assert not any("distributions" in records[f"deliverables/ver_{n}/metrics.json"]["environment"] for n in (1, 2, 3))
    assert all({"python", "tensorflow", "keras", "numpy", "matplotlib"} <= m["environment"].keys() for m in records.values())
    text = words("doc/run.md")
    assert f"{len(listed)} of the {len(seeds)} seed records in `deliverables/seeds/` have it (the runs made on the Intel Xeon)" in text
    assert "none of `deliverables/ver_1/`, `ver_2/`, `ver_3/` does" in text
    others = [m for path, m in records.items() if re.match(r"deliverables/(jax|torch)/seeds/", path)]
    assert others and all("distributions" in m["environment"] for m in others)
    assert "every JAX and torch seed record" in text


@pytest.mark.docs
def test_the_claim_under_test_is_the_papers_numbers():
    papers = [versions.get(n).paper for n in (1, 2, 3)]
    english = ", ".join(f"{p.test_accuracy:.2f} %" for p in papers[:2]) + f" and {papers[2].test_accuracy:.2f} %"
    spanish = ", ".join(f"un {p.test_accuracy:.2f} %".replace(".", ",") for p in papers[:2]) + \
        f" y un {papers[2].test_accuracy:.2f} %".replace(".", ",")
    assert f"reach {english} test accuracy (v3: {papers[2].test_errors} errors out of 10,000)" in words("README.md")
    assert f"alcanzan {spanish} de acierto en test (v3: {papers[2].test_errors} errores de 10.000)" in words("README.es.md")


@pytest.mark.docs
def test_the_performance_page_quotes_the_bench_results():
    """doc/performance.md: FLOP per epoch (GFLOP/s times the median epoch) and the default set's wall time."""
    bench = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    default = {row["version"]: row["gflops"] * row["median_s"] for row in bench["rows"] if row["config"] == "default"}
    text = words("doc/performance.md")
    assert f"One epoch of v3 is about {default[3] / 1000:.1f} TFLOP, v2 {default[2]:.0f} GFLOP, v1 {default[1]:.0f} GFLOP" in text
    assert f"the committed one took {bench['bench_wall_s']:,.0f} s" in text


@pytest.mark.docs
def test_the_resume_page_lists_the_signals_the_tests_send():
    """doc/resume.md names exactly the (version, moment, signal) cases of the resume test."""
    import signal

    from test_resume import test_interrupted_run_resumes_bit_identical as resume_test

    cases = {tuple(case) for mark in resume_test.pytestmark if mark.name == "parametrize" for case in mark.args[1]}
    assert cases == {(3, "after epoch 2", signal.SIGKILL), (2, "during epoch 1", signal.SIGKILL),
                     (2, "after epoch 1", signal.SIGINT)}
    assert ("SIGKILL after the epoch-2 checkpoint on v3 (of the versions with dropout, the one with the most seed "
            "generators to restore), SIGKILL during epoch 1 (before any checkpoint) on v2, and SIGINT (Ctrl-C, exit 130) "
            "after epoch 1 on v2") in words("doc/resume.md")


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


@pytest.mark.docs
def test_the_avx2_seeds_are_the_ones_doc_determinism_names():
    import re

    avx2_only = sorted((int(m[1]), int(m[2])) for path, metrics in committed_metrics().items()
                       if (m := re.search(r"seeds/ver_(\d)/seed_(\d+)/", path)) and "avx512f" not in metrics["environment"]["cpu_flags"])
    assert avx2_only == [(1, s) for s in range(5, 20)] + [(2, 5), (2, 6)]
    assert "The study's seeds 5–19 of v1 and 5–6 of v2 were made on an AMD EPYC Zen 2 (AVX2 only" in words("doc/determinism.md")
