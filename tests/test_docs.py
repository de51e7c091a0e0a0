"""The docs' generated parts (doc/render.py, `make docs`): every committed block and page equals
its rendering from the committed data, and the renderers compute the facts they state."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import shutil
import subprocess
import tarfile

import pytest

from conftest import ROOT, load_script
from mnist_repro import versions
from mnist_repro.outputs.run_record import RunRecord


@pytest.fixture
def render(monkeypatch):
    """doc/render.py and its block modules, importable as `python doc/render.py` finds them."""
    monkeypatch.syspath_prepend(str(ROOT / "doc"))
    import render

    return render


def committed_root(tmp_path):
    """The checkout as the docs describe it: the working tree, with deliverables/ver_N/ as committed
    (a user's own `make run` rewrites those folders). Outside a git checkout, the tree itself."""
    folders = [f"deliverables/ver_{n}" for n in versions.available()]
    archive = subprocess.run(["git", "archive", "HEAD", *folders], cwd=ROOT, capture_output=True)
    if archive.returncode != 0:
        return ROOT
    root = tmp_path / "committed"
    main = {name.split("/")[1] for name in folders}
    shutil.copytree(ROOT / "deliverables", root / "deliverables", ignore=lambda folder, names: [
        name for name in names if name.endswith((".keras", ".png")) or (folder == str(ROOT / "deliverables") and name in main)])
    (tmp_path / "committed.tar").write_bytes(archive.stdout)
    with tarfile.open(tmp_path / "committed.tar") as tar:
        tar.extractall(root, filter="data")
    for entry in ROOT.iterdir():
        if entry.name != "deliverables":
            (root / entry.name).symlink_to(entry)
    return root


@pytest.mark.docs
def test_every_generated_block_and_page_is_current(render, tmp_path):
    stale = render.stale(committed_root(tmp_path))
    assert not stale, f"run `make docs` (and commit what it rewrites): {stale}"


def test_a_block_without_its_markers_is_named(render):
    text = "made on a <!-- cpus:start (make docs) -->x<!-- cpus:end -->\n"
    assert render.filled(text, "p.md", "cpus", "docs", "2-core A") == "made on a <!-- cpus:start (make docs) -->2-core A<!-- cpus:end -->\n"
    assert render.filled(text, "p.md", "cpus", "docs", "a\nb") == "made on a <!-- cpus:start (make docs) -->\na\nb\n<!-- cpus:end -->\n"
    with pytest.raises(render.MissingBlock, match=r"^p\.md has no block claim "):
        render.filled(text, "p.md", "claim", "docs", "x")
    with pytest.raises(render.MissingBlock, match="must not begin a line"):  # Markdown would show that line raw
        render.filled("made on a\n<!-- cpus:start (make docs) -->x<!-- cpus:end -->\n", "p.md", "cpus", "docs", "A")


def record(folder, cpu, cores, flags, distributions=False):
    """The committed v1 run's record, written to `folder` with the machine given."""
    folder.mkdir(parents=True)
    environment = {"python": "3.11.7", "tensorflow": "2.21.0", "keras": "3.15.0", "numpy": "2", "matplotlib": "3",
                   "platform": "Linux-6.1-x86_64-with-glibc2.36", "cpu": cpu, "cpu_count": cores, "cpu_flags": flags}
    if distributions:
        environment["distributions"] = {}
    committed = RunRecord.read(ROOT / "deliverables" / "ver_1")
    dataclasses.replace(committed, environment=environment).write(folder)


def test_the_record_blocks_count_what_the_records_say(render, tmp_path):
    blocks = render.records
    assert blocks.spans([9, 5, 6, 7, 12, 13]) == "5–7, 9, 12–13"
    for seed in range(3):
        record(tmp_path / "deliverables" / "seeds" / "ver_1" / f"seed_{seed}", "AMD EPYC 7B12", 2, ["avx2"])
    record(tmp_path / "deliverables" / "seeds" / "ver_1" / "seed_3", "Intel(R) Xeon(R) Processor", 4, ["avx512f"], True)
    record(tmp_path / "deliverables" / "ver_1", "Intel(R) Xeon(R) Processor", 4, ["avx512f"], True)
    assert blocks.cpus(tmp_path) == "2-core AMD EPYC or 4-core Intel Xeon"
    assert blocks.cpus_es(tmp_path) == "un AMD EPYC de 2 núcleos o un Intel Xeon de 4 núcleos"
    assert blocks.record_pythons(tmp_path).startswith("all 5 committed `metrics.json` record Python 3.11.7 on Linux x86_64 "
                                                      "with glibc 2.36")
    counts = re.findall(r"(\d+) of the (\d+)", blocks.distributions(tmp_path))
    assert counts == [("1", "4"), ("1", "1"), ("0", "0")] and "(the runs made on the Intel Xeon)" in blocks.distributions(tmp_path)


def test_the_loss_gap_words_follow_the_signs(render):
    blocks = render.results
    assert blocks.side_of([0.6, 1.14]) == "0.6 to 1.1 standard deviations above our mean"
    assert blocks.side_of([-0.2, 1.46]).startswith("on both sides of our mean, within 1.5 ")
    assert blocks.lower_by([1.04, 2.4]) == "1.0–2.4 % lower" and blocks.lower_by([-1.0, 2.0]).startswith("between 2.0 % lower")


def test_the_arms_block_finds_the_epochs_above_the_default(render, tmp_path):
    paper = [1.0, 0.5, 0.4, 0.3]
    default = [[0.9, 0.45, 0.35, 0.25], [0.9, 0.45, 0.35, 0.25]]
    arms = {"keras3": default, "keras3-logits": copy.deepcopy(default), "a": [[0.8, 0.46, 0.3, 0.2]] * 2,
            "b": [{"loss": [0.95, 0.44, 0.36, 0.26], "test_accuracy": 97.8}] * 2}
    (tmp_path / "doc").mkdir()
    (tmp_path / "doc" / "v1-gap.json").write_text(json.dumps({"paper": paper, "arms": arms}))
    text = render.results.v1_gap_arms(tmp_path)
    # the repeat of the default is no arm of the comparison; a's epoch 2 and b's epochs 1, 3 and 4 lie above it
    assert "keras3-logits" not in text and "`a` sits above it at epochs 2," in text and "epochs 1, 3 and 4, and above" in text
    arms["a"] = [[1.1, 0.4, 0.3, 0.2]] * 2
    (tmp_path / "doc" / "v1-gap.json").write_text(json.dumps({"paper": paper, "arms": arms}))
    assert "`a` reaches it at epochs 1." in render.results.v1_gap_arms(tmp_path)


def test_the_bf16_bound_is_the_bf16_peak_over_v3s_fp32_rate(render, tmp_path):
    bench = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    rows = {row["config"]: row for row in bench["rows"] if row["version"] == 3}
    peak = bench["peak"]["bf16"]["best_gflops"]
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "results.json").write_text(json.dumps(bench))
    text = render.results.bf16_bound(tmp_path)
    assert f"{peak / rows['default']['gflops']:.2f}× faster than its FP32 run" in text
    assert f"{rows['default']['median_s'] / rows['mixed_bfloat16']['median_s']:.2f}× faster" in text
    rows["default"]["gflops"] = peak / 4  # a slower FP32 run leaves room for 4×
    (tmp_path / "benchmarks" / "results.json").write_text(json.dumps(bench))
    assert "4.00× faster than its FP32 run" in render.results.bf16_bound(tmp_path) and "within reach" in \
        render.results.bf16_bound(tmp_path)


