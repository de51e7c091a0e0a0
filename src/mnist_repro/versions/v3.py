"""Version 3 (tag v3.0): two convolutions, max-pooling, two dense layers, two dropouts."""

from . import PaperResults, Version

VERSION = Version(
    number=3,
    name="deeper CNN",
    input_shape=(28, 28, 1),
    loss="categorical_crossentropy",
    one_hot=True,
    epochs=20,
    batch_size=128,
    # Reference data: report table 4.6 and the v3.0 console log (val = on the training set).
    paper=PaperResults(
        training_time_s=2686.188,
        train_loss=0.00237, train_accuracy=99.90167,
        test_loss=0.04271, test_accuracy=99.15000,
        epochs=(
            (0.1970, 0.9389, 0.0493, 0.9848), (0.0560, 0.9831, 0.0284, 0.9907),
            (0.0385, 0.9882, 0.0182, 0.9944), (0.0288, 0.9909, 0.0155, 0.9952),
            (0.0227, 0.9934, 0.0100, 0.9972), (0.0198, 0.9940, 0.0068, 0.9980),
            (0.0160, 0.9952, 0.0051, 0.9985), (0.0130, 0.9957, 0.0063, 0.9979),
            (0.0114, 0.9964, 0.0034, 0.9989), (0.0086, 0.9972, 0.0037, 0.9989),
            (0.0093, 0.9971, 0.0047, 0.9986), (0.0088, 0.9973, 0.0027, 0.9992),
            (0.0074, 0.9978, 0.0029, 0.9992), (0.0078, 0.9975, 0.0016, 0.9995),
            (0.0055, 0.9983, 0.0019, 0.9994), (0.0076, 0.9977, 0.0013, 0.9996),
            (0.0060, 0.9983, 0.0016, 0.9995), (0.0064, 0.9980, 0.0018, 0.9994),
            (0.0039, 0.9988, 0.00089, 0.9997), (0.0054, 0.9985, 0.0024, 0.9990),
        ),
        # Table 4.5 leaves out epochs 10 and 20.
        table_missing_epochs=(10, 20),
    ),
)


def model():
    """The v3.0 script's network: two convolutions, max-pooling, two dense layers, two dropouts."""
    import keras

    return keras.Sequential([
        keras.Input(shape=VERSION.input_shape),
        keras.layers.Conv2D(32, kernel_size=(4, 4), activation="relu"),
        keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Dropout(0.2),
        keras.layers.Flatten(),
        keras.layers.Dense(248, activation="relu"),
        keras.layers.Dense(124, activation="relu"),
        keras.layers.Dropout(0.4),
        keras.layers.Dense(10, activation="softmax", dtype="float32"),  # float32 even under mixed_bfloat16
    ], name=f"version_{VERSION.number}")
