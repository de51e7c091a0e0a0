"""The study: report statistics and verdicts on synthetic run folders, skipping, and resuming."""

import csv
import dataclasses
import json

import pytest

from mnist_repro import versions
from mnist_repro.errors import BadSetting, FolderUnusable, NoStudyRuns
from mnist_repro.outputs.run_record import Code, Data, Results, RunRecord, Settings, Timing
from mnist_repro.study import report, reproduce, stats


def make_run(root, number, seed, test_accuracy, epochs=None, loss_offset=0.0, folder=None, **recorded):
    """A seed record of the shape `make reproduce` keeps (its metrics.json and history.csv); see
    `study_record` for what `recorded` may set."""
    record = study_record(number, seed, test_accuracy, epochs, loss_offset, **recorded)
    folder = folder or root / f"ver_{number}" / f"seed_{seed}"
    folder.mkdir(parents=True)
    with open(folder / "history.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(record.history[0]))
        writer.writeheader()
        writer.writerows(record.history)
    record.write(folder)
    return folder


def study_record(number, seed, test_accuracy, epochs=None, loss_offset=0.0, backend=None, flags=None, cpu=None,
                 distributions=None) -> RunRecord:
    """A run's record; `backend` (with its version), the CPU's `flags`, its model name `cpu` and the
    installed `distributions` are recorded as a run on that backend and CPU records them (no backend:
    a record from before backends were a setting, TensorFlow's)."""
    version = versions.get(number)
    epochs = epochs or version.epochs
    history = [{"epoch": e, "accuracy": 0.9 + e / 1000, "loss": 0.3 / (e + 1) + loss_offset,
                "val_accuracy": 0.95, "val_loss": 0.1} for e in range(epochs)]
    environment = {"device": "CPU (test, 2 cores)", "python": "3.11", "tensorflow": "2.21.0", "keras": "3.15.1",
                   "numpy": "2"}
    if distributions is not None:
        environment["distributions"] = distributions
    if backend is not None:
        environment.update(backend=backend, backend_version=BACKEND_VERSIONS[backend])
    if flags is not None:
        environment.update(cpu="AMD EPYC", cpu_flags=flags, gpus=[])
    if cpu is not None:
        environment.update(cpu=cpu, cpu_count=2, device=f"CPU ({cpu}, 2 cores)")
    errors = round((100 - test_accuracy) * 100)
    return RunRecord(
        version=number, name=version.name,
        settings=Settings(version=number, seed=seed, epochs=epochs, batch_size=128, validation="train", limit=None,
                          precision="float32", backend=backend or "tensorflow", command="make reproduce",
                          loss=version.loss, labels=version.label_encoding, optimizer="Adam",
                          optimizer_origin=version.optimizer_origin, speed="fast", resumed_from_epoch=None,
                          absent=frozenset() if backend else frozenset({"backend"})),
        results=Results(training_time_s=30.0 + seed, train_loss=0.01, train_accuracy=99.8, test_loss=0.08,
                        test_accuracy=test_accuracy, train_errors=120, train_images=60000, test_errors=errors,
                        test_images=10000),
        history=history,
        timing=Timing(data_s=1.0, import_s=2.0, fit_s=30.0 + seed, training_time_s=30.0 + seed,
                      epoch_s=[(30.0 + seed) / epochs] * epochs, evaluate_and_label_s=3.0, deliverables_s=4.0,
                      run_s=40.0),
        data=Data(source="project cache data/mnist.npz", verified=True, sha256={}),
        environment=environment, code=Code(commit=None, src_dirty=None), model_png="test")


BACKEND_VERSIONS = {"tensorflow": "2.21.0", "jax": "0.7.0", "torch": "2.8.0+cpu"}
AVX512, AVX2, AMX = ["avx2", "avx512f"], ["avx2"], ["avx2", "avx512f", "amx_tile"]


def test_spread_and_verdicts():
    spread = stats.Spread([97.5, 97.7, 97.9])
    assert spread.mean == pytest.approx(97.7)
    assert spread.std == pytest.approx(0.2)
    assert (spread.low, spread.high, spread.n) == (97.5, 97.9, 3)
    # 95 % prediction interval for one new run: 97.7 ± t(0.975, 2) · 0.2 · √(4/3), t = 4.302653
    low, high = spread.prediction_interval()
    assert (low, high) == (pytest.approx(97.7 - 0.993658, abs=1e-5), pytest.approx(97.7 + 0.993658, abs=1e-5))
    assert stats.interval_verdict(97.62, spread, 2) == "inside"
    assert stats.interval_verdict(96.5, spread, 2, " pp") == "outside, 0.21 pp below"
    assert stats.interval_verdict(99.0, spread, 2, " pp") == "outside, 0.31 pp above"
    assert stats.rank_text(97.62, spread) == "0.33 (above 1 of 3 runs)"
    assert stats.Spread([1.0, 2.0, 2.0, 3.0]).rank_of(2.0) == 0.5  # ties count half


@pytest.mark.parametrize("df, quantile", [(1, 12.706205), (4, 2.776445), (9, 2.262157), (19, 2.093024), (99, 1.984217)])
def test_the_prediction_interval_takes_t_of_n_minus_1_from_the_tables(df, quantile):
    spread = stats.Spread([float(i % 2) for i in range(df + 1)])  # n = df + 1 runs
    low, high = spread.prediction_interval()
    assert (high - low) / 2 == pytest.approx(quantile * spread.std * (1 + 1 / spread.n) ** 0.5, abs=1e-5)
    assert (low + high) / 2 == pytest.approx(spread.mean)


def test_report_from_synthetic_runs(tmp_path):
    seeds = tmp_path / "seeds"
    for seed, accuracy in enumerate([97.5, 97.7, 97.9]):
        make_run(seeds, 1, seed, accuracy)
    make_run(seeds, 2, 0, 98.3, epochs=3)  # history shorter than the recipe is still a run
    path = report.build(seeds, tmp_path)
    text = path.read_text()
    assert ("| 1 (dense) | 97.62 % | 97.70 ± 0.20 % | [97.50, 97.90] | [96.71, 98.69] | 3 | inside | "
            "0.33 (above 1 of 3 runs) |") in text
    assert "| 3 | 99.15 % | no runs yet | | | 0 | | |" in text
    assert "| test errors of 10,000 | 238.0 | 230.0 ± 20.0 |" in text
    assert (tmp_path / "report" / "figure_4_1.png").stat().st_size > 0
    assert (tmp_path / "report" / "histogram_1.png").stat().st_size > 0 and "report/histogram_1.png" in text
    assert "0.1003 († table: 0.1361)" in text  # v2's table erratum is marked
    # The short v2 run is counted: one run in the summary and in its section, its three epochs and no more.
    assert "| 2 (small CNN) | 98.22 % | 98.30 ± 0.00 % | [98.30, 98.30] | [98.30, 98.30] | 1 |" in text
    assert "n = 1 runs (seeds 0)" in text.split("## Version 2")[1]
    assert "| 3 | 0.1003 († table: 0.1361) | 0.1000 ± 0.0000 |" in text and "| 4 | 0.0847 | — | 0.9757 | — |" in text
    first = {p.name: p.read_bytes() for p in [path, *sorted((tmp_path / "report").iterdir())]}
    report.build(seeds, tmp_path)
    assert {p.name: p.read_bytes() for p in [path, *sorted((tmp_path / "report").iterdir())]} == first


def truncate(folder):
    (folder / "metrics.json").write_text('{"format": 2, "vers')


def old_format(folder):
    metrics = json.loads((folder / "metrics.json").read_text())
    del metrics["format"]
    (folder / "metrics.json").write_text(json.dumps(metrics))


@pytest.mark.parametrize("damage, message", [
    (truncate, "seed_1: metrics.json unreadable"),
    (old_format, "seed_1: metrics.json is from an older mnist-repro"),
    (lambda folder: (folder / "history.csv").unlink(), "seed_1: no history.csv"),
])
def test_report_refuses_a_damaged_run_and_keeps_the_old_report(tmp_path, damage, message):
    seeds = tmp_path / "seeds"
    for seed in (0, 1):
        make_run(seeds, 1, seed, 97.6)
    report.build(seeds, tmp_path)
    before = (tmp_path / "REPORT.md").read_bytes()
    damage(seeds / "ver_1" / "seed_1")
    with pytest.raises(FolderUnusable, match=message) as refused:
        report.build(seeds, tmp_path)
    assert "make reproduce" in str(refused.value) and refused.value.exit_code == 1
    assert (tmp_path / "REPORT.md").read_bytes() == before


def test_report_without_runs_is_refused(tmp_path):
    with pytest.raises(NoStudyRuns, match="no study runs under .*; run `make reproduce` first") as refused:
        report.build(tmp_path / "seeds", tmp_path)
    assert refused.value.exit_code == 1
    assert not (tmp_path / "REPORT.md").exists()


def test_reproduce_refuses_zero_seeds(tmp_path):
    with pytest.raises(BadSetting, match="SEEDS=0: need at least 1 seed") as refused:
        reproduce.reproduce([1], 0, tmp_path / "seeds", tmp_path)
    assert refused.value.exit_code == 2


def test_reproduce_skips_complete_runs_and_reuses_the_main_run(tmp_path, monkeypatch, capsys):
    seeds, main = tmp_path / "seeds", tmp_path / "main"
    for seed in (0, 1):
        make_run(seeds, 1, seed, 97.6)
    make_run(main, 1, 2, 97.8, folder=main / "ver_1")  # the main run happens to use seed 2
    launched = []
    monkeypatch.setattr(reproduce.subprocess, "run", lambda command, **kw: launched.append(command))
    assert reproduce.reproduce([1], 3, seeds, main) == 0
    assert launched == []  # seeds 0-1 complete, seed 2 taken from the main folder
    for name in ("metrics.json", "history.csv"):
        assert (seeds / "ver_1" / "seed_2" / name).read_bytes() == (main / "ver_1" / name).read_bytes()
    assert "0 to run" in capsys.readouterr().out


def test_reproduce_runs_what_is_missing(tmp_path, monkeypatch):
    seeds = tmp_path / "seeds"
    make_run(seeds, 1, 0, 97.6)
    launched = []

    def fake_run(command, **kwargs):
        launched.append(command)
        out = command[command.index("--out") + 1]
        source = make_run(tmp_path / "made", 1, int(command[command.index("--seed") + 1]), 97.7)
        target = seeds.__class__(out) / "ver_1"
        target.parent.mkdir(parents=True, exist_ok=True)
        source.rename(target)
        return type("Done", (), {"returncode": 0})()

    monkeypatch.setattr(reproduce.subprocess, "run", fake_run)
    assert reproduce.reproduce([1], 2, seeds, tmp_path / "nomain") == 0
    assert [c[c.index("--seed") + 1] for c in launched] == ["1"]
    assert sorted(p.name for p in (seeds / "ver_1").iterdir()) == ["seed_0", "seed_1"]
    assert sorted(p.name for p in (seeds / "ver_1" / "seed_1").iterdir()) == ["history.csv", "metrics.json"]


def test_committed_report_is_regenerated_byte_for_byte(tmp_path):
    from conftest import ROOT

    committed = ROOT / "deliverables"
    report.build(committed / "seeds", tmp_path)
    assert (tmp_path / "REPORT.md").read_text() == (committed / "REPORT.md").read_text()
    figures = sorted((tmp_path / "report").iterdir())
    assert figures
    assert [figure.name for figure in figures] == sorted(path.name for path in (committed / "report").iterdir())
    for figure in figures:
        assert figure.read_bytes() == (committed / "report" / figure.name).read_bytes(), figure.name


def test_report_gives_times_per_cpu_and_flags_a_mixed_study(tmp_path):
    seeds = tmp_path / "seeds"
    for seed, cpu in enumerate(["CPU A", "CPU A", "CPU B"]):
        make_run(seeds, 1, seed, 97.6, cpu=cpu)
    text = report.build(seeds, tmp_path).read_text()
    assert "| ours, CPU A, 2 cores | 2 |" in text and "| ours, CPU B, 2 cores | 1 |" in text
    assert "**Mixed environments:** these 3 runs used 2 different CPU or library combinations" in text


def test_the_permutation_test_counts_every_split_or_a_fixed_sample():
    from mnist_repro.study.stats import permutation_p_value

    # [1, 2, 3] against [4, 5, 6]: of the 20 ways to split six runs in three, only the seen split and
    # its mirror are as far apart, so p = 2 / 20.
    assert permutation_p_value([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]) == (0.1, "exact, all 20 splits")
    assert permutation_p_value([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])[0] == 1.0
    # Six against six: 924 splits, all counted; with a limit of 500, a fixed sample near the exact p.
    first, second = [3, 5, 6, 8, 9, 12], [7, 9, 10, 12, 14, 15]
    exact, sampled = permutation_p_value(first, second), permutation_p_value(first, second, limit=500)
    assert exact == (pytest.approx(60 / 924), "exact, all 924 splits")
    assert sampled[1] == "500 random splits" and abs(sampled[0] - exact[0]) < 0.03
    assert sampled == permutation_p_value(first, second, limit=500)  # the same sample each time


def fake_run(accuracy: float, flags: list[str], distributions: dict | None = None) -> RunRecord:
    """A record whose environment names only the CPU's flags (no model: its kind is the flags')."""
    environment = {"cpu_flags": flags, "gpus": [], **({} if distributions is None else {"distributions": distributions})}
    return dataclasses.replace(study_record(1, 0, accuracy), environment=environment)


def test_the_cpu_kind_split_tests_only_kinds_with_enough_runs():
    from mnist_repro.study.report_environment import accuracy_by_cpu_kind, cpu_kind

    assert cpu_kind({"cpu_flags": ["avx2", "avx512f", "amx_bf16"]}) == "AMX"
    assert cpu_kind({"cpu_flags": ["avx2", "avx512f"]}) == "AVX-512" and cpu_kind({"cpu_flags": ["avx2"]}) == "AVX2"
    runs = {0: fake_run(98.0, ["avx2"]), 1: fake_run(98.1, ["avx2"]), 2: fake_run(98.2, ["avx2"]),
            3: fake_run(99.0, ["avx2", "avx512f"]), 4: fake_run(99.1, ["avx2", "avx512f"]),
            5: fake_run(99.2, ["avx2", "avx512f"]), 6: fake_run(97.0, ["avx2", "avx512f", "amx_bf16"])}
    text = "\n".join(accuracy_by_cpu_kind(runs))
    assert "| AVX2 | 3 | 98.10 ± 0.10 % | [98.00, 98.20] % |" in text
    assert ("AVX2 against AVX-512: -1.00 pp in mean test accuracy; a permutation test of the difference "
            "(exact, all 20 splits) gives p = 0.100, so no evidence") in text
    assert "Too few runs to test on AMX (n = 1)" in text


def test_one_vector_width_on_two_vendors_is_two_cpu_kinds(tmp_path):
    from mnist_repro.study import report_backends
    from mnist_repro.study.report_environment import cpu_group

    assert cpu_group({"cpu": "AMD EPYC", "cpu_flags": AVX512}) == "AMD EPYC, AVX-512"
    assert cpu_group({"cpu": "Intel(R) Xeon(R) Processor", "cpu_flags": AVX512}) == "Intel Xeon, AVX-512"
    assert cpu_group({"cpu_flags": AVX2}) == "AVX2"  # no model recorded: the instruction set alone
    seeds = tmp_path / "seeds"
    for seed, accuracy in enumerate([97.5, 97.7, 97.9]):
        make_run(seeds, 1, seed, accuracy, flags=AVX512)  # AMD EPYC
    for seed, accuracy in enumerate([97.8, 98.0, 98.1, 98.2]):  # two of them on an Intel Xeon with the same vector width
        make_run(tmp_path / "torch" / "seeds", 1, seed, accuracy, backend="torch", flags=AVX512,
                 cpu="Intel(R) Xeon(R) Processor" if seed >= 2 else None)
    torch = report_backends.collect_backends(tmp_path)["torch"].runs[1]
    assert report_backends.kinds_text(torch) == "AMD EPYC, AVX-512 (2); Intel Xeon, AVX-512 (2)"
    kind, tensorflow_values, torch_values = report_backends.comparison(stats.collect(seeds).runs[1], torch)
    assert kind == "AMD EPYC, AVX-512" and torch_values == [220, 200]  # like with like: the Xeon runs left out
    assert len(tensorflow_values) == 3


def test_a_prediction_interval_past_0_or_100_is_cut_there_and_marked(tmp_path):
    seeds = tmp_path / "seeds"
    for seed, (loss, accuracy) in enumerate([(0.0001, 99.99), (0.0030, 99.90), (0.0002, 99.98)]):
        record = RunRecord.read(make_run(seeds, 1, seed, 97.6))
        results = dataclasses.replace(record.results, train_loss=loss, train_accuracy=accuracy)
        dataclasses.replace(record, results=results).write(record.folder)
    text = report.build(seeds, tmp_path).read_text()
    cells = {line.split(" | ")[0]: line.split(" | ") for line in text.splitlines() if line.startswith("| train ")}
    loss, accuracy = stats.Spread([0.0001, 0.0030, 0.0002]), stats.Spread([99.99, 99.90, 99.98])
    assert loss.prediction_interval()[0] < 0 and accuracy.prediction_interval()[1] > 100  # both pass their bound
    assert cells["| train loss"][4] == f"[0.00000{stats.CLIPPED}, {loss.prediction_interval()[1]:.5f}]"
    assert cells["| train accuracy"][4] == f"[{accuracy.prediction_interval()[0]:.3f}, 100.000{stats.CLIPPED}]"
    assert cells["| train loss"][6] == stats.interval_verdict(0.01141, loss, 5)  # the verdict of the uncut interval
    assert text.count(stats.CLIPPED_NOTE) == 1 and "| test accuracy |" in text
    assert stats.CLIPPED not in next(line for line in text.splitlines() if line.startswith("| test accuracy |"))


def test_the_report_says_whether_the_runs_share_their_packages():
    from mnist_repro.study.report_environment import package_sets

    same = {"numpy": "2.4.6", "h5py": "3.14.0", "mnist-repro": "1.0.0"}
    assert "share one set of 2 distributions" in package_sets({0: fake_run(98, [], same), 1: fake_run(98, [], same)})
    other = {**same, "h5py": "3.15.0"}
    mixed = package_sets({0: fake_run(98, [], same), 1: fake_run(98, [], other), 2: fake_run(98, [])})
    assert "2 different sets; they differ in h5py." in mixed and "Seeds 2 predate" in mixed


def test_markdown_tables_write_blank_and_empty_cells_as_the_committed_files_have_them():
    from mnist_repro.outputs.markdown import table

    assert table([None, "n"], [["paper", 1], ["flatten", ""]]) == "| | n |\n|---|---|\n| paper | 1 |\n| flatten |  |"


def test_report_without_scipy_is_the_one_missing_extra_line(tmp_path, monkeypatch, mnist_path):
    """`make install` brings no SciPy: `report` names the study extra and how to get it, and writes nothing."""
    import sys

    import mnist_repro.study
    from conftest import assert_one_line_error, call_cli

    for name in list(sys.modules):  # the study's modules import SciPy when they load: load them again
        if name.split(".")[0] == "scipy":
            monkeypatch.delitem(sys.modules, name)
        elif name.startswith("mnist_repro.study."):
            monkeypatch.delitem(sys.modules, name)
            monkeypatch.delattr(mnist_repro.study, name.rsplit(".", 1)[1], raising=False)
    monkeypatch.setitem(sys.modules, "scipy", None)  # as if not installed: importing it fails
    make_run(tmp_path / "deliverables" / "seeds", 1, 0, 97.6)
    done = call_cli("report", "--data", mnist_path, cwd=tmp_path)
    line = assert_one_line_error(done, "the report needs the optional 'study' extra", "scipy is not installed",
                                 "`make report`", "pip install 'mnist-repro[study]'")
    assert done.returncode == 1 and "internal error" not in line
    assert sorted(p.name for p in (tmp_path / "deliverables").iterdir()) == ["seeds"]
    assert not (tmp_path / "build").exists() and not (tmp_path / "README.md").exists()


@pytest.mark.slow
def test_make_report_installs_the_study_extra_and_make_install_does_not():
    import subprocess
    from importlib import metadata

    from conftest import ROOT

    def plan(target: str) -> str:
        return subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True).stdout

    for target in ("report", "reproduce", "test"):
        assert "lock/install.py .venv/bin/python lock/study.txt" in plan(target), target
    assert "study" not in plan(".venv/.installed")
    assert 'scipy==1.17.1; extra == "study"' in metadata.requires("mnist-repro")


