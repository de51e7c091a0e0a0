"""Exact resume on the real CLI: a run killed at any point, then run again, ends byte-identical
to a run that was never interrupted (history.csv and both label files)."""

import json
import signal
import subprocess
import sys

import pytest

from conftest import ROOT, SMALL_RUN, SMALL_SETTINGS, assert_one_line_error, cli_env, run_cli, wait_for
from mnist_repro import run_argv
from mnist_repro.outputs.run_record import RunRecord

EPOCHS = int(SMALL_RUN[SMALL_RUN.index("--epochs") + 1])  # 3: a kill after epoch 2 has an epoch to go
EXACT = ("history.csv", "assigned_labels_train.txt", "assigned_labels_test.txt")


def arguments(version, out, *extra):
    return ["run", "--version", str(version), *SMALL_RUN, "--out", str(out), *extra]


def as_in_a_terminal():
    """Ctrl-C's default action, as a terminal gives it. A test suite started in the background
    (`make test &`, nohup, some CI runners) ignores SIGINT, and a child inherits that, so without
    this the run would never see the interrupt the test sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(version, out):
    return subprocess.Popen(run_argv(version, **SMALL_SETTINGS, out=out),
                            cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=as_in_a_terminal)


def interrupted_in_process(monkeypatch, version, out, after_epoch, *extra):
    """The run in this process, stopped as Ctrl-C stops it (KeyboardInterrupt, exit 130) once the
    checkpoint of `after_epoch` is written. For tests about what a later run does with a checkpoint;
    the signals themselves are sent to real processes in test_interrupted_run_resumes_bit_identical."""
    from mnist_repro.training.checkpoint import Checkpoint

    real_save = Checkpoint.save

    def save_then_interrupt(self, model, epoch, epoch_s):
        real_save(self, model, epoch, epoch_s)
        if epoch >= after_epoch:
            raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(Checkpoint, "save", save_then_interrupt)
        done = run_cli(*arguments(version, out, *extra))
    assert done.returncode == 130 and saved_epoch(out, version) == after_epoch, done.stderr[-2000:]
    return done


def saved_epoch(out, version):
    try:
        return json.loads((out / f".checkpoints/ver_{version}/state/state.json").read_text())["epoch"]
    except (OSError, ValueError, KeyError):
        return 0


def fit_started(out, version):
    """True once the checkpoint folder exists: resume() made it just before `fit` starts tracing."""
    return (out / f".checkpoints/ver_{version}").is_dir()


@pytest.fixture
def uninterrupted(small_runs):
    """conftest's small runs use these very arguments: the never-interrupted reference."""
    return {version: small_runs[str(version)][0] for version in (2, 3)}


