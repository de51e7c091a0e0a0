"""PyTorch peer: the report's three nets trained the same way, timed per epoch (one JSON line out).

Same layers, Glorot-uniform weights and zero biases (Keras's initialisers), Adam with the
version's epsilon, batch 128 in the per-(seed, epoch) order of the project, and the val pass over
the training set in batches of 1,024. `--bf16` runs the forward and backward passes under CPU
autocast to bfloat16. Eager mode only: torch.compile trains v3 wrongly on this torch (see
doc/performance.md).
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch
from torch import nn

from mnist_repro import versions  # plain data: no TensorFlow import


def conv_output(size: int, kernel: int) -> int:
    return size - kernel + 1


def build(version) -> nn.Sequential:
    """The version's Keras model, read layer by layer from its configs, as torch modules
    (channels-first, 'valid' convolutions). Keras runs on its torch backend here, so that reading
    the model does not start TensorFlow in this process."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    modules, channels, size, flat = [], 1, 28, None
    for layer in version.model().layers:
        name, kwargs = type(layer).__name__, layer.get_config()
        if name == "Conv2D":
            kernel = kwargs["kernel_size"][0]
            modules += [nn.Conv2d(channels, kwargs["filters"], kernel), nn.ReLU()]
            channels, size = kwargs["filters"], conv_output(size, kernel)
        elif name == "MaxPooling2D":
            modules.append(nn.MaxPool2d(kwargs["pool_size"][0]))
            size //= kwargs["pool_size"][0]
        elif name == "Dropout":
            modules.append(nn.Dropout(kwargs["rate"]))
        elif name == "Flatten":
            # Keras flattens channels-last; the order of a dense layer's inputs does not change its cost.
            modules.append(nn.Flatten())
            flat = channels * size * size
        elif name == "Dense":
            modules.append(nn.Linear(flat, kwargs["units"]))
            flat = kwargs["units"]
            if kwargs["activation"] == "relu":
                modules.append(nn.ReLU())
    for module in modules:
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(module.weight)  # Keras's glorot_uniform
            nn.init.zeros_(module.bias)
    return nn.Sequential(*modules)  # the softmax lives in the loss (cross-entropy on logits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--version", type=int, required=True)
    parser.add_argument("--epochs", type=int, default=4, help="warm-up plus timed epochs (default: %(default)s)")
    parser.add_argument("--bf16", action="store_true")
    parser.add_argument("--data", default="data/mnist.npz")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    version = versions.get(args.version)
    with np.load(args.data) as mnist:
        x = torch.from_numpy((mnist["x_train"] / 255.0).astype("float32")).reshape(-1, 1, 28, 28)
        y = torch.from_numpy(mnist["y_train"].astype("int64"))
        x_test = torch.from_numpy((mnist["x_test"] / 255.0).astype("float32")).reshape(-1, 1, 28, 28)
        y_test = torch.from_numpy(mnist["y_test"].astype("int64"))
    model = build(version)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=version.adam_epsilon)
    loss_fn = nn.CrossEntropyLoss()
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16)
    seconds = []
    for epoch in range(args.epochs):
        started = time.perf_counter()
        model.train()
        order = torch.from_numpy(np.random.default_rng([args.seed, epoch]).permutation(len(x)))
        for start in range(0, len(x), version.batch_size):
            rows = order[start:start + version.batch_size]
            with autocast:
                loss = loss_fn(model(x[rows]), y[rows])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        evaluate(model, x, y, autocast)  # the report's val pass, on the training set
        seconds.append(time.perf_counter() - started)
    accuracy = evaluate(model, x_test, y_test, autocast)
    print(json.dumps({"epoch_s": seconds, "test_accuracy": accuracy, "torch": torch.__version__}))


def evaluate(model, x, y, autocast) -> float:
    model.eval()
    correct = 0
    with torch.no_grad(), autocast:
        for start in range(0, len(x), 1024):
            correct += int((model(x[start:start + 1024]).argmax(-1) == y[start:start + 1024]).sum())
    return correct / len(x)


if __name__ == "__main__":
    main()
