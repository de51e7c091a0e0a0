"""mnist-repro: a runnable reproduction of a 2018 report's three Keras MNIST models.

The Python API (doc/api.md) is loaded on first use: `import mnist_repro` imports no Keras or
TensorFlow and changes nothing in the process; `mnist_repro.train(1)` loads them, through
`backend.load`, which also keeps TensorFlow's console quiet.

    import mnist_repro
    run = mnist_repro.train(1, epochs=2, limit=2000)   # nothing written: out=None
    mnist_repro.plot_history(run)
"""

__version__ = "1.0.0"

# The public names, and the module of each (imported when the name is first used).
API = {"recipe": "api", "rung": "api", "train": "api", "Run": "training.run", "load_run": "api", "RunRecord": "outputs.run_record",
       "load_mnist": "api", "predict_digits": "api", "Predictions": "api", "run_argv": "api",
       "plot_history": "plots", "plot_confusion": "plots", "plot_misclassified": "plots"}
__all__ = [*API, "__version__"]


def __getattr__(name: str):
    if name not in API:
        raise AttributeError(f"module 'mnist_repro' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{API[name]}", __name__), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *API})