def backend_study(tmp_path):
    """TensorFlow: v1 on AVX-512 (3 runs) and AVX2 (1), v2 one short run; JAX: v1 on AVX-512 (3);
    PyTorch: v1 one run on AVX2. Backend records sit where `reproduce --backend` keeps them."""
    seeds = tmp_path / "seeds"
    for seed, accuracy in enumerate([97.5, 97.7, 97.9]):
        make_run(seeds, 1, seed, accuracy, flags=AVX512)
    make_run(seeds, 1, 3, 97.6, flags=AVX2)
    make_run(seeds, 2, 0, 98.3, epochs=3, flags=AVX512)
    for seed, accuracy in enumerate([97.8, 98.0, 98.1]):
        make_run(tmp_path / "jax" / "seeds", 1, seed, accuracy, backend="jax", flags=AVX512, loss_offset=0.001)
    make_run(tmp_path / "torch" / "seeds", 1, 0, 97.6, backend="torch", flags=AVX2)
    return seeds


def exact_p(first: list[int], second: list[int]) -> float:
    """Two-sided permutation p over every split of the pooled values, in exact integer arithmetic."""
    import itertools
    from fractions import Fraction

    pooled, size = first + second, len(first)
    seen = abs(Fraction(sum(first), size) - Fraction(sum(second), len(second)))
    splits = list(itertools.combinations(range(len(pooled)), size))
    far = sum(abs(Fraction(sum(pooled[i] for i in split), size) -
                  Fraction(sum(pooled) - sum(pooled[i] for i in split), len(second))) >= seen for split in splits)
    return far / len(splits)


