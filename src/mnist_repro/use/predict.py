"""`python -m mnist_repro predict`: a trained version on your own digit images."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from .. import backend, errors, versions
from ..paths import run_folder, version_folder
from ..errors import ModelUnusable, UserError
from ..outputs.atomic import replacing
from . import preprocess


def model_path(number: int, root: Path | None = None) -> Path:
    return version_folder(number, root) / "model.keras"


def load_model(number: int, root: Path | None = None):
    """The version's trained model, checked to be a file that loads and takes this version's input."""
    return load_model_file(model_path(number, root), number)


def load_model_file(path: Path, number):
    """The model.keras at `path`, checked to be a file that loads and takes version `number`'s input
    (`number` may be a recipe: a Version, or a ladder rung)."""
    recipe = number if isinstance(number, versions.Version) else versions.get(number)
    make = f"make run VERSION={recipe.number}" if recipe.number is not None else f"make ladder-run RUNG={recipe.name}"
    remake = f"recreate it with `{make}`"
    if path.is_dir():
        raise ModelUnusable(f"{path} is a folder, not a model file; remove it and {remake}")
    if not path.exists():
        raise ModelUnusable(f"no trained model at {path}; create it with `{make}`")
    keras = backend.load(backend.DEFAULT)  # predict, analyze, verify and the demo run on TensorFlow

    try:
        model = keras.saving.load_model(path)
    except Exception as error:  # noqa: BLE001 - a damaged zip or h5 surfaces as many exception types
        raise ModelUnusable(f"{path} cannot be loaded ({type(error).__name__}: the file is damaged or not a "
                            f"Keras model); {remake}") from None
    expected = tuple(recipe.input_shape)
    if tuple(model.input_shape[1:]) != expected:
        raise ModelUnusable(f"{path} takes inputs of shape {tuple(model.input_shape[1:])}, not {recipe.label}"
                            f"'s {expected}: it is another version's model; {remake}")
    return model


def probabilities(model, version, images: np.ndarray) -> np.ndarray:
    """uint8 28x28 images to softmax outputs, through the same input scaling as training."""
    from ..training import batches

    return model.predict(batches.inference(images, version), verbose=0)


def save_seen(image: np.ndarray, path: Path) -> None:
    """The 28x28 picture the model saw, written whole or not at all (a full disk names the folder)."""
    from PIL import Image

    with errors.writing("the --show pictures", path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
        with replacing(path) as partial:
            Image.fromarray(image).save(partial, format="PNG")


def predict(paths: list[str], number: int, as_json: bool = False, show: str | None = None,
            root: Path | None = None, rung: str | None = None) -> int:
    """`rung`: a ladder rung's trained model (deliverables/ladder/NAME/) in place of version `number`'s."""
    from .. import ladder

    version = ladder.get(rung) if rung else versions.get(number)
    files = [file for path in paths for file in preprocess.image_files(Path(path))]
    prepared, failures = [], []
    for file in files:
        try:
            prepared.append((file, preprocess.to_mnist(preprocess.read_grayscale(file), str(file))))
        except UserError as error:
            failures.append((file, error))
    if len(files) == 1 and failures:
        only = failures[0][1]
        only.exit_code = 2  # the command's one input cannot be read, whatever the cause: bad input
        raise only
    model = load_model_file(run_folder(version, root) / "model.keras", version) if prepared else None
    results = []
    if prepared:
        probs = probabilities(model, version, np.stack([image for _, image in prepared]))
        for (file, image), p in zip(prepared, probs):
            top = np.argsort(p)[::-1][:3]
            results.append({"file": str(file), "digit": int(top[0]), "probability": float(p[top[0]]),
                            "top3": [{"digit": int(d), "probability": float(p[d])} for d in top]})
            if show:
                save_seen(image, Path(show) / f"{file.stem}.seen.png")
    if as_json:
        payload = {"version": version.number, **({"rung": rung} if rung else {}), "predictions": results,
                   "errors": [{"file": str(f), "error": str(e)} for f, e in failures]}
        print(json.dumps(payload, indent=2))
    else:
        for result in results:
            top = ", ".join(f"{t['digit']} {t['probability']:.3f}" for t in result["top3"])
            print(f"{result['file']}: {result['digit']} (p={result['probability']:.3f}; top 3: {top})")
    for _, message in failures:
        print(f"error: {message}", file=sys.stderr)
    return 1 if failures else 0
