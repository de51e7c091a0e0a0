"""The ladder (issue 44): the holdout split, the rung registry, the recipe's compile and the selection runner."""

import dataclasses
import json

import numpy as np
import pytest

from mnist_repro import data, ladder
from mnist_repro.errors import BadSetting, DamagedFile
from mnist_repro.ladder import holdout, selection


def test_the_holdout_is_a_fixed_part_of_the_training_images_disjoint_from_the_fit_images():
    held, fit = holdout.holdout_rows(), holdout.fit_rows()
    assert len(held) == 10_000 and len(fit) == 50_000
    assert np.intersect1d(held, fit).size == 0
    assert np.array_equal(np.union1d(held, fit), np.arange(60_000))  # training rows only, every one
    assert np.all(np.diff(held) > 0) and np.all(np.diff(fit) > 0)
    # Fixed: a function of the recorded seed alone, the same in every process and on every day.
    assert np.array_equal(held, holdout.holdout_rows()) and np.array_equal(fit, holdout.fit_rows())
    assert holdout.fingerprint(held) == "93d87ed8786f8cb20d26ba88aad83b5b1935c0b9de1a786dc0bd4351bc934a8d"
    assert holdout.describe()["holdout_rows_sha256"] == holdout.fingerprint(held)
    with pytest.raises(ValueError):
        holdout.holdout_rows(count=5_000)


def test_the_ladder_climbs_one_change_at_a_time_from_the_faithful_v3():
    from mnist_repro.versions import v3

    rungs = ladder.available()
    steps = {rung.name: rung.step for rung in rungs.values()}
    first = next(iter(rungs.values()))
    assert list(steps.values()) == list(range(len(rungs)))
    assert first.below is None and first.model is v3.model  # reused, not copied
    assert (first.epochs, first.batch_size, first.validation) == (v3.VERSION.epochs, v3.VERSION.batch_size, "train")
    recipe = {field.name for field in dataclasses.fields(ladder.Rung)} - {"step", "name", "change", "below"}
    for rung in list(rungs.values())[1:]:
        lower = rungs[rung.below]  # the rung below, or the rung a branch climbs from
        assert lower.step < rung.step
        assert any(getattr(rung, key) != getattr(lower, key) for key in recipe), rung.name
    names = list(ladder.tried())
    assert len(names) == len(set(names))
    assert all(rung.below in ladder.tried() for rung in ladder.tried().values() if rung.step)


def test_an_unknown_rung_is_one_line_naming_the_rungs(capsys):
    with pytest.raises(BadSetting, match="unknown rung 'nope': choose one of faithful, "):
        ladder.get("nope")
    assert selection.main(["nope", "--record", "unused.json"]) == 2
    assert capsys.readouterr().err.startswith("error: unknown rung 'nope'")


def test_rung_zero_compiles_as_the_run_path_compiles_v3():
    from mnist_repro import versions
    from mnist_repro.training import train

    ours, theirs = train.compiled_model(ladder.get("faithful"), steps=391), train.compiled_model(versions.get(3))
    assert ours.loss == theirs.loss == "categorical_crossentropy"
    assert ours.optimizer.get_config() | {"name": None} == theirs.optimizer.get_config() | {"name": None}
    assert [layer.get_config() | {"name": None} for layer in ours.layers] == \
        [layer.get_config() | {"name": None} for layer in theirs.layers]


def test_the_warmup_cosine_schedule_rises_to_its_peak_then_falls_to_zero():
    from mnist_repro.training import train

    rung = dataclasses.replace(ladder.get("faithful"), schedule="warmup_cosine", warmup_fraction=0.25,
                               learning_rate=0.01, epochs=4)
    schedule = train.learning_rate(rung, steps=400)
    rates = [float(schedule(step)) for step in (0, 50, 100, 250, 400)]
    assert rates[0] == 0.0 and rates[1] == pytest.approx(0.005) and rates[2] == pytest.approx(0.01)
    assert rates[2] > rates[3] > rates[4] and rates[4] == pytest.approx(0.0, abs=1e-9)


@pytest.fixture(scope="module")
def split_mnist(mnist):
    return selection.split(data.Mnist(**mnist, source="test"), limit=384)