def scipy_p(first: list[int], second: list[int]) -> float:
    from scipy import stats as scipy_stats

    return scipy_stats.permutation_test((first, second), lambda x, y: abs(sum(x) / len(x) - sum(y) / len(y)),
                                        permutation_type="independent", alternative="greater").pvalue


def test_report_gives_each_backend_its_n_mean_interval_and_test(tmp_path):
    from scipy import stats as scipy_stats

    text = report.build(backend_study(tmp_path), tmp_path).read_text()
    version_1 = text.split("## Version 1")[1].split("## Version 2")[0]
    spread = stats.Spread([97.8, 98.0, 98.1])
    half = scipy_stats.t.ppf(0.975, 2) * spread.std * (1 + 1 / 3) ** 0.5
    assert (f"| JAX 0.7.0 | 3 | AMD EPYC, AVX-512 (3) | 97.97 ± 0.15 % | [97.80, 98.10] % | [{spread.mean - half:.2f}, "
            f"{spread.mean + half:.2f}] % | inside | 0.01000 ± 0.00000 | 0.08000 ± 0.00000 |") in version_1
    assert "| TensorFlow 2.21.0 | 4 | AMD EPYC, AVX-512 (3); AMD EPYC, AVX2 (1) | 97.68 ± 0.17 % |" in version_1
    # One run has no spread: its value stands alone, not as "± 0.00".
    assert "| PyTorch 2.8.0+cpu | 1 | AMD EPYC, AVX2 (1) | 97.60 % | [97.60, 97.60] % | — | — | 0.01000 | 0.08000 |" in version_1
    # The test is on the AVX-512 runs only: TensorFlow's 250, 230, 210 test errors against JAX's 220, 200, 190.
    tensorflow, jax = [250, 230, 210], [220, 200, 190]
    p = exact_p(tensorflow, jax)
    assert p == pytest.approx(scipy_p(tensorflow, jax)) and 0.05 < p < 1
    assert f"(exact, all 20 splits) gives p = {p:.3f}" in version_1
    # Version 3 has no runs on any backend: no section; version 2 has TensorFlow's only.
    assert "## Version 3" not in text and "| TensorFlow 2.21.0 | 1 |" in text.split("## Version 2")[1]


