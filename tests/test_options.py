"""Every option of `run` in the README's table, end to end at a small --limit: the run succeeds and
its deliverables are written and parse back. (--restart, --dry-run and --speed have their own
tests in test_resume.py and test_end_to_end.py.)"""

import shutil
import subprocess

import numpy as np
import pytest

from conftest import ROOT, cli_env, run_cli
from mnist_repro.outputs import formats
from mnist_repro.outputs.run_record import RunRecord

LIMIT = 256


def assert_deliverables(folder, *, version, images, epochs, val_columns):
    for file in formats.REQUIRED_FILES:
        assert (folder / file).is_file() and (folder / file).stat().st_size > 0, file
    result = formats.read_result(folder / "result.txt")
    assert 0 <= result["test_accuracy"] <= 100
    for split in ("train", "test"):
        labels = formats.read_labels(folder / f"assigned_labels_{split}.txt")
        assert len(labels) == images and set(np.unique(labels)) <= set(range(10))
    record = RunRecord.read(folder)
    assert record.version == version and record.settings.epochs == epochs
    history = formats.read_history(folder / "history.csv")
    assert [row["epoch"] for row in history] == list(range(epochs))
    assert {"epoch", "loss", "accuracy"} <= set(history[0]) <= {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(row["loss"] is not None for row in history)
    # Without validation Keras's CSVLogger writes the val columns as NA: read as missing values.
    assert all((row.get("val_loss") is not None) == val_columns for row in history)
    assert f"version {version}" in (folder / "README.md").read_text().lower()
    return record


@pytest.mark.slow
@pytest.mark.parametrize("version", [1, 2, 3])
def test_validation_none_writes_every_deliverable(tmp_path, version):
    """Keras's CSVLogger writes no val columns (older Keras wrote NA); nothing after fit may fail."""
    done = run_cli("run", "--version", version, "--validation", "none", "--limit", LIMIT, "--epochs", 1,
                   "--out", tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    record = assert_deliverables(tmp_path / f"ver_{version}", version=version, images=LIMIT, epochs=1,
                                  val_columns=False)
    assert record.settings.validation == "none"
    assert "Train on" not in done.stdout  # no validation pass announced


@pytest.mark.slow
def test_epochs_batch_size_over_the_limit_seed_and_a_new_out_folder(tmp_path):
    """A batch larger than the data is one (partial) batch per epoch, as Keras does. The --out
    folder is created, and holds only ver_1 once the run is done (its checkpoint and lock are gone)."""
    out = tmp_path / "new" / "nested"
    done = run_cli("run", "--version", 1, "--epochs", 2, "--batch-size", 1000, "--seed", 5, "--limit", 300,
                   "--out", out)
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(path.name for path in out.iterdir()) == ["ver_1"]
    settings = assert_deliverables(out / "ver_1", version=1, images=300, epochs=2, val_columns=True).settings
    assert (settings.batch_size, settings.seed) == (1000, 5)
    assert "Not the paper's recipe" in (out / "ver_1" / "README.md").read_text()


@pytest.mark.slow
def test_validation_test_through_make_run_args(tmp_path):
    """`make run ARGS=...` passes the options through unchanged."""
    done = subprocess.run(["make", "-s", "run", "VERSION=1", f"ARGS=--validation test --limit {LIMIT} --epochs 1 "
                           f"--out {tmp_path}"], cwd=ROOT, env=cli_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    record = assert_deliverables(tmp_path / "ver_1", version=1, images=LIMIT, epochs=1, val_columns=True)
    assert record.settings.validation == "test"
    assert f"validate on {LIMIT} samples" in done.stdout


@pytest.mark.slow
def test_data_option_and_mnist_npz_variable(tmp_path, mnist_path):
    copy = tmp_path / "my copy.npz"
    shutil.copy(mnist_path, copy)
    by_option = run_cli("run", "--version", 1, "--data", copy, "--limit", LIMIT, "--epochs", 1, "--out", tmp_path / "a")
    by_variable = run_cli("run", "--version", 1, "--limit", LIMIT, "--epochs", 1, "--out", tmp_path / "b",
                          env={"MNIST_NPZ": str(copy)})
    for done, out in ((by_option, "a"), (by_variable, "b")):
        assert done.returncode == 0, done.stderr[-3000:]
        record = assert_deliverables(tmp_path / out / "ver_1", version=1, images=LIMIT, epochs=1, val_columns=True)
        assert record.data.source.endswith("my copy.npz") and record.data.verified
    labels = [(tmp_path / out / "ver_1" / "assigned_labels_test.txt").read_bytes() for out in "ab"]
    assert labels[0] == labels[1]


@pytest.mark.slow
def test_precision_mixed_bfloat16_is_labelled_as_not_the_reports(tmp_path):
    done = run_cli("run", "--version", 2, "--precision", "mixed_bfloat16", "--limit", LIMIT, "--epochs", 1,
                   "--out", tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    folder = tmp_path / "ver_2"
    record = assert_deliverables(folder, version=2, images=LIMIT, epochs=1, val_columns=True)
    assert record.settings.precision == "mixed_bfloat16"
    assert "NOT the report's float32 numerics" in done.stdout
    assert "Not the report's numerics" in (folder / "README.md").read_text()
    import keras

    model = keras.saving.load_model(folder / "model.keras")
    assert model.layers[0].compute_dtype == "bfloat16" and model.layers[-1].compute_dtype == "float32"
    assert all(weight.dtype == "float32" for weight in model.weights)
