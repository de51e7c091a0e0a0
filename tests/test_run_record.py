"""metrics.json through its one class: every committed record reads into typed fields and writes back
byte for byte; a missing, damaged or foreign record is one error that says which."""

import json
import subprocess

import pytest

from conftest import ROOT
from mnist_repro.errors import FolderUnusable, RecordUnusable
from mnist_repro.outputs.run_record import FILE, FORMAT, RunRecord


def committed_records() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "deliverables/**/metrics.json", "deliverables/*/metrics.json"],
                            cwd=ROOT, capture_output=True, text=True)
    found = listed.stdout.split() if listed.returncode == 0 else []
    return sorted(set(found)) or sorted(str(p.relative_to(ROOT)) for p in (ROOT / "deliverables").glob("**/metrics.json"))


def test_every_committed_record_round_trips_byte_for_byte():
    paths = committed_records()
    assert len(paths) >= 117  # ver_N of each backend and every study seed
    for path in paths:
        text = (ROOT / path).read_text()
        record = RunRecord.from_json(text, path)
        assert record.to_json() == text, path
        assert isinstance(record.results.test_errors, int) and 0 <= record.results.test_accuracy <= 100
        assert len(record.history) == record.settings.epochs == len(record.timing.epoch_s), path
        assert record.settings.backend in ("tensorflow", "jax", "torch")


def test_a_record_from_before_backends_reads_as_tensorflow_and_stays_without_the_key(tmp_path):
    text = (ROOT / "deliverables" / "ver_1" / FILE).read_text()
    mapping = json.loads(text)
    mapping["settings"].pop("backend", None)
    older = json.dumps(mapping, indent=2) + "\n"
    record = RunRecord.from_json(older)
    assert record.settings.backend == "tensorflow"
    assert record.to_json() == older


@pytest.mark.parametrize("damage, reason", [
    (None, "no metrics.json (run incomplete)"),
    ('{"format": 2, "vers', "metrics.json unreadable (JSONDecodeError)"),
    ('{"version": 1}', "metrics.json is from an older mnist-repro (before format 2)"),
    ('{"format": 2, "version": 1}', "metrics.json does not hold a run's record"),
    ("typed", "metrics.json does not hold a run's record (results.test_errors = 'many' is not int)"),
    ("unknown", "metrics.json does not hold a run's record (settings: unknown learning_rate)"),
])
def test_a_missing_or_foreign_record_is_one_error_naming_why(tmp_path, damage, reason):
    if damage in ("typed", "unknown"):
        mapping = json.loads((ROOT / "deliverables" / "ver_1" / FILE).read_text())
        if damage == "typed":
            mapping["results"]["test_errors"] = "many"
        else:
            mapping["settings"]["learning_rate"] = 0.001
        damage = json.dumps(mapping)
    if damage is not None:
        (tmp_path / FILE).write_text(damage)
    with pytest.raises(RecordUnusable) as refused:
        RunRecord.read(tmp_path)
    assert refused.value.reason.startswith(reason) and isinstance(refused.value, FolderUnusable)
    assert str(refused.value).startswith(f"{tmp_path}: {reason}") and "make run" in str(refused.value)
    assert refused.value.exit_code == 1 and FORMAT == 2


def test_a_record_read_from_a_folder_loads_its_model():
    record = RunRecord.read(ROOT / "deliverables" / "ver_1")
    model = record.load_model()
    assert tuple(model.input_shape[1:]) == (28, 28) and record.folder == ROOT / "deliverables" / "ver_1"