def test_the_bench_rows_are_divided_by_their_own_precisions_peak():
    results = load_script("benchmarks/results.py")
    bench = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    assert bench["rows"]
    for row in bench["rows"]:
        assert row["percent_of_peak"] == pytest.approx(100 * row["gflops"] / results.matching_peak(row["config"], bench["peak"]))
    faster = copy.deepcopy(bench)  # a Keras + torch v1 twice as fast as the default is the FP32 peer its target names
    default, keras_torch = (next(row for row in faster["rows"] if row["version"] == 1 and row["config"] == config)
                            for config in ("default", "keras_torch"))
    keras_torch["median_s"] = default["median_s"] / 2
    target = next(check for check in results.targets(faster) if check[0].startswith("v1: "))
    assert "keras_torch" in target[1] and target[1].endswith("2.00×") and target[2] is False


def test_the_v1_gap_default_arm_is_the_studys_first_seeds():
    """doc/v1-gap.json's faithful default repeats the study's v1 seeds, loss for loss, and so does its
    from-logits arm (the same computation on TensorFlow, as v1-gap.md says)."""
    from mnist_repro.study.stats import collect

    arms = json.loads((ROOT / "doc" / "v1-gap.json").read_text())["arms"]
    study = collect(ROOT / "deliverables" / "seeds").runs[1]
    assert arms["keras3"] == [[row["loss"] for row in study[seed].history] for seed in range(len(arms["keras3"]))]
    assert arms["keras3-logits"] == arms["keras3"]
