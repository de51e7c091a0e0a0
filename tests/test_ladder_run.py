"""A ladder rung through the project's run path (issue 44): its own folder and checkpoint, its record
parses back, a version's record keeps its layout, and a bad rung is one line."""

import json

import pytest

import mnist_repro
from conftest import ROOT
from mnist_repro import __main__ as cli, ladder, versions
from mnist_repro.outputs import formats
from mnist_repro.outputs.run_record import RunRecord
from mnist_repro.outputs.version_folder import optimizer_text


@pytest.mark.slow
def test_a_rung_run_writes_a_version_folders_formats_in_its_own_folder(tmp_path):
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


def test_a_rung_and_a_version_together_are_refused(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["run", "--rung", "fast", "--version", "3"])
    assert stopped.value.code == 2 and capsys.readouterr().err.count("\n") == 1


def test_run_argv_names_a_rung():
    argv = mnist_repro.run_argv(mnist_repro.rung("accurate"), seed=2, out="x")
    assert argv[3:] == ["run", "--rung", "accurate", "--seed", "2", "--out", "x"]
