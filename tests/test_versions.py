"""Each version's recipe is the report's: layers, shapes, parameter counts, loss, epochs, batch."""

import pytest

from mnist_repro import versions
from mnist_repro.errors import UserError

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
    from mnist_repro.training import train

    version = versions.get(number)
    types, shapes, params, loss, one_hot, epochs, input_shape = EXPECTED[number]
    model = train.build(version)
    assert [type(layer).__name__ for layer in model.layers] == types
    assert [tuple(layer.output.shape) for layer in model.layers] == shapes
    assert model.count_params() == params
    assert sum(int(w.numpy().size) for w in model.trainable_weights) == params
    assert version.loss == loss and model.loss == loss
    assert version.one_hot is one_hot
    assert (version.epochs, version.batch_size, version.input_shape) == (epochs, 128, input_shape)
    assert type(model.optimizer).__name__ == "Adam"
    assert float(model.optimizer.learning_rate) == pytest.approx(0.001)
    for layer in model.layers:
        config = layer.get_config()
        if "padding" in config:
            assert config["padding"] == "valid"
        if "strides" in config and type(layer).__name__ == "Conv2D":
            assert tuple(config["strides"]) == (1, 1)
    assert model.layers[-1].get_config()["activation"] == "softmax"


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


@pytest.mark.parametrize("bad", [0, 4, "x", None])
def test_unknown_version_lists_the_valid_ones(bad):
    with pytest.raises(UserError, match="choose one of 1, 2, 3"):
        versions.get(bad)


def test_paper_test_errors_match_the_report():
    assert versions.get(3).paper.test_errors == 85
    assert versions.get(1).paper.test_errors == 238
