"""The real CLI on real MNIST subsets: every deliverable, consistent numbers, determinism."""

import os

import numpy as np
import pytest

from conftest import ROOT, run_cli  # noqa: F401  (the dry run below)
from conftest import committed as committed_file
from mnist_repro.outputs import formats
from mnist_repro.outputs.run_record import RunRecord

LIMIT = 640


@pytest.fixture
def runs(small_runs):
    """conftest's one small run per version (640 images, 3 epochs, seed 11), and v2 again with
    `--speed plain`: Keras's one step per call, inference in training-size batches, tf.data autotuning."""
    return small_runs


@pytest.mark.slow
@pytest.mark.parametrize("name", ["1", "2", "3"])
def test_every_deliverable_is_written(runs, name):
    folder, done = runs[name]
    for file in formats.REQUIRED_FILES:
        assert (folder / file).is_file() and (folder / file).stat().st_size > 0, file
    assert not list(folder.parent.glob(".ver_*"))  # no temporary or displaced folder left


@pytest.mark.slow
@pytest.mark.parametrize("name", ["1", "2", "3"])
def test_numbers_agree_across_files(runs, name, mnist):
    folder, done = runs[name]
    result = formats.read_result(folder / "result.txt")
    record = RunRecord.read(folder)
    train = formats.read_labels(folder / "assigned_labels_train.txt")
    test = formats.read_labels(folder / "assigned_labels_test.txt")
    assert len(train) == len(test) == LIMIT
    assert set(np.unique(test)) <= set(range(10))
    test_accuracy = 100.0 * np.mean(test == mnist["y_test"][:LIMIT])
    train_accuracy = 100.0 * np.mean(train == mnist["y_train"][:LIMIT])
    assert result["test_accuracy"] == pytest.approx(test_accuracy, abs=5e-6)
    assert result["train_accuracy"] == pytest.approx(train_accuracy, abs=5e-6)
    assert record.results.test_errors == int(np.sum(test != mnist["y_test"][:LIMIT]))
    assert record.settings.seed == 11 and record.settings.limit == LIMIT
    assert record.data.verified is True
    assert len(record.history) == record.settings.epochs == len(record.timing.epoch_s)
    history = formats.read_history(folder / "history.csv")
    assert set(history[0]) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"}  # Keras's logs only
    assert history == record.history  # the same values, epoch by epoch
    # The val pass scores the training set (the report's validation): after the last epoch it is the
    # trained model's score there, result.txt's train line (which keeps 5 decimals).
    assert history[-1]["val_loss"] == pytest.approx(result["train_loss"], abs=5e-6)
    assert 100 * history[-1]["val_accuracy"] == pytest.approx(result["train_accuracy"], abs=1e-4)
    console = (folder / "console.output").read_text()
    for line in formats.result_lines(result)[1:]:
        assert line in console
    assert "The number of occurrence of each number in the train set is" in console
    assert "\r" not in console and "\b" not in console
    readme = (folder / "README.md").read_text()
    assert f"{record.results.test_errors:,} wrong of {LIMIT:,}" in readme
    assert "Not the paper's recipe" in readme


@pytest.mark.slow
@pytest.mark.parametrize("name", ["1", "2"])
def test_metrics_json_keeps_the_committed_layout(runs, name):
    """metrics.json format 2: the fields, in the order, of the committed deliverables/ver_1 run, plus
    the backend (settings.backend and environment.backend_version, added with --backend; a reader
    takes their absence as TensorFlow). The file is its record as RunRecord writes it (the declared
    order), with no field left out; the committed run lacks only settings.backend."""
    committed = RunRecord.from_json(committed_file("deliverables/ver_1/metrics.json"), "deliverables/ver_1")
    record = RunRecord.read(runs[name][0])
    assert (runs[name][0] / "metrics.json").read_text() == record.to_json()
    parts = ("settings", "results", "timing", "data", "code")
    assert [record.absent, *(getattr(record, part).absent for part in parts)] == [frozenset()] * 6
    assert [committed.absent, *(getattr(committed, part).absent for part in parts)] == \
        [frozenset(), frozenset({"backend"}), *[frozenset()] * 4]
    assert record.settings.backend == record.environment["backend"] == "tensorflow"
    assert record.environment["backend_version"] == record.environment["tensorflow"]
    assert record.model_png in ("keras.utils.plot_model", "matplotlib fallback")
    assert record.timing.run_s > record.timing.deliverables_s > 0


