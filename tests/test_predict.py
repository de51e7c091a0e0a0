"""`predict` on image files: MNIST-style preprocessing round trips, and every bad input."""

import json

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, assert_one_line_error, run_cli
from mnist_repro import versions
from mnist_repro.outputs import analysis, formats
from mnist_repro.use import predict, preprocess
from mnist_repro.errors import UserError

VERSION = 3
COUNT = 200


def forms(digit: np.ndarray, index: int) -> dict:
    """The same MNIST digit as a user might hand it over."""
    big = np.asarray(Image.fromarray(digit).resize((112, 112), Image.BICUBIC))
    margin = np.zeros((240, 240), dtype=np.uint8)
    margin[64:176, 64:176] = big
    shifted = np.zeros((64, 64), dtype=np.uint8)
    offset = 3 + index % 20
    shifted[offset:offset + 28, 30:58] = digit
    return {
        "as-is": Image.fromarray(digit),
        "inverted": Image.fromarray(255 - digit),
        "rgb": Image.fromarray(np.stack([digit] * 3, axis=-1)),
        "upscaled-4x-margin": Image.fromarray(255 - margin),
        "off-centre": Image.fromarray(shifted),
    }


@pytest.fixture(scope="module")
def model():
    return predict.load_model(VERSION, ROOT / "deliverables")


@pytest.fixture(scope="module")
def direct_labels(model, mnist):
    return predict.probabilities(model, versions.get(VERSION), mnist["x_test"][:COUNT]).argmax(-1)


@pytest.mark.parametrize("form", ["as-is", "inverted", "rgb", "upscaled-4x-margin", "off-centre"])
def test_round_trip_through_image_files(tmp_path, model, mnist, direct_labels, form):
    images = []
    for index in range(COUNT):
        path = tmp_path / f"{index:03d}.png"
        forms(mnist["x_test"][index], index)[form].save(path)
        images.append(preprocess.to_mnist(preprocess.read_grayscale(path), path.name))
    labels = predict.probabilities(model, versions.get(VERSION), np.stack(images)).argmax(-1)
    agreement = float(np.mean(labels == direct_labels))
    print(f"{form}: {agreement:.3f} agreement over {COUNT} digits")
    assert agreement >= 0.95, f"{form}: only {agreement:.1%} agree"


def test_preprocessing_centres_and_boxes_the_digit():
    canvas = np.full((300, 200), 240, dtype=np.uint8)  # light paper
    canvas[40:200, 120:140] = 10  # a dark vertical stroke, far from the centre
    out = preprocess.to_mnist(canvas.astype(float))
    rows, cols = np.nonzero(out > 64)
    assert out.shape == (28, 28) and out.dtype == np.uint8
    assert rows.max() - rows.min() + 1 <= 21 and rows.max() - rows.min() + 1 >= 18
    total = out.sum()
    assert abs((out.sum(1) * np.arange(28)).sum() / total - 14.0) < 1
    assert abs((out.sum(0) * np.arange(28)).sum() / total - 14.0) < 1
    assert out[0].max() == 0 and out[:, 0].max() == 0  # ink light on black, like MNIST


def test_cli_prints_digit_probability_and_top3(tmp_path, mnist):
    Image.fromarray(255 - mnist["x_test"][0]).save(tmp_path / "seven.png")
    Image.fromarray(mnist["x_test"][1]).save(tmp_path / "two.bmp")
    done = run_cli("predict", "--version", VERSION, tmp_path, "--show", tmp_path / "seen")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"{tmp_path / 'seven.png'}: 7 (p=") and "top 3: 7 " in lines[0]
    assert lines[1].startswith(f"{tmp_path / 'two.bmp'}: 2 (p=")
    seen = np.asarray(Image.open(tmp_path / "seen" / "seven.seen.png"))
    assert seen.shape == (28, 28)
    done = run_cli("predict", "--version", VERSION, "--json", tmp_path / "seven.png")
    payload = json.loads(done.stdout)
    assert payload["predictions"][0]["digit"] == 7 and len(payload["predictions"][0]["top3"]) == 3
    assert sum(t["probability"] for t in payload["predictions"][0]["top3"]) <= 1.0 + 1e-6


def bad_files(tmp_path):
    (tmp_path / "notes.png").write_text("this is text, not a picture")
    (tmp_path / "empty.png").write_bytes(b"")
    noise = np.random.default_rng(0).integers(0, 256, size=(64, 64), dtype=np.uint8)
    Image.fromarray(noise).save(tmp_path / "whole.png")
    (tmp_path / "truncated.png").write_bytes((tmp_path / "whole.png").read_bytes()[:2000])
    (tmp_path / "whole.png").unlink()
    Image.new("L", (50, 50), 255).save(tmp_path / "blank.png")
    Image.new("L", (50, 50), 0).save(tmp_path / "black.png")
    return {
        "notes.png": "not an image", "empty.png": "empty", "truncated.png": "damaged or truncated",
        "blank.png": "blank", "black.png": "blank",
    }


def test_each_bad_image_is_one_line_error(tmp_path):
    for name, fragment in bad_files(tmp_path).items():
        done = run_cli("predict", tmp_path / name)
        assert_one_line_error(done, name, fragment)
        assert done.returncode == 2, name


def test_one_bad_file_in_a_folder_does_not_stop_the_others(tmp_path, mnist):
    bad_files(tmp_path)
    Image.fromarray(mnist["x_test"][0]).save(tmp_path / "good.png")
    done = run_cli("predict", "--version", VERSION, tmp_path)
    assert done.returncode == 1
    assert f"{tmp_path / 'good.png'}: 7 (p=" in done.stdout
    assert len([line for line in done.stderr.splitlines() if line.startswith("error:")]) == 5
    assert "Traceback" not in done.stderr


def test_folder_without_images_and_missing_model(tmp_path, mnist):
    (tmp_path / "readme.txt").write_text("no pictures here")
    done = run_cli("predict", tmp_path)
    assert_one_line_error(done, "has no images")
    assert done.returncode == 2
    Image.fromarray(mnist["x_test"][0]).save(tmp_path / "good.png")
    done = run_cli("predict", "--version", 2, tmp_path / "good.png", cwd=tmp_path)  # no deliverables here
    assert_one_line_error(done, "no trained model at deliverables/ver_2/model.keras", "make run VERSION=2")
    assert done.returncode == 1


@pytest.mark.parametrize("number", [1, 2, 3])
def test_confusion_matrix_of_committed_labels(number, mnist):
    labels = formats.read_labels(ROOT / "deliverables" / f"ver_{number}" / "assigned_labels_test.txt")
    matrix = analysis.confusion(mnist["y_test"], labels)
    assert matrix.sum() == 10_000
    assert np.trace(matrix) == int(np.sum(labels == mnist["y_test"]))
    assert list(matrix.sum(axis=1)) == list(np.bincount(mnist["y_test"], minlength=10))
    readme = (ROOT / "deliverables" / f"ver_{number}" / "README.md").read_text()
    assert analysis.markdown(matrix) in readme


def test_misclassified_are_ordered_by_confidence():
    probs = np.array([[0.1, 0.9], [0.6, 0.4], [0.2, 0.8], [0.45, 0.55]])
    probs = np.pad(probs, ((0, 0), (0, 8)))
    rows = analysis.misclassified(np.array([0, 0, 1, 0]), probs)
    assert [(i, t, p) for i, t, p, _ in rows] == [(0, 0, 1), (3, 0, 1)]
    assert rows[0][3] == pytest.approx(0.9)


def test_unreadable_path_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="no such file"):
        preprocess.image_files(tmp_path / "missing.png")
