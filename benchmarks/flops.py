"""Floating-point work of one epoch of a version, from the shapes of its built Keras model.

Only convolutions and dense layers count (pooling, activations and dropout are a rounding error).
One multiply-add is 2 FLOPs. Training a layer costs its forward pass, its weight gradient (the
same multiply-adds) and its input gradient (again the same), except for the first layer with
weights, whose input gradient nothing needs. The val pass is one forward pass per image.
"""

from __future__ import annotations

import math


def layer_macs(version) -> list[int]:
    """Multiply-adds per image of each layer with weights, in order: every kernel weight is used
    once per output position (a dense layer has one; a 'valid' stride-1 Conv2D one per pixel out)."""
    return [math.prod(layer.kernel.shape) * math.prod(layer.output.shape[1:-1])
            for layer in version.model().layers if hasattr(layer, "kernel")]


def epoch_gflop(version, images: int = 60_000, val_images: int = 60_000) -> dict[str, float]:
    """GFLOP of one epoch: training, the val pass, and their sum."""
    macs = layer_macs(version)
    forward = sum(macs)
    training = 3 * forward - macs[0]  # forward + weight gradients + input gradients but the first
    train_gflop = 2 * training * images / 1e9
    val_gflop = 2 * forward * val_images / 1e9
    return {"train": train_gflop, "val": val_gflop, "total": train_gflop + val_gflop}
