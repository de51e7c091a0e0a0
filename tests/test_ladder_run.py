"""A ladder rung through the project's run path (issue 44): its own folder and checkpoint, its record
parses back, a version's record keeps its layout, and a bad rung is one line."""

import dataclasses
import json
import sys

import pytest

import mnist_repro
from conftest import ROOT
from mnist_repro import __main__ as cli, ladder, paths, versions
from mnist_repro.ladder import facts, seeds
from mnist_repro.outputs import formats
from mnist_repro.outputs.run_record import RunRecord
from mnist_repro.outputs.version_folder import optimizer_text


@pytest.mark.slow
def test_a_rung_run_writes_a_version_folders_formats_in_its_own_folder(tmp_path, capsys):
    run = mnist_repro.train(mnist_repro.rung("fast"), epochs=1, limit=256, out=tmp_path, verbose=False)
    assert run.folder == tmp_path / "ladder" / "fast" and run.version is None
    assert not list(tmp_path.glob("ver_*")) and not list((tmp_path / ".checkpoints").glob("**/state"))
    record = RunRecord.read(run.folder)
    assert (run.folder / "metrics.json").read_text() == record.to_json()
    assert (record.version, record.settings.version, record.settings.rung) == (None, None, "fast")
    assert (record.settings.validation, record.settings.label_smoothing, record.settings.batch_size) == ("none", 0.1, 256)
    assert "betas 0.7/0.9" in record.settings.optimizer and record.settings.augmentation is None
    assert record.history == formats.read_history(run.folder / "history.csv") and len(record.history) == 1
    labels = list((run.folder / "assigned_labels_test.txt").read_text().strip())
    assert len(labels) == record.results.test_images == 256
    assert record.results.test_errors == sum(int(a) != b for a, b in zip(labels, mnist_repro.load_mnist().y_test))
    assert record.load_model().input_shape[1:] == (28, 28, 1)
    from PIL import Image

    from mnist_repro.use import predict

    Image.fromarray(mnist_repro.load_mnist().x_test[0]).save(tmp_path / "digit.png")
    assert predict.predict([str(tmp_path / "digit.png")], 3, as_json=True, root=tmp_path, rung="fast") == 0
    said = json.loads(capsys.readouterr().out)
    same = mnist_repro.predict_digits(tmp_path / "digit.png", model=record.load_model()).digits[0]
    assert (said["version"], said["rung"], said["predictions"][0]["digit"]) == (None, "fast", same)


@pytest.mark.parametrize("number", [1, 2, 3])
def test_a_versions_optimizer_reads_as_its_committed_record(number):
    """The recipe's new fields keep their defaults for the report's versions: the words metrics.json
    has always held, and no new key in a committed record."""
    text = (ROOT / "deliverables" / f"ver_{number}" / "metrics.json").read_text()
    record = RunRecord.from_json(text)
    assert optimizer_text(versions.get(number)) == record.settings.optimizer
    assert record.to_json() == text
    assert not {"rung", "label_smoothing", "augmentation"} & set(json.loads(text)["settings"])


