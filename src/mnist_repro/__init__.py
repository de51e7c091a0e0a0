"""mnist-repro: a runnable reproduction of a 2018 report's three Keras MNIST models."""

__version__ = "1.0.0"