def test_the_backend_paragraphs_give_the_cpu_kind_the_test_and_the_missing_runs(tmp_path):
    import re

    text = report.build(backend_study(tmp_path), tmp_path).read_text()
    version_1, version_2 = text.split("## Version 2")[0], text.split("## Version 2")[1]
    kind = re.search(r"(\w[\w ]*, [\w-]+) \((\d+) JAX runs against (\d+) TensorFlow runs\), JAX is ([+-][\d.]+) pp", version_1)
    assert kind.groups() == ("AMD EPYC, AVX-512", "3", "3", "+0.27")  # the AVX2 TensorFlow run is left out
    test = re.search(r"\(exact, all (\d+) splits\) gives p = ([\d.]+)", version_1)
    assert test[1] == "20" and float(test[2]) == pytest.approx(exact_p([250, 230, 210], [220, 200, 190]), abs=5e-4)
    assert "no evidence that the backend shifts the accuracy at the 5 % level" in version_1
    assert "the paper's 97.62 % lies inside it" in version_1
    assert re.search(r"PyTorch has one run \(97\.60 %\), from AMD EPYC, AVX2 \(1\)", version_1)
    assert "(TensorFlow has 4, PyTorch 1)" in version_1
    # the plan per version, then how many of a backend's are made and the command that makes the rest
    assert re.search(r"plans (\d+), (\d+) and (\d+) runs", version_1).groups() == ("20", "10", "3")
    made = re.findall(r"of (JAX|PyTorch)'s (\d+) on version 1, (\d+) (?:is|are) made so far; `(make reproduce [^`]+)`",
                      version_1)
    assert sorted(made) == [("JAX", "20", "3", "make reproduce BACKEND=jax VERSIONS=1 SEEDS=20"),
                            ("PyTorch", "20", "1", "make reproduce BACKEND=torch VERSIONS=1 SEEDS=20")]
    for name, label in (("jax", "JAX"), ("torch", "PyTorch")):
        assert re.search(f"No {label} runs of version 2 yet: `make reproduce BACKEND={name} VERSIONS=2 SEEDS=10`", version_2)


