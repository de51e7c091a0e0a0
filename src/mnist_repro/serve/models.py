"""The trained versions the demo serves, loaded once, and one image read by all of them."""

from __future__ import annotations

import base64
import io
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import versions
from ..errors import UserError
from ..use import predict, preprocess


@dataclass
class Loaded:
    """Every version with a usable model.keras, and why each other one is missing."""

    models: dict[int, object] = field(default_factory=dict)
    missing: dict[int, str] = field(default_factory=dict)
    # Keras models are shared by the server's worker threads; one inference at a time keeps
    # Keras's lazily built predict function safe, and costs milliseconds per request.
    lock: threading.Lock = field(default_factory=threading.Lock)


def load_all(root: Path) -> Loaded:
    loaded = Loaded()
    for number in versions.available():
        try:
            loaded.models[number] = predict.load_model(number, root)
        except UserError as error:
            loaded.missing[number] = f"{error}"
    return loaded


def seen_png(image: np.ndarray) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def read_digit(data: bytes, name: str, loaded: Loaded) -> dict:
    """The API's answer for one uploaded image: each version's digit and probabilities, and the
    28×28 image they saw. Raises UserError for anything that is not a readable digit."""
    from ..training.train import scale

    image = preprocess.to_mnist(preprocess.decode(io.BytesIO(data), name), name)
    answers = {}
    with loaded.lock:
        for number, model in loaded.models.items():
            # One image: a direct call, without `predict`'s per-call pipeline; the same input scaling.
            probabilities = np.asarray(model(scale(versions.get(number), image[None]), training=False))[0]
            answers[str(number)] = {"digit": int(np.argmax(probabilities)),
                                    "probabilities": [float(p) for p in probabilities]}
    for number, why in loaded.missing.items():
        answers[str(number)] = {"missing": why}
    return {"versions": answers, "seen": seen_png(image)}
