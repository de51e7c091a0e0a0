"""mnist-repro: a runnable reproduction of a 2018 report's three Keras MNIST models.

Importing the package imports no Keras or TensorFlow and changes nothing in the process: the
commands that need Keras load it through `backend.load`, which also keeps TensorFlow's console quiet.
"""

__version__ = "1.0.0"