# A kill after a checkpoint on v3 (of the versions with dropout, the one with the most seed generators
# to restore); a kill before any checkpoint is a fresh start whatever the version, so v2 alone covers
# it; Ctrl-C on v2 resumes from a checkpoint of v2's. SIGTERM takes Ctrl-C's path (the same handler,
# exit 130): tests/backend_checks.py sends it on JAX and torch. Ctrl-C is sent after epoch 1, so that
# a slow, busy machine cannot let the run finish before the signal lands.
@pytest.mark.parametrize("version, moment, sig", [
    (3, "after epoch 2", signal.SIGKILL), (2, "during epoch 1", signal.SIGKILL), (2, "after epoch 1", signal.SIGINT),
])
@pytest.mark.slow
def test_interrupted_run_resumes_bit_identical(tmp_path, uninterrupted, version, moment, sig):
    process = start(version, tmp_path)
    if moment == "during epoch 1":
        wait_for(lambda: fit_started(tmp_path, version), process)
    else:
        wait_for(lambda: saved_epoch(tmp_path, version) >= int(moment[-1]), process)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=120)
    interrupted_at = saved_epoch(tmp_path, version)
    if moment == "during epoch 1":
        assert interrupted_at == 0, "the kill was meant to land before the first checkpoint"
    else:
        assert interrupted_at >= int(moment[-1]), "the signal was meant to land after that epoch's checkpoint"
    if sig == signal.SIGKILL:
        assert process.returncode == -signal.SIGKILL
    else:
        assert process.returncode == 130, stderr[-3000:]
        assert "Traceback" not in stderr
        assert "interrupted: run the same command again to resume" in stderr
    assert not (tmp_path / f"ver_{version}").exists()

    done = run_cli(*arguments(version, tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    if interrupted_at:
        assert f"resuming version {version} from epoch {interrupted_at}" in done.stdout
    else:
        assert "resuming" not in done.stdout  # nothing was saved: a fresh start
    for name in EXACT:
        assert (tmp_path / f"ver_{version}" / name).read_bytes() == (uninterrupted[version] / name).read_bytes(), name
    record = RunRecord.read(tmp_path / f"ver_{version}")
    assert record.settings.resumed_from_epoch == (interrupted_at or None)
    assert len(record.timing.epoch_s) == EPOCHS
    assert not (tmp_path / ".checkpoints" / f"ver_{version}").exists()  # removed once the deliverables are in


@pytest.mark.slow
def test_a_corrupt_checkpoint_starts_fresh_and_still_matches(tmp_path, uninterrupted, monkeypatch):
    interrupted_in_process(monkeypatch, 2, tmp_path, 2)
    weights = tmp_path / ".checkpoints/ver_2/state/weights.weights.h5"
    weights.write_bytes(weights.read_bytes()[:4000])
    done = run_cli(*arguments(2, tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "saved weights do not load" in done.stdout and "corrupt checkpoint" in done.stdout
    assert "resuming" not in done.stdout
    for name in EXACT:  # a fresh start is seeded as the first one was
        assert (tmp_path / "ver_2" / name).read_bytes() == (uninterrupted[2] / name).read_bytes(), name


@pytest.mark.parametrize("layout, reason", [
    ({"backup/training_metadata.json": '{"epoch": 2}', "settings.json": "{}"}, "older, inexact format"),
    ({"state/state.json": '{"format": 1, "epoch": 2}'}, "checkpoint format 1"),
    # Format 2 read the seed generators through Keras's private attributes (before commit 921d20f).
    ({"state/state.json": '{"format": 2, "epoch": 2}'}, "it is in checkpoint format 2, this code reads format 3"),
    ({"state/state.json": "{half"}, "unreadable (corrupt checkpoint)"),
])
@pytest.mark.slow
def test_old_or_foreign_checkpoints_are_discarded_with_the_reason(tmp_path, layout, reason):
    for name, text in layout.items():
        path = tmp_path / ".checkpoints/ver_1" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    done = run_cli("run", "--version", 1, "--limit", 300, "--epochs", 1, "--out", tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"Discarding the checkpoint in {tmp_path}/.checkpoints/ver_1: " in done.stdout
    assert reason in done.stdout and "resuming" not in done.stdout


@pytest.mark.slow
def test_changed_settings_or_restart_discard_the_checkpoint(tmp_path, monkeypatch):
    """Seed 11 stopped after epoch 1; seed 12 discards its checkpoint and, stopped after epoch 1 too,
    leaves its own, which --restart discards: that run trains all its epochs from the start."""
    interrupted_in_process(monkeypatch, 2, tmp_path, 1)
    done = interrupted_in_process(monkeypatch, 2, tmp_path, 1, "--seed", "12")
    assert "the settings changed (seed)" in done.stdout and "resuming" not in done.stdout
    done = run_cli(*arguments(2, tmp_path, "--seed", "12", "--restart"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "--restart was given" in done.stdout and "resuming" not in done.stdout
    record = RunRecord.read(tmp_path / "ver_2")
    assert record.settings.resumed_from_epoch is None and len(record.timing.epoch_s) == EPOCHS


@pytest.mark.slow
def test_a_second_run_is_refused_and_a_stale_lock_is_taken_over(tmp_path):
    process = start(2, tmp_path)
    wait_for(lambda: saved_epoch(tmp_path, 2) >= 1, process)
    second = run_cli(*arguments(2, tmp_path))
    assert_one_line_error(second, "version 2", "already running", f"pid {process.pid}")
    assert second.returncode == 1
    process.kill()
    process.wait()
    lock = tmp_path / ".checkpoints" / "ver_2.lock"
    assert lock.read_text().strip() == str(process.pid)  # left behind by the killed run
    done = run_cli(*arguments(2, tmp_path))
    assert done.returncode == 0, done.stderr[-2000:]


# A kill after `fit`: a wrapper patches one function of the real CLI, then runs it unchanged.
EVALUATION_HANGS = """
import os, sys, time
from mnist_repro.training import train
def hang(*args, **kwargs):
    open(os.environ["EVALUATING_MARKER"], "w").close()
    time.sleep(600)
train.score_split = hang
from mnist_repro.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def assert_not_trained_again(out, uninterrupted, version=2):
    done = run_cli(*arguments(version, out))
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"training already complete at epoch {EPOCHS}; writing the deliverables" in done.stdout
    assert "Epoch 1/" not in done.stdout and "resuming" not in done.stdout
    for name in EXACT:
        assert (out / f"ver_{version}" / name).read_bytes() == (uninterrupted[version] / name).read_bytes(), name
    assert not (out / ".checkpoints" / f"ver_{version}").exists()


@pytest.mark.slow
def test_a_failure_while_writing_keeps_the_training(tmp_path, uninterrupted, monkeypatch):
    from mnist_repro.outputs import version_folder

    def fail(*args, **kwargs):
        raise RuntimeError("simulated failure while writing")

    with monkeypatch.context() as patched:
        patched.setattr(version_folder, "write_version_folder", fail)
        done = run_cli(*arguments(2, tmp_path))
    assert done.returncode == 70
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("internal error:")]
    assert len(lines) == 1, done.stderr
    checkpoint = tmp_path / ".checkpoints" / "ver_2"
    assert "RuntimeError: simulated failure while writing" in lines[0]
    assert f"your training is kept in {checkpoint}" in lines[0]
    log = ROOT / lines[0].split("full traceback in ")[1].split(";")[0]
    assert "Traceback" in log.read_text() and "simulated failure while writing" in log.read_text()
    log.unlink()
    assert not (tmp_path / "ver_2").exists() and (checkpoint / "state").is_dir()
    assert_not_trained_again(tmp_path, uninterrupted)


@pytest.mark.slow
def test_a_kill_during_evaluation_keeps_the_training(tmp_path, uninterrupted):
    marker = tmp_path / "evaluating"
    env = {**cli_env(), "EVALUATING_MARKER": str(marker)}
    process = subprocess.Popen([sys.executable, "-c", EVALUATION_HANGS, *arguments(2, tmp_path)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(marker.exists, process)
    process.kill()
    process.wait()
    assert saved_epoch(tmp_path, 2) == EPOCHS
    assert_not_trained_again(tmp_path, uninterrupted)


# The Keras and h5py pieces the checkpoint relies on: public ones, and one documented workaround.

def test_seed_states_are_the_dropout_layers_generators():
    """The checkpoint saves `seed_states(model)`: through public Keras, exactly each Dropout's
    `seed_generator.state`, in layer order. Fails if Keras renames or moves them."""
    import keras

    from mnist_repro import versions
    from mnist_repro.training import train
    from mnist_repro.training.checkpoint import seed_states

    for number, dropouts in ((1, 0), (2, 1), (3, 2)):
        model = train.compiled_model(versions.get(number))
        expected = [layer.seed_generator.state for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
        assert len(expected) == dropouts
        assert [id(state) for state in seed_states(model)] == [id(state) for state in expected]


def test_a_state_with_other_seed_generators_does_not_load(tmp_path):
    from mnist_repro import versions
    from mnist_repro.training import train
    from mnist_repro.training.checkpoint import Checkpoint

    checkpoint = Checkpoint(tmp_path / "ver_3", {"version": 3})
    checkpoint.folder.mkdir()
    checkpoint.history.write_text("epoch,loss\n0,1.0\n")
    model = train.compiled_model(versions.get(3))
    model.optimizer.build(model.trainable_variables)
    checkpoint.save(model, 1, [1.0])
    assert checkpoint.resume(lambda: train.compiled_model(versions.get(3)), restart=False).epoch == 1  # it loads as saved
    saved = json.loads((checkpoint.state / "state.json").read_text())
    assert saved["format"] == 3 and len(saved["seed_generators"]) == 2
    saved["seed_generators"].pop()
    (checkpoint.state / "state.json").write_text(json.dumps(saved))
    resumed = checkpoint.resume(lambda: train.compiled_model(versions.get(3)), restart=False)
    assert resumed.epoch == 0 and "saved weights do not load (ValueError" in resumed.discarded


def test_a_failure_carries_the_kept_training(tmp_path, monkeypatch):
    """The folder travels on the exception (no module keeps it), and the one line names it."""
    from mnist_repro import errors
    from mnist_repro.training.checkpoint import Checkpoint

    monkeypatch.setattr(errors, "ERROR_LOGS", tmp_path / "logs")
    checkpoint = Checkpoint(tmp_path / "ver_2", {})
    checkpoint.state.mkdir(parents=True)
    with pytest.raises(RuntimeError) as caught:
        with checkpoint.kept_on_failure():
            raise RuntimeError("boom")
    assert caught.value.kept_training == checkpoint.folder
    assert f"your training is kept in {checkpoint.folder}" in errors.internal_error(caught.value, "run")
    assert "kept" not in errors.internal_error(RuntimeError("boom"), "run")


def test_close_h5_files_closes_what_a_failed_save_left_open(tmp_path):
    """The workaround for Keras 3.15 / h5py 3.14 (checkpoint.close_h5_files): a file left open in
    the folder is closed, one elsewhere is not. Fails if h5py's list of open file ids changes."""
    import h5py

    from mnist_repro.training.checkpoint import close_h5_files

    (tmp_path / "state").mkdir()
    left_open = h5py.File(tmp_path / "state" / "weights.weights.h5", "w")
    elsewhere = h5py.File(tmp_path / "other.h5", "w")
    try:
        close_h5_files(tmp_path / "state")
        assert not left_open.id.valid and elsewhere.id.valid
    finally:
        elsewhere.close()
