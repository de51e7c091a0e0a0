"""Each version's recipe is the report's: layers, shapes, parameter counts, loss, epochs, batch."""

import os
import subprocess
import sys

import pytest

from mnist_repro import versions
from mnist_repro.errors import UnknownVersion

EXPECTED = {
    # number: (layer types, final output shapes per layer, params, loss, one-hot, epochs, input)
    1: (["Flatten", "Dense", "Dense"], [(None, 784), (None, 128), (None, 10)], 101_770,
        "sparse_categorical_crossentropy", False, 15, (28, 28)),
    2: (["Conv2D", "MaxPooling2D", "Dropout", "Flatten", "Dense"],
        [(None, 26, 26, 32), (None, 13, 13, 32), (None, 13, 13, 32), (None, 5408), (None, 10)], 54_410,
        "categorical_crossentropy", True, 15, (28, 28, 1)),
    3: (["Conv2D", "Conv2D", "MaxPooling2D", "Dropout", "Flatten", "Dense", "Dense", "Dropout", "Dense"],
        [(None, 25, 25, 32), (None, 23, 23, 64), (None, 11, 11, 64), (None, 11, 11, 64), (None, 7744),
         (None, 248), (None, 124), (None, 124), (None, 10)], 1_971_926,
        "categorical_crossentropy", True, 20, (28, 28, 1)),
}


def test_three_versions_are_available():
    assert list(versions.available()) == [1, 2, 3]


@pytest.mark.parametrize("number", [1, 2, 3])
def test_model_matches_the_report(number):
    import keras

    from mnist_repro.training import train

    version = versions.get(number)
    types, shapes, params, loss, one_hot, epochs, input_shape = EXPECTED[number]
    model = train.compiled_model(version)
    assert [type(layer).__name__ for layer in model.layers] == types
    assert [tuple(layer.output.shape) for layer in model.layers] == shapes
    assert model.count_params() == params
    assert sum(int(w.numpy().size) for w in model.trainable_weights) == params
    assert version.loss == loss and model.loss == loss
    assert version.one_hot is one_hot
    assert (version.epochs, version.batch_size, version.input_shape) == (epochs, 128, input_shape)
    assert type(model.optimizer).__name__ == "Adam"
    assert float(model.optimizer.learning_rate) == pytest.approx(0.001)
    # every convolution and pooling layer pads 'valid' and every convolution strides 1 (a renamed config
    # key fails here rather than skipping the check)
    spatial = [layer.get_config() | {"type": type(layer).__name__} for layer in model.layers
               if type(layer).__name__ in ("Conv2D", "MaxPooling2D")]
    assert len(spatial) == sum(name in ("Conv2D", "MaxPooling2D") for name in types)
    assert all(config["padding"] == "valid" for config in spatial)
    assert all(tuple(config["strides"]) == (1, 1) for config in spatial if config["type"] == "Conv2D")
    assert model.layers[-1].get_config()["activation"] == "softmax"
    assert isinstance(model, keras.Sequential) and model.name == f"version_{number}"


@pytest.mark.parametrize("number", [1, 2, 3])
def test_inputs_are_scaled_and_labels_encoded(number, mnist):
    from mnist_repro.training import train

    version = versions.get(number)
    x, y = train.prepare(version, mnist["x_train"][:5], mnist["y_train"][:5])
    assert x.dtype == "float32" and x.shape == (5, *version.input_shape)
    assert x.max() <= 1.0 and x.min() >= 0.0
    assert float(x.max()) == pytest.approx(mnist["x_train"][:5].max() / 255.0)
    if version.one_hot:
        assert y.shape == (5, 10) and list(y.argmax(1)) == [5, 0, 4, 1, 9]
    else:
        assert list(y) == [5, 0, 4, 1, 9]


def test_the_scaling_is_the_reports_divide_by_255_bit_for_bit():
    """Every uint8 value, through the training batches, the inference batches and `train.scale`, is
    the report's float64 `x / 255.0` cast to float32, bit for bit (doc/performance.md)."""
    import numpy as np

    from mnist_repro.training import batches, train

    values = np.arange(256, dtype=np.uint8)
    images = np.repeat(values, 28 * 28).reshape(256, 28, 28)
    expected = (values.astype(np.float64) / 255.0).astype(np.float32).view(np.uint32)
    version = versions.get(1)  # integer labels: each image's label is its value, through any shuffle
    x, y = next(iter(batches.ShuffledBatches(images, values, version, 256, seed=0).dataset()))
    trained = x.numpy().reshape(256, -1).view(np.uint32)
    assert (trained == expected[y.numpy()][:, None]).all()
    for number in (1, 2):  # (28, 28) and (28, 28, 1)
        inferred = np.concatenate([batch.numpy() for batch in batches.inference(images, versions.get(number))])
        scaled = train.scale(versions.get(number), images)
        for result in (inferred, scaled):
            assert result.dtype == np.float32 and result.shape == (256, *versions.get(number).input_shape)
            assert (result.reshape(256, -1).view(np.uint32) == expected[:, None]).all()


@pytest.mark.parametrize("bad", [0, 4, "x", None])
def test_unknown_version_lists_the_valid_ones(bad):
    with pytest.raises(UnknownVersion, match="choose one of 1, 2, 3") as refused:
        versions.get(bad)
    assert refused.value.exit_code == 2


def test_paper_test_errors_match_the_report():
    assert versions.get(3).paper.test_errors == 85
    assert versions.get(1).paper.test_errors == 238


@pytest.mark.slow
def test_recipes_are_read_without_keras():
    """Every check before training reads the recipes alone: neither Keras nor TensorFlow loads."""
    code = ("import sys; from mnist_repro import versions; "
            "found = {n: (v.epochs, v.batch_size, v.loss, v.input_shape) for n, v in versions.available().items()}; "
            "print(sorted(found), sorted(m for m in ('keras', 'tensorflow') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == "[1, 2, 3] []"


@pytest.mark.parametrize("number", [1, 2, 3])
def test_the_output_layer_stays_float32_under_mixed_bfloat16(number):
    import keras

    from mnist_repro.training import train

    try:
        model = train.compiled_model(versions.get(number), "mixed_bfloat16")
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert [layer.compute_dtype for layer in model.layers] == ["bfloat16"] * (len(model.layers) - 1) + ["float32"]
    assert all(weight.dtype == "float32" for weight in model.weights)
    assert train.compiled_model(versions.get(number)).layers[-1].compute_dtype == "float32"


@pytest.mark.slow
def test_the_thread_setting_comes_from_the_recipe():
    """v1 (no convolutions) asks for one intra-op thread, set before TensorFlow starts; v2 and v3
    keep every core. Checked in a fresh process, where TensorFlow has not started yet."""
    assert [versions.get(n).intra_op_threads for n in (1, 2, 3)] == [1, None, None]
    code = ("import tensorflow as tf; from mnist_repro import versions; "
            "from mnist_repro.training import backend_settings as b, batches; "
            "threads = tf.config.threading.get_intra_op_parallelism_threads; "
            "b.configure_threads('tensorflow', versions.get(2)); before = threads(); "
            "b.configure_threads('tensorflow', versions.get(1), batches.PLAIN); plain = threads(); "
            "b.configure_threads('tensorflow', versions.get(1), batches.FAST); print(before, plain, threads())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-3:] == ["0", "0", "1"]
