"""Version 1 (tag v1.0): a dense network on the flattened 28x28 image."""

from . import PaperResults, Version

VERSION = Version(
    number=1,
    name="dense",
    input_shape=(28, 28),
    loss="sparse_categorical_crossentropy",
    one_hot=False,
    epochs=15,
    batch_size=128,
    # The v1.0 script compiled with tf.train.AdamOptimizer(): TF1's Adam, whose epsilon is 1e-8.
    adam_epsilon=1e-8,
    optimizer_origin="tf.train.AdamOptimizer() of TensorFlow 1.12 (epsilon 1e-8)",
    # Without convolutions the matrix products are too small to split across cores, so v1 runs on
    # one intra-op thread (doc/performance.md's speed settings); v2 and v3 use every core.
    intra_op_threads=1,
    # Reference data: report table 4.2 and the v1.0 console log (val = on the training set).
    paper=PaperResults(
        training_time_s=22.613,
        train_loss=0.01141, train_accuracy=99.80500,
        test_loss=0.07754, test_accuracy=97.62000,
        epochs=(
            (0.3603, 0.9007, 0.1898, 0.9472), (0.1674, 0.9526, 0.1290, 0.9639),
            (0.1205, 0.9656, 0.0996, 0.9711), (0.0929, 0.9736, 0.0774, 0.9777),
            (0.0750, 0.9784, 0.0606, 0.9826), (0.0622, 0.9819, 0.0499, 0.9866),
            (0.0524, 0.9853, 0.0417, 0.9884), (0.0439, 0.9877, 0.0369, 0.9902),
            (0.0375, 0.9895, 0.0288, 0.9930), (0.0326, 0.9911, 0.0243, 0.9942),
            (0.0271, 0.9927, 0.0218, 0.9952), (0.0240, 0.9939, 0.0168, 0.9963),
            (0.0209, 0.9946, 0.0161, 0.9966), (0.0174, 0.9958, 0.0128, 0.9973),
            (0.0149, 0.9965, 0.0114, 0.9980),
        ),
    ),
)


def model():
    """The v1.0 script's network: the image flattened, one hidden dense layer, a softmax."""
    import keras

    return keras.Sequential([
        keras.Input(shape=VERSION.input_shape),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax", dtype="float32"),  # float32 even under mixed_bfloat16
    ], name=f"version_{VERSION.number}")