def test_backends_on_no_shared_cpu_kind_are_tested_pooled_and_said_so(tmp_path):
    import re

    seeds = tmp_path / "seeds"
    for seed, accuracy in enumerate([97.5, 97.7, 97.9]):
        make_run(seeds, 1, seed, accuracy, flags=AVX512)
    for seed, accuracy in enumerate([97.8, 98.0]):
        make_run(tmp_path / "torch" / "seeds", 1, seed, accuracy, backend="torch", flags=AMX)
    text = report.build(seeds, tmp_path).read_text()
    pooled = re.search(r"Over all runs \((\d+) PyTorch, (\d+) TensorFlow\), PyTorch is ([+-][\d.]+) pp.*?"
                       r"\(exact, all (\d+) splits\) gives p = ([\d.]+)", text)
    assert pooled.groups()[:4] == ("2", "3", "+0.20", "10")
    assert float(pooled[5]) == pytest.approx(exact_p([250, 230, 210], [220, 200]), abs=5e-4)
    assert "(PyTorch: AMD EPYC, AMX (2); TensorFlow: AMD EPYC, AVX-512 (3))" in text and "this pools CPU kinds" in text
    assert "`make reproduce BACKEND=jax VERSIONS=1 SEEDS=20`" in text  # no JAX runs: the command that makes them