@pytest.mark.slow
def test_a_quick_trial_records_every_epoch_and_the_val_pass_changes_no_weight(split_mnist, tmp_path, mnist):
    record = tmp_path / "selection.json"
    fit_set, holdout_set = split_mnist
    quick = {name: dataclasses.replace(ladder.get(name), epochs=2) for name in ("faithful", "no-val-pass")}
    first = selection.record_trial(record, quick["faithful"], 3, fit_set, holdout_set)
    second = selection.record_trial(record, quick["no-val-pass"], 3, fit_set, holdout_set)
    assert len(first["holdout_accuracy"]) == len(first["epoch_s"]) == 2
    assert all(0 <= errors <= 384 for errors in first["holdout_errors"])
    assert first["holdout_accuracy"][-1] == pytest.approx(100 * (384 - first["holdout_errors"][-1]) / 384)
    assert first["fit_s"] >= sum(first["epoch_s"]) > 0
    # The report's val pass scores the training images and changes no weight: the same holdout errors.
    assert first["holdout_errors"] == second["holdout_errors"]
    # The same images for both rungs; the fit and holdout images are training images, never test images.
    assert (first["fit_sha256"], first["holdout_sha256"]) == (second["fit_sha256"], second["holdout_sha256"])
    held = holdout.holdout_rows()[:384]
    assert first["holdout_sha256"] == selection.images_sha256(mnist["x_train"][held], mnist["y_train"][held])
    saved = json.loads(record.read_text())
    assert saved["holdout"] == holdout.describe() and len(saved["trials"]) == 2
    summary = saved["summary"]["faithful"]
    assert (summary["n"], summary["kept"], summary["seeds"]) == (1, True, [3])
    assert summary["holdout_accuracy_mean"] == first["holdout_accuracy"][-1]
    assert {"commit", "src_dirty", "cpu", "started", "load_average"} <= set(first)


def test_the_summary_keeps_every_trial_with_mean_and_spread():
    trials = [{"name": name, "below": "faithful", "change": "c", "seed": seed, "holdout_accuracy": [98.0, accuracy],
               "fit_s": seconds} for name, seed, accuracy, seconds in
              (("no-val-pass", 0, 99.0, 10.0), ("no-val-pass", 1, 99.2, 14.0), ("dropped-idea", 0, 98.5, 3.0))]
    summary = selection.summarize(trials)
    assert list(summary) == ["no-val-pass", "dropped-idea"]
    assert summary["no-val-pass"]["n"] == 2 and summary["no-val-pass"]["kept"] is True
    assert summary["no-val-pass"]["holdout_accuracy_mean"] == pytest.approx(99.1)
    assert summary["no-val-pass"]["holdout_accuracy_std"] == pytest.approx(np.std([99.0, 99.2], ddof=1))
    assert summary["no-val-pass"]["fit_s_mean"] == pytest.approx(12.0)
    assert summary["dropped-idea"]["kept"] is False and summary["dropped-idea"]["fit_s_std"] == 0.0


def test_a_damaged_record_or_one_from_another_split_is_refused_unchanged(tmp_path):
    damaged = tmp_path / "damaged.json"
    damaged.write_text("{not json")
    with pytest.raises(DamagedFile, match="not readable JSON"):
        selection.append(damaged, {"name": "faithful"})
    assert damaged.read_text() == "{not json"
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"holdout": {**holdout.describe(), "seed": 1}, "trials": []}))
    before = other.read_text()
    with pytest.raises(BadSetting, match="another holdout split"):
        selection.append(other, {"name": "faithful"})
    assert other.read_text() == before


@pytest.mark.slow
def test_the_checkpoint_resumes_an_augmented_rung_exactly(split_mnist, tmp_path):
    """The accurate rung's RandomTranslation draws from a seed generator; the run path's checkpoint
    keeps its state, so one epoch, a restart from the saved state and a second epoch give the
    weights of two epochs in one go (and a spoiled state would not: the shifts depend on it)."""
    import keras

    from mnist_repro.training import batches, train
    from mnist_repro.training.checkpoint import Checkpoint, seed_states

    rung = dataclasses.replace(ladder.get("accurate"), epochs=2)
    fit_set = split_mnist[0]

    def train_until(folder, epochs, spoil=False):
        keras.backend.clear_session()
        checkpoint = Checkpoint(folder, {"rung": rung.name})
        shuffled = batches.ShuffledBatches(*fit_set, rung, rung.batch_size, 5)

        def build():
            train.seed_everything(5)
            return train.compiled_model(rung, steps=shuffled.batches * rung.epochs)

        resumed = checkpoint.resume(build, restart=False)
        if spoil:
            seed_states(resumed.model)[0].assign(seed_states(resumed.model)[0] + 1)
        epoch_s = list(resumed.epoch_s)
        with train.history_log(checkpoint.history) as history:
            train.fit_epochs(resumed.model, shuffled, epochs, resumed.epoch, None,
                      [train.EpochTimer(epoch_s), history, checkpoint.callback(epoch_s)], 0)
        return resumed.epoch, [weight.numpy() for weight in resumed.model.weights]

    _, straight = train_until(tmp_path / "straight", 2)
    train_until(tmp_path / "resumed", 1)
    start, resumed = train_until(tmp_path / "resumed", 2)
    assert start == 1
    assert all(np.array_equal(a, b) for a, b in zip(straight, resumed))
    train_until(tmp_path / "spoiled", 1)
    _, spoiled = train_until(tmp_path / "spoiled", 2, spoil=True)
    assert not all(np.array_equal(a, b) for a, b in zip(straight, spoiled))
