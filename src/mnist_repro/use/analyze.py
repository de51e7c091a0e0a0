"""`make analyze VERSION=N`: rebuild a version folder's error analysis and README from its
model.keras and metrics.json, without retraining."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from .. import data, paths, versions
from ..errors import FolderUnusable
from ..outputs import analysis, atomic, formats, topology, version_readme
from . import predict


def model_png_source(folder: Path, metrics: dict) -> str:
    if "model_png" in metrics:
        return metrics["model_png"]
    match = re.search(r"`model.png` was drawn by (.+?)\.\n", (folder / "README.md").read_text())
    return match.group(1) if match else "keras.utils.plot_model"


def refresh(number, data_path: str | None = None, root: Path = paths.DELIVERABLES) -> None:
    version = versions.get(number)
    folder = paths.version_folder(version.number, root)
    try:
        metrics = json.loads((folder / "metrics.json").read_text())
    except (OSError, ValueError):
        raise FolderUnusable(f"{folder}/metrics.json is missing or unreadable; recreate the folder with "
                             f"`make run VERSION={version.number}`") from None
    model = predict.load_model(version.number, root)
    mnist = data.load(data_path)
    limit = metrics["settings"].get("limit")
    images, true = mnist.x_test[:limit], mnist.y_test[:limit]
    probabilities = predict.probabilities(model, version, images)
    recorded = formats.read_labels(folder / "assigned_labels_test.txt")
    differ = int(np.sum(recorded != probabilities.argmax(-1)))
    if differ:
        print(f"warning: {differ} test labels from model.keras differ from assigned_labels_test.txt "
              "(float rounding on another machine?); the analysis uses the model's")
    section = analysis.write(folder, version, images, true, probabilities)
    readme = version_readme.render(version, metrics, topology.markdown_table(model),
                                   model_png_source(folder, metrics), section)
    atomic.write_text_atomic(folder / "README.md", readme)
    print(f"refreshed {folder}/: confusion_matrix.png, misclassified*.png and README.md "
          f"({int(np.sum(probabilities.argmax(-1) != true))} test errors)")
