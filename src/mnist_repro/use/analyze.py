"""`make analyze VERSION=N`: rebuild a version folder's error analysis and README from its
model.keras and metrics.json, without retraining."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import data, paths, versions
from ..errors import FolderUnusable, RecordUnusable
from ..outputs import analysis, atomic, formats, topology, version_readme
from ..outputs.run_record import RunRecord
from . import predict


def refresh(number, data_path: str | None = None, root: Path | None = None) -> None:
    version = versions.get(number)
    folder = paths.version_folder(version.number, root)
    try:
        record = RunRecord.read(folder)
    except RecordUnusable:
        raise FolderUnusable(f"{folder}/metrics.json is missing or unreadable; recreate the folder with "
                             f"`make run VERSION={version.number}`") from None
    model = predict.load_model(version.number, root)
    mnist = data.load(data_path)
    limit = record.settings.limit
    images, true = mnist.x_test[:limit], mnist.y_test[:limit]
    probabilities = predict.probabilities(model, version, images)
    recorded = formats.read_labels(folder / "assigned_labels_test.txt")
    differ = int(np.sum(recorded != probabilities.argmax(-1)))
    if differ:
        print(f"warning: {differ} test labels from model.keras differ from assigned_labels_test.txt "
              "(float rounding on another machine?); the analysis uses the model's")
    section = analysis.write(folder, version, images, true, probabilities)
    readme = version_readme.render(version, record, topology.markdown_table(model), record.model_png, section)
    atomic.write_text_atomic(folder / "README.md", readme)
    print(f"refreshed {folder}/: confusion_matrix.png, misclassified*.png and README.md "
          f"({int(np.sum(probabilities.argmax(-1) != true))} test errors)")
