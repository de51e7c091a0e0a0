"""Fill a version folder from a finished run, atomically (see atomic.atomic_folder)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from . import analysis, atomic, figures, formats, topology, version_readme


def save_inference_model(model, path: Path) -> None:
    """The trained layers and weights without Adam's moments: a third of the size, all predict needs."""
    import keras

    copy = keras.Sequential.from_config(model.get_config())  # same layers and names, not compiled
    copy.set_weights(model.get_weights())
    copy.save(path)


def write_version_folder(folder: Path, run) -> Path:
    """`run` is a training.run.RunResult."""
    version, metrics = run.version, run.metrics
    history = formats.read_history(run.history_csv)
    written = time.perf_counter()
    with atomic.atomic_folder(folder) as building:
        formats.write_result(building / "result.txt", metrics["results"])
        formats.write_labels(building / "assigned_labels_train.txt", run.train_labels)
        formats.write_labels(building / "assigned_labels_test.txt", run.test_labels)
        shutil.copyfile(run.history_csv, building / "history.csv")
        png_source = topology.draw(run.model, building / "model.png")
        metrics["model_png"] = png_source
        figures.training_curves(history, version.paper,
                                f"Version {version.number} ({version.name}): report figure 4.{version.number} "
                                "and this run", building / "training.png")
        save_inference_model(run.model, building / "model.keras")
        errors_section = analysis.write(building, version, run.test_images, run.test_true, run.test_probabilities)
        (building / "README.md").write_text(
            version_readme.render(version, metrics, topology.markdown_table(run.model), png_source, errors_section))
        (building / "console.output").write_text(run.console.text())
        metrics["timing"]["deliverables_s"] = time.perf_counter() - written
        metrics["timing"]["run_s"] = time.perf_counter() - run.started
        formats.write_json(building / "metrics.json", metrics)
    return folder
