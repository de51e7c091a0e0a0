"""Floating-point work of one epoch of a version, from its layer shapes (no TensorFlow needed).

Only convolutions and dense layers count (pooling, activations and dropout are a rounding error).
One multiply-add is 2 FLOPs. Training a layer costs its forward pass, its weight gradient (the
same multiply-adds) and its input gradient (again the same), except for the first layer with
weights, whose input gradient nothing needs. The val pass is one forward pass per image.
"""

from __future__ import annotations

import math


def layer_macs(version) -> list[int]:
    """Multiply-adds per image of each layer with weights, in order."""
    shape = tuple(version.input_shape) if len(version.input_shape) == 3 else (*version.input_shape, 1)
    macs = []
    for name, kwargs in version.layers:
        height, width, channels = shape
        if name == "Conv2D":
            kernel_h, kernel_w = kwargs["kernel_size"]
            out_h, out_w = height - kernel_h + 1, width - kernel_w + 1  # 'valid', stride 1
            macs.append(out_h * out_w * kwargs["filters"] * kernel_h * kernel_w * channels)
            shape = (out_h, out_w, kwargs["filters"])
        elif name == "MaxPooling2D":
            pool_h, pool_w = kwargs["pool_size"]
            shape = (height // pool_h, width // pool_w, channels)
        elif name == "Flatten":
            shape = (1, 1, math.prod(shape))
        elif name == "Dense":
            macs.append(channels * kwargs["units"])
            shape = (1, 1, kwargs["units"])
    return macs


def epoch_gflop(version, images: int = 60_000, val_images: int = 60_000) -> dict[str, float]:
    """GFLOP of one epoch: training, the val pass, and their sum."""
    macs = layer_macs(version)
    forward = sum(macs)
    training = 3 * forward - macs[0]  # forward + weight gradients + input gradients but the first
    train_gflop = 2 * training * images / 1e9
    val_gflop = 2 * forward * val_images / 1e9
    return {"train": train_gflop, "val": val_gflop, "total": train_gflop + val_gflop}
