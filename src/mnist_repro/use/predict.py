"""`python -m mnist_repro predict`: a trained version on your own digit images."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from .. import versions
from ..errors import UserError
from . import preprocess


def model_path(number: int, root: Path = Path("deliverables")) -> Path:
    return root / f"ver_{number}" / "model.keras"


def load_model(number: int, root: Path = Path("deliverables")):
    path = model_path(number, root)
    if not path.exists():
        raise UserError(f"no trained model at {path}; create it with `make run VERSION={number}`", exit_code=1)
    import keras

    try:
        return keras.saving.load_model(path)
    except Exception as error:  # a damaged zip or h5 surfaces as many exception types
        raise UserError(f"{path} cannot be loaded ({type(error).__name__}); "
                        f"recreate it with `make run VERSION={number}`", exit_code=1) from None


def probabilities(model, version, images: np.ndarray) -> np.ndarray:
    """The version's own input scaling (/255, its input shape), then softmax outputs."""
    from ..training import train

    return model.predict(train.scale(version, images), batch_size=train.INFERENCE_BATCH, verbose=0)


def predict(paths: list[str], number: int, as_json: bool = False, show: str | None = None,
            root: Path = Path("deliverables")) -> int:
    version = versions.get(number)
    files = [file for path in paths for file in preprocess.image_files(Path(path))]
    prepared, failures = [], []
    for file in files:
        try:
            prepared.append((file, preprocess.to_mnist(preprocess.read_grayscale(file), str(file))))
        except UserError as error:
            failures.append((file, str(error)))
    if len(files) == 1 and failures:
        raise UserError(failures[0][1])
    model = load_model(version.number, root) if prepared else None
    results = []
    if prepared:
        probs = probabilities(model, version, np.stack([image for _, image in prepared]))
        if show:
            from PIL import Image

            Path(show).mkdir(parents=True, exist_ok=True)
        for (file, image), p in zip(prepared, probs):
            top = np.argsort(p)[::-1][:3]
            results.append({"file": str(file), "digit": int(top[0]), "probability": float(p[top[0]]),
                            "top3": [{"digit": int(d), "probability": float(p[d])} for d in top]})
            if show:
                Image.fromarray(image).save(Path(show) / f"{file.stem}.seen.png")
    if as_json:
        payload = {"version": version.number, "predictions": results,
                   "errors": [{"file": str(f), "error": e} for f, e in failures]}
        print(json.dumps(payload, indent=2))
    else:
        for result in results:
            top = ", ".join(f"{t['digit']} {t['probability']:.3f}" for t in result["top3"])
            print(f"{result['file']}: {result['digit']} (p={result['probability']:.3f}; top 3: {top})")
    for _, message in failures:
        print(f"error: {message}", file=sys.stderr)
    return 1 if failures else 0
