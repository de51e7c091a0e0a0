"""`make verify`: the quickest proof that the committed results are real. For each version, load the
committed model.keras, label the 10,000 test and 60,000 training images again, and hold the labels
against the committed label files and result.txt.

On the CPU kind that made the files every label should be equal; on another kind a handful can flip
where two digits are nearly tied (floating-point order differs), and that is reported, not failed.
It fails only where the committed files contradict each other: a label file that does not belong to
its model (more than MAX_FOREIGN of its labels differ) or a result.txt accuracy that its own label
file does not give.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .. import data, environment, paths, versions
from ..errors import FolderUnusable, RecordUnusable
from ..outputs import formats
from ..outputs.run_record import RunRecord
from . import predict

MAX_FOREIGN = 0.001  # a share of labels: float rounding flips a few near-ties, another model flips hundreds


def check_version(number: int, mnist, root: Path) -> tuple[str, list[str]]:
    """One line of findings for a version, and the contradictions found (empty when none)."""
    version = versions.get(number)
    folder = paths.version_folder(version.number, root)
    try:
        result = formats.read_result(folder / "result.txt")
        settings = RunRecord.read(folder).settings
        committed = {split: formats.read_labels(folder / f"assigned_labels_{split}.txt") for split in ("test", "train")}
    except (OSError, ValueError, RecordUnusable) as error:
        reason = error.reason if isinstance(error, RecordUnusable) else error
        raise FolderUnusable(f"{folder} is incomplete or unreadable ({reason}); restore it with `git checkout -- "
                             f"{folder}` or remake it with `make run VERSION={version.number}`") from None
    limit = settings.limit
    model = predict.load_model(version.number, root)
    images = {"test": (mnist.x_test[:limit], mnist.y_test[:limit]), "train": (mnist.x_train[:limit], mnist.y_train[:limit])}
    parts, problems = [], []
    for split, (x, _) in images.items():
        labels = predict.probabilities(model, version, x).argmax(-1)
        if labels.shape != committed[split].shape:
            problems.append(f"assigned_labels_{split}.txt holds {committed[split].size} labels for {labels.size} images")
            continue
        equal = int(np.sum(labels == committed[split]))
        parts.append(f"{split} labels {equal:,}/{labels.size:,} equal")
        if labels.size - equal > MAX_FOREIGN * labels.size:
            problems.append(f"{labels.size - equal} {split} labels differ from model.keras's: the label file does not "
                            "belong to this model")
    accuracy = 100 * float(np.mean(committed["test"] == images["test"][1])) if committed["test"].size == images["test"][1].size else float("nan")
    agrees = abs(accuracy - result["test_accuracy"]) < 5e-5
    parts.append(f"test accuracy {accuracy:.2f} % from assigned_labels_test.txt, result.txt says "
                 f"{result['test_accuracy']:.2f} %{'' if agrees else ' (CONTRADICTION)'}")
    if not agrees:
        problems.append(f"result.txt's test accuracy {result['test_accuracy']:.5f} % is not the "
                        f"{accuracy:.5f} % its label file gives")
    return f"version {version.number}: " + "; ".join(parts), problems


def verify(root: Path | None = None, data_path: str | None = None, numbers=None) -> int:
    root = paths.deliverables() if root is None else root
    mnist = data.load(data_path)
    kind = environment.cpu_flags()
    print(f"Checking the committed results in {root}/ on {environment.cpu_model()}, {os.cpu_count()} cores "
          f"({', '.join(kind) or 'no AVX2'}); labels made on another CPU kind may differ in a few near-ties.")
    contradictions = []
    for number in numbers or versions.available():
        line, problems = check_version(number, mnist, root)
        print(line, flush=True)
        contradictions += [f"version {number}: {problem}" for problem in problems]
    if contradictions:
        raise FolderUnusable("the committed files contradict each other: " + "; ".join(contradictions) +
                             "; remake that version with `make run VERSION=N`")
    print("verified: every version's files agree with each other and with its model")
    return 0
