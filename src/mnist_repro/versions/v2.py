"""Version 2 (tag v2.0): one 3x3 convolution, max-pooling and dropout."""

from . import PaperResults, Version

VERSION = Version(
    number=2,
    name="small CNN",
    input_shape=(28, 28, 1),
    loss="categorical_crossentropy",
    one_hot=True,
    epochs=15,
    batch_size=128,
    # Reference data: report table 4.4 and the v2.0 console log (val = on the training set).
    paper=PaperResults(
        training_time_s=309.861,
        train_loss=0.02590, train_accuracy=99.27000,
        test_loss=0.05184, test_accuracy=98.22000,
        epochs=(
            (0.3648, 0.8989, 0.1612, 0.9552), (0.1361, 0.9618, 0.0944, 0.9737),
            (0.1003, 0.9712, 0.0731, 0.9794), (0.0847, 0.9757, 0.0633, 0.9817),
            (0.0759, 0.9773, 0.0593, 0.9829), (0.0691, 0.9791, 0.0507, 0.9852),
            (0.0628, 0.9815, 0.0469, 0.9861), (0.0599, 0.9821, 0.0431, 0.9876),
            (0.0567, 0.9830, 0.0397, 0.9887), (0.0522, 0.9835, 0.0357, 0.9898),
            (0.0497, 0.9845, 0.0332, 0.9905), (0.0478, 0.9854, 0.0317, 0.9911),
            (0.0455, 0.9860, 0.0302, 0.9913), (0.0410, 0.9872, 0.0282, 0.9922),
            (0.0404, 0.9874, 0.0259, 0.9927),
        ),
        # Table 4.3 repeats epoch 2's loss for epoch 3.
        table_errata={3: (0.1361, 0.9712)},
    ),
)


def model():
    """The v2.0 script's network: one 3x3 convolution, max-pooling, dropout, a softmax."""
    import keras

    return keras.Sequential([
        keras.Input(shape=VERSION.input_shape),
        keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Dropout(0.25),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax", dtype="float32"),  # float32 even under mixed_bfloat16
    ], name=f"version_{VERSION.number}")