def test_an_unknown_rung_is_one_line_naming_the_rungs(capsys):
    assert cli.main(["run", "--rung", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: unknown rung 'nope': choose one of ")
    assert err.strip().endswith(", ".join(ladder.available()))


def test_predict_with_an_unknown_rung_is_one_line(capsys):
    assert cli.main(["predict", "--rung", "nope", "digit.png"]) == 2
    assert capsys.readouterr().err.startswith("error: unknown rung 'nope': choose one of faithful, ")


def test_a_rung_and_a_version_together_are_refused(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["run", "--rung", "fast", "--version", "3"])
    assert stopped.value.code == 2 and capsys.readouterr().err.count("\n") == 1


def test_run_argv_names_a_rung():
    argv = mnist_repro.run_argv(mnist_repro.rung("accurate"), seed=2, out="x")
    assert argv[3:] == ["run", "--rung", "accurate", "--seed", "2", "--out", "x"]


def _seed_record(folder, rung, seed, limit=None):
    """A seed folder holding a record of `rung`'s recipe (the committed v3 record, relabelled)."""
    committed = RunRecord.read(ROOT / "deliverables" / "ver_3")
    settings = dataclasses.replace(committed.settings, version=None, rung=rung.name, seed=seed, limit=limit,
                                   epochs=rung.epochs, batch_size=rung.batch_size, validation=rung.validation)
    folder.mkdir(parents=True)
    dataclasses.replace(committed, version=None, settings=settings).write(folder)


def test_make_ladder_skips_the_seeds_whose_record_is_complete(tmp_path, monkeypatch):
    fast = ladder.get("fast")
    for seed in (0, 1):
        _seed_record(paths.ladder_seed_folder("fast", seed, tmp_path), fast, seed)
    _seed_record(paths.ladder_seed_folder("fast", 2, tmp_path), fast, 2, limit=256)  # a check, not a seed
    started = []
    monkeypatch.setattr(seeds, "measured", lambda argv: started.append(argv) or (3, {}))
    assert seeds.run_seeds(fast, 3, tmp_path) == 3  # seed 2's run failed (exit 3): its code, and a stop
    assert len(started) == 1 and started[0][started[0].index("--seed") + 1] == "2"
    assert started[0][3:5] == ["run", "--rung"] and started[0][5] == "fast"
    assert seeds.is_complete(paths.ladder_seed_folder("fast", 2, tmp_path), fast, 2, limit=256)
    assert not seeds.is_complete(paths.ladder_seed_folder("fast", 0, tmp_path), ladder.get("accurate"), 0)


@pytest.mark.slow
def test_a_run_measures_the_other_processes_share_of_the_machine():
    code, sitting = seeds.measured([sys.executable, "-c", "pass"])
    assert code == 0 and sitting["wall_s"] > 0 and 0 <= sitting["others_cpu_share"]
    assert sitting["started"].endswith("+00:00")


def _trial(name, accuracy, fit_s, load=0.1, seed=0):
    return {"name": name, "holdout_accuracy": [90.0, accuracy], "fit_s": fit_s, "seed": seed, "cpu": "AMD EPYC",
            "cpu_count": 2, "load_average": {"before": [load, 0, 0], "after": [2.0, 0, 0]}}


def test_the_pages_rows_come_in_ladder_order_with_their_spread_and_sitting():
    trials = [_trial("b", 99.0, 10.0), _trial("b", 99.2, 14.0, load=1.5, seed=1), _trial("a", 98.0, 100.0)]
    summary = {"b": {"change": "x", "kept": False}, "a": {"change": "y", "kept": True}}
    rows = facts.selection_rows({"trials": trials, "summary": summary}, {"a": 0, "b": 0})
    assert [row.name for row in rows] == ["a", "b"]  # at one step, the kept rung first
    b = rows[1]
    assert (b.holdout.n, b.holdout.mean, b.fit_s.mean, b.holdout.low, b.holdout.high) == (2, pytest.approx(99.1), 12.0,
                                                                                          99.0, 99.2)
    assert b.fit_s.std == pytest.approx(2 ** 0.5 * 2) and b.busy and not rows[0].busy


def _end(accuracies, seconds, cpu="AMD EPYC, 2 cores"):
    return facts.TestSet("fast", facts.Spread.of(accuracies), facts.Spread.of(seconds), cpu, False, ("abc",), ())


def test_the_goal_is_decided_by_the_numbers_on_one_cpu_only():
    rung0 = RunRecord.read(ROOT / "deliverables" / "ver_3")
    cpu, v3_s = facts.cpu_of(rung0), rung0.results.training_time_s
    met = facts.goal(_end([99.1, 99.3], [v3_s / 60, v3_s / 60], cpu), rung0)
    assert met.comparable and met.met and met.share == pytest.approx(1 / 60) and met.accuracy_short_pp == 0
    slow = facts.goal(_end([99.1, 99.3], [v3_s / 40] * 2, cpu), rung0)
    assert slow.accuracy_met and slow.time_met is False and slow.met is False
    short = facts.goal(_end([99.0, 99.1], [1.0, 1.0], cpu), rung0)
    assert short.met is False and short.accuracy_short_pp == pytest.approx(0.1)
    elsewhere = facts.goal(_end([99.3, 99.3], [1.0, 1.0], "Intel Xeon, 2 cores"), rung0)
    assert not elsewhere.comparable and elsewhere.met is None and elsewhere.share is None


def test_a_test_set_is_busy_when_other_processes_took_the_machine():
    rung0 = RunRecord.read(ROOT / "deliverables" / "ver_3")
    records = [dataclasses.replace(rung0, settings=dataclasses.replace(rung0.settings, seed=seed)) for seed in (0, 1)]
    sittings = {"fast/seed_0": {"started": "2026-12-05T10:00:00+00:00", "others_cpu_share": 0.02},
                "fast/seed_1": {"started": "2026-12-06T10:00:00+00:00", "others_cpu_share": 0.3}}
    end = facts.test_set("fast", records, sittings)
    assert end.busy is True and end.dates == ("2026-12-05", "2026-12-06") and end.accuracy.n == 2
    assert facts.test_set("fast", records, {}).busy is None
