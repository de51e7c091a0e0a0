"""Every version on Keras's torch backend, through `mnist-repro run --backend torch` in .venv-torch:
every deliverable, the backend named, the same bytes from two processes, one of them killed after an
epoch and resumed (backend_checks.py); and the Keras behaviour behind the checkpoint's copy of
torch's global random stream."""

import json
import subprocess

import pytest

from backend_checks import *  # noqa: F403  (the checks, on this module's BACKEND)
from backend_checks import needs_environment, python
from conftest import ROOT

BACKEND = "torch"
pytestmark = [needs_environment(BACKEND), pytest.mark.slow]  # runs in .venv-BACKEND's processes

# Keras alone on torch (no TensorFlow needed): which generator a Dropout's mask comes from.
DROPOUT_STREAM = """
import json
import keras, numpy as np, torch
from mnist_repro import versions

def mask(layer, global_seed):
    torch.manual_seed(global_seed)
    return keras.ops.convert_to_numpy(layer(np.ones((4, 256), "float32"), training=True)) == 0

unseeded, seeded = keras.layers.Dropout(0.5), keras.layers.Dropout(0.5, seed=3)
print(json.dumps({
    "same global seed, same mask": bool((mask(unseeded, 1) == mask(unseeded, 1)).all()),
    "another global seed, another mask": bool((mask(unseeded, 1) != mask(unseeded, 2)).any()),
    "a seeded Dropout's own stream moves on": bool((mask(seeded, 1) != mask(seeded, 1)).any()),
    "the versions' Dropout seeds": [layer.seed for number in (2, 3) for layer in versions.get(number).model().layers
                                    if isinstance(layer, keras.layers.Dropout)],
}))
"""


def test_an_unseeded_dropout_draws_from_torchs_global_generator(run_env):
    """Keras 3.15's torch backend draws an unseeded Dropout's mask from torch's global generator
    ("torch doesn't support seeding dropout", keras/src/backend/torch/random.py), not from the
    layer's seed generator; so the checkpoint keeps that generator's state for an exact resume on
    torch. If this fails, Keras changed it: the global-stream code (backend_settings.GLOBAL_STREAMS,
    the checkpoint's global_random_state.bin) may go, once the resume test still passes without it."""
    done = subprocess.run([str(python(BACKEND)), "-c", DROPOUT_STREAM], cwd=ROOT, env={**run_env, "KERAS_BACKEND": BACKEND},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.splitlines()[-1])
    assert found == {"same global seed, same mask": True, "another global seed, another mask": True,
                     "a seeded Dropout's own stream moves on": True, "the versions' Dropout seeds": [None, None, None]}, \
        f"Keras's torch Dropout no longer draws as backend_settings.GLOBAL_STREAMS assumes: {found}"
