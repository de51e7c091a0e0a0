"""The public Python API (doc/api.md): what `import mnist_repro` exposes, a run from Python that
writes the bytes of the command line's, runs one after another in one process, the one-line
errors, and the helpers a notebook uses."""

import dataclasses
import signal
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image

import mnist_repro
from conftest import ROOT, SMALL_SETTINGS, _start_tensorflow_once, cli_env
from mnist_repro import errors
from mnist_repro.outputs import formats

EXACT = ("history.csv", "assigned_labels_train.txt", "assigned_labels_test.txt")
API = ["recipe", "rung", "train", "Run", "load_run", "RunRecord", "load_mnist", "predict_digits", "Predictions",
       "run_argv", "plot_history", "plot_confusion", "plot_misclassified"]

IMPORT_ONLY = """
import sys, mnist_repro
names = [name for name in mnist_repro.__all__ if name != "__version__"]
print(names, mnist_repro.recipe(3).epochs, sorted(m for m in ("keras", "tensorflow", "matplotlib") if m in sys.modules))
"""


@pytest.mark.slow
def test_import_exposes_the_api_without_loading_keras():
    done = subprocess.run([sys.executable, "-c", IMPORT_ONLY], cwd=ROOT, env=cli_env(), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{API} 20 []"
    assert not set(API) & {"versions", "training", "outputs", "study", "use", "serve"}  # no subpackage shadowed


API_RUN = """
import sys, mnist_repro
run = mnist_repro.train(2, limit={limit}, epochs={epochs}, seed={seed}, out=sys.argv[1], verbose=False)
print(run.folder, run.results.test_errors, len(run.history))
"""


def test_a_run_from_the_api_writes_the_bytes_of_the_command_line(small_runs, tmp_path):
    """The API in a fresh process started in a subfolder (doc/, as a notebook kernel starts in
    notebooks/): the data is the project's and the files are byte for byte the CLI's, whose run
    conftest makes with the same settings; the record names the call, not the interpreter's argv."""
    cli_folder, _ = small_runs["2"]
    done = subprocess.run([sys.executable, "-c", API_RUN.format(**SMALL_SETTINGS), str(tmp_path)], cwd=ROOT / "doc",
                          env=cli_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    folder = tmp_path / "ver_2"
    record = mnist_repro.load_run(folder)
    assert done.stdout.split() == [str(folder), str(record.results.test_errors), str(SMALL_SETTINGS["epochs"])]
    for name in EXACT:
        assert (folder / name).read_bytes() == (cli_folder / name).read_bytes(), name
    assert record.settings.command == (f"mnist_repro.train(2, epochs=3, seed=11, out={str(tmp_path)!r}, limit=640, "
                                       "verbose=False)")
    assert record.data.source.endswith("data/mnist.npz") and record.data.verified
    assert mnist_repro.load_run(cli_folder).settings.command.startswith("python -m mnist_repro run --version 2")


@pytest.mark.slow
def test_runs_in_one_process_start_afresh_and_leave_the_process_as_they_found_it(tmp_path, monkeypatch, capsys,
                                                                                 mnist_path):
    """Two runs with nothing written, in this process where TensorFlow already runs: the second is
    the first again (a cleared Keras session: the same layer names, the same numbers); v1's one
    intra-op thread is said not to apply; no handler, stream or working directory is changed."""
    _start_tensorflow_once()
    monkeypatch.chdir(tmp_path)
    handler, streams = signal.getsignal(signal.SIGTERM), (sys.stdout, sys.stderr)
    runs = [mnist_repro.train(1, limit=256, epochs=1, data=mnist_path) for _ in range(2)]
    printed = capsys.readouterr().out
    assert printed.count("note: TensorFlow already runs in this process, so version 1's 1 intra-op thread cannot "
                        "apply") == 2
    assert [run.folder for run in runs] == [None, None] and list(tmp_path.iterdir()) == []
    assert runs[0].history == runs[1].history and untimed(runs[0].results) == untimed(runs[1].results)
    assert [layer.name for layer in runs[0].model.layers] == [layer.name for layer in runs[1].model.layers]
    assert len(runs[1].epoch_s) == len(runs[1].epoch_cpu_s) == 1 and runs[1].results.test_images == 256
    assert signal.getsignal(signal.SIGTERM) is handler and (sys.stdout, sys.stderr) == streams
    quiet = mnist_repro.train(1, limit=256, epochs=1, data=mnist_path, verbose=False)
    assert capsys.readouterr().out == "" and untimed(quiet.results) == untimed(runs[0].results)


def untimed(results):
    return dataclasses.replace(results, training_time_s=0.0)


@pytest.mark.parametrize("call, kind, message", [
    (lambda: mnist_repro.train(4), errors.UnknownVersion, "unknown version 4: choose one of 1, 2, 3"),
    (lambda: mnist_repro.train(1, epochs=0), errors.BadSetting, "epochs=0: give a whole number of at least 1"),
    (lambda: mnist_repro.train(1, limit=2.5), errors.BadSetting, "limit=2.5: give a whole number"),
    (lambda: mnist_repro.train(1, validation="holdout"), errors.BadSetting,
     "validation='holdout': choose one of 'train', 'test', 'none'"),
    (lambda: mnist_repro.train(1, backend="mxnet"), errors.BadSetting, "backend='mxnet': choose one of"),
    (lambda: mnist_repro.train(1, restart="yes"), errors.BadSetting, "restart='yes': give True or False"),
    (lambda: mnist_repro.train(1, data=3), errors.BadSetting, "data=3: give a path"),
    (lambda: mnist_repro.train(1, data="/nonexistent/mnist.npz"), errors.MnistNotFound, "does not exist"),
    (lambda: mnist_repro.run_argv(1, verbose=False), errors.BadSetting, "verbose is not an option of `run`"),
    (lambda: mnist_repro.run_argv(1, learning_rate=0.1), errors.BadSetting, "unknown run setting 'learning_rate'"),
    (lambda: mnist_repro.predict_digits(np.zeros((28, 28), np.uint8)), errors.BadSetting, "give a trained model"),
    (lambda: mnist_repro.predict_digits(np.zeros((3, 28, 28)), version=1), errors.BadSetting, "images of dtype float64"),
    (lambda: mnist_repro.predict_digits(np.zeros((3, 32, 32), np.uint8), version=1), errors.BadSetting,
     "images of shape (3, 32, 32)"),
    (lambda: mnist_repro.load_run("/nonexistent/ver_1"), errors.RecordUnusable, "no metrics.json (run incomplete)"),
    (lambda: mnist_repro.plot_history([{"accuracy": 1}]), errors.BadSetting, "a history of type list"),
])
def test_a_bad_argument_is_the_command_lines_one_line_error(call, kind, message):
    with pytest.raises(kind) as refused:
        call()
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert errors.explain(refused.value) is refused.value  # the CLI prints it as its one line


def test_run_argv_is_the_command_a_user_types():
    assert mnist_repro.run_argv(2, seed=3, out=Path("seeds/x"), backend="jax", restart=True, limit=None) == [
        sys.executable, "-m", "mnist_repro", "run", "--version", "2", "--seed", "3", "--out", "seeds/x",
        "--backend", "jax", "--restart"]
    argv = mnist_repro.run_argv("1", python="/opt/py", batch_size=np.int64(64), allow_unverified_data=True)
    assert argv == ["/opt/py", "-m", "mnist_repro", "run", "--version", "1", "--batch-size", "64",
                    "--allow-unverified-data"]


def test_a_committed_run_loads_predicts_and_plots(tmp_path, mnist):
    record = mnist_repro.load_run(ROOT / "deliverables" / "ver_1")
    assert record.version == 1 and record.results.test_images == 10_000
    images, labels = mnist["x_test"][:300], mnist["y_test"][:300]
    predicted = mnist_repro.predict_digits(images, model=record.load_model())
    committed = formats.read_labels(ROOT / "deliverables" / "ver_1" / "assigned_labels_test.txt")[:300]
    assert np.array_equal(predicted.digits, committed) and predicted.probabilities.shape == (300, 10)
    Image.fromarray(255 - images[0]).save(tmp_path / "digit.png")  # dark ink on light paper, as drawn
    assert mnist_repro.predict_digits(tmp_path / "digit.png", version=1).digits.tolist() == [labels[0]]

    import matplotlib.pyplot as plt

    look = dict(matplotlib.rcParams)
    loss, accuracy = mnist_repro.plot_history(record)
    assert [len(axis.lines) for axis in (loss, accuracy)] == [3, 3]  # the paper's, training, val
    assert len(loss.lines[0].get_xdata()) == 15 and loss.get_yscale() == "log"
    confusion = mnist_repro.plot_confusion(labels, predicted.probabilities)
    assert confusion.get_title() == f"{int(np.sum(predicted.digits != labels))} errors of 300"
    gallery = mnist_repro.plot_misclassified(images, labels, predicted, limit=5)
    assert len(gallery.texts) == min(5, int(np.sum(predicted.digits != labels)))
    assert dict(matplotlib.rcParams) == look  # the project's look stays inside its figures
    plt.close("all")