@pytest.mark.slow
def test_saved_model_reproduces_the_label_file(runs, mnist):
    import keras

    from mnist_repro import versions
    from mnist_repro.training import train

    folder, _ = runs["3"]
    model = keras.saving.load_model(folder / "model.keras")
    x, _ = train.prepare(versions.get(3), mnist["x_test"][:LIMIT], mnist["y_test"][:LIMIT])
    labels = model.predict(x, verbose=0).argmax(-1)
    assert np.array_equal(labels, formats.read_labels(folder / "assigned_labels_test.txt"))


@pytest.mark.slow
def test_speed_settings_leave_the_labels_byte_identical(runs):
    """The fast default computes what plain Keras computes: same labels, same training losses.
    (A val or evaluation loss may differ in its last bits: a larger batch sums in another order.)"""
    fast, plain = runs["2"][0], runs["2-plain"][0]
    for name in ("assigned_labels_train.txt", "assigned_labels_test.txt"):
        assert (fast / name).read_bytes() == (plain / name).read_bytes()
    accuracies = [[line for line in (f / "result.txt").read_text().splitlines() if "accuracy" in line.lower()]
                  for f in (fast, plain)]
    assert accuracies[0] == accuracies[1] and len(accuracies[0]) == 2
    histories = [formats.read_history(f / "history.csv") for f in (fast, plain)]
    assert [row["loss"] for row in histories[0]] == [row["loss"] for row in histories[1]]
    assert [row["accuracy"] for row in histories[0]] == [row["accuracy"] for row in histories[1]]
    speeds = [RunRecord.read(f).settings.speed for f in (fast, plain)]
    assert speeds == ["fast", "plain"]


@pytest.mark.slow
def test_dry_run_is_tiny_and_complete(tmp_path):
    done = run_cli("run", "--version", 1, "--dry-run", "--out", tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    settings = RunRecord.read(tmp_path / "ver_1").settings
    assert settings.epochs == 1 and settings.limit == 256


# The Keras pieces the fit step relies on, with the Keras behaviour they work around.

def tiny_fit(callbacks, steps=5, steps_per_execution=4):
    import keras
    import tensorflow as tf

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", steps_per_execution=steps_per_execution)
    batches = tf.data.Dataset.range(steps).map(lambda i: (tf.zeros((2, 3)), tf.zeros((2, 1))))
    model.fit(batches, epochs=1, verbose=0, callbacks=callbacks)


@pytest.mark.slow
def test_the_progress_bar_count_never_passes_the_epoch(monkeypatch):
    """Keras 3.15 reports a short last chunk of steps as a full one (batch 7 of 5 steps here);
    train.EpochProgbar clamps it using the steps `fit` hands to `set_params`. If the first assert
    fails, Keras has fixed its count and the clamp can go."""
    import keras

    from mnist_repro.training import train

    reported, drawn = [], []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            reported.append(batch)

    tiny_fit([Record()])
    assert max(reported) > 4
    monkeypatch.setattr(keras.callbacks.ProgbarLogger, "on_train_batch_end",
                        lambda self, batch, logs=None: drawn.append(batch))
    tiny_fit([train.EpochProgbar()])
    assert drawn == [3, 4]


def open_files(path) -> int:
    return sum(os.path.realpath(f"/proc/self/fd/{fd}") == str(path) for fd in os.listdir("/proc/self/fd"))


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open files through /proc")
def test_the_history_log_is_closed_when_fit_fails(tmp_path):
    """`fit` skips `on_train_end` when it fails; train.history_log still closes Keras's CSVLogger."""
    import keras

    from mnist_repro.training import train

    class Fail(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            assert open_files(path) == 1  # the log is open and has its row
            raise RuntimeError("simulated failure after the epoch")

    path = tmp_path / "history.csv"
    with pytest.raises(RuntimeError, match="simulated"):
        with train.history_log(path) as history_log:
            tiny_fit([history_log, Fail()])
    assert open_files(path) == 0 and path.read_text().startswith("epoch,loss")