def test_a_record_of_another_backend_in_a_backends_folder_is_refused(tmp_path):
    seeds = tmp_path / "seeds"
    make_run(seeds, 1, 0, 97.6)
    make_run(tmp_path / "jax" / "seeds", 1, 0, 97.6)  # no backend in its settings: TensorFlow's
    with pytest.raises(FolderUnusable, match="^jax/seeds/ver_1/seed_0: metrics.json records the tensorflow backend, not jax"):
        report.build(seeds, tmp_path)
    assert not (tmp_path / "REPORT.md").exists()


def test_a_skipped_backend_record_is_named_under_its_backends_folder(tmp_path):
    seeds = tmp_path / "seeds"
    make_run(seeds, 3, 0, 99.1, flags=AVX512)
    make_run(tmp_path / "jax" / "seeds", 3, 0, 99.2, backend="jax", flags=AVX512)
    (tmp_path / "jax" / "seeds" / "ver_3" / "seed_0" / "metrics.json").unlink()
    with pytest.raises(FolderUnusable, match=r"^jax/seeds/ver_3/seed_0: no metrics.json \(run incomplete\)"):
        report.build(seeds, tmp_path)  # not as TensorFlow's seeds/ver_3/seed_0, which is complete


def test_the_v1_gap_page_gives_each_backends_final_loss_from_the_seeds(tmp_path):
    from conftest import load_script

    gap = load_script("experiments/v1_gap_backends.py")
    backend_study(tmp_path)
    paper = [row[0] for row in versions.get(1).paper.epochs]
    text = "\n".join(gap.backend_section(paper, tmp_path))
    # make_run's last-epoch loss is 0.3 / 15 = 0.02 (JAX: + 0.001); the paper's last is 0.0149.
    assert ("| TensorFlow | 4 | AMD EPYC, AVX-512 (3); AMD EPYC, AVX2 (1) | 0.0200 ± 0.0000 | 1.342 | "
            "[0.0200, 0.0200] |") in text
    assert "| JAX | 3 | AMD EPYC, AVX-512 (3) | 0.0210 ± 0.0000 | 1.409 |" in text
    assert "| PyTorch | 1 | AMD EPYC, AVX2 (1) | 0.0200 ± 0.0000 | 1.342 | — |" in text
    assert "JAX's" not in text and ("Against TensorFlow's on AMD EPYC, AVX-512 (3 against 3 runs), its mean final "
                                    "loss is 1.050") in text
    assert "p = 0.100" in text  # every JAX loss above every TensorFlow one: 2 of the 20 splits as far apart
    empty = "\n".join(gap.backend_section(paper, tmp_path / "none"))
    assert "No JAX runs of version 1 yet: `make reproduce BACKEND=jax VERSIONS=1 SEEDS=20` makes them." in empty
    assert "| backend |" not in empty


def test_a_version_run_only_on_another_backend_still_gets_its_table(tmp_path):
    seeds = tmp_path / "seeds"
    make_run(seeds, 1, 0, 97.6)
    for seed in (0, 1):
        make_run(tmp_path / "jax" / "seeds", 2, seed, 98.3, backend="jax", epochs=2)
    text = report.build(seeds, tmp_path).read_text()
    assert "| 2 | 98.22 % | no runs yet |" in text
    version_2 = text.split("## Version 2: small CNN")[1]
    assert "| JAX 0.7.0 | 2 |" in version_2 and "(TensorFlow has 0, JAX 2)." in version_2
