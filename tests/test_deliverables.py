"""The writers' files parse back to the same numbers, and the folder swap is atomic."""

import numpy as np
import pytest

from mnist_repro.outputs import atomic, formats


def test_result_txt_has_the_original_format_and_parses_back(tmp_path):
    results = {"training_time_s": 22.6131, "train_loss": 0.011412, "train_accuracy": 99.805,
               "test_loss": 0.077541, "test_accuracy": 97.62}
    path = tmp_path / "result.txt"
    formats.write_result(path, results)
    assert path.read_text().splitlines() == [
        "Training time: 22.613s", "Train loss: 0.01141", "Train accuracy: 99.80500%",
        "Test loss: 0.07754", "Test accuracy: 97.62000%"]
    parsed = formats.read_result(path)
    for key, value in results.items():
        assert parsed[key] == pytest.approx(value, abs=1e-3)


def test_malformed_result_txt_is_rejected(tmp_path):
    path = tmp_path / "result.txt"
    path.write_text("Training time: soon\n")
    with pytest.raises(ValueError, match="Training time"):
        formats.read_result(path)


def test_label_files_are_digits_back_to_back(tmp_path):
    labels = np.array([5, 0, 4, 1, 9, 2], dtype=np.uint8)
    path = tmp_path / "assigned_labels_test.txt"
    formats.write_labels(path, labels)
    assert path.read_text() == "504192"
    assert np.array_equal(formats.read_labels(path), labels)
    path.write_text("50 4\n")
    with pytest.raises(ValueError, match="digits only"):
        formats.read_labels(path)


def test_atomic_folder_replaces_only_on_success(tmp_path):
    folder = tmp_path / "ver_1"
    folder.mkdir()
    (folder / "result.txt").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic.atomic_folder(folder) as building:
            (building / "result.txt").write_text("half")
            raise RuntimeError("killed while writing")
    assert (folder / "result.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ver_1"]
    with atomic.atomic_folder(folder) as building:
        (building / "result.txt").write_text("new")
    assert (folder / "result.txt").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ver_1"]


def test_recover_restores_a_folder_displaced_by_a_killed_swap(tmp_path):
    displaced = tmp_path / ".ver_2.old-123"
    displaced.mkdir()
    (displaced / "result.txt").write_text("previous run")
    (tmp_path / ".ver_2.tmp-456").mkdir()
    atomic.recover(tmp_path / "ver_2")
    assert (tmp_path / "ver_2" / "result.txt").read_text() == "previous run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ver_2"]


def test_unwritable_output_folder_is_a_user_error(tmp_path):
    from mnist_repro.errors import FileProblem

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(FileProblem, match="cannot write to output folder") as refused:
        atomic.check_writable(blocker / "out")
    assert refused.value.exit_code == 1


def test_model_png_falls_back_to_matplotlib_without_graphviz(tmp_path, monkeypatch, capsys):
    import keras

    from mnist_repro import versions
    from mnist_repro.outputs import topology
    from mnist_repro.training import train

    def no_graphviz(*args, **kwargs):
        raise ImportError("You must install pydot and graphviz")

    monkeypatch.setattr(keras.utils, "plot_model", no_graphviz)
    model = train.compiled_model(versions.get(2))
    assert topology.draw(model, tmp_path / "model.png") == "matplotlib fallback"
    assert (tmp_path / "model.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "warning: graphviz/pydot unavailable" in capsys.readouterr().err
