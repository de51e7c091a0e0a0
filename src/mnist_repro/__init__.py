"""mnist-repro: a runnable reproduction of a 2018 report's three Keras MNIST models."""

__version__ = "1.0.0"

import os as _os

# TensorFlow's C++ INFO lines (oneDNN and CPU-feature notices) are noise for this tool. Set here, on
# the package, so that every entry point (the CLI, the Dask workers, the bench rows) sets it before
# TensorFlow loads; TF_CPP_MIN_LOG_LEVEL=0 brings all the logs back. The variable alone misses the
# lines Abseil prints while TensorFlow loads (oneDNN's notice), so native_log filters that import.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from . import native_log as _native_log  # noqa: E402

_native_log.install()
