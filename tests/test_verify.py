"""`make verify`: the committed models relabel MNIST into the committed label files, and a folder
whose files contradict each other fails in one line."""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import ROOT, assert_one_line_error, call_cli


@pytest.mark.slow
def test_the_committed_results_verify():
    done = call_cli("verify")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Checking the committed results in deliverables/ on ")
    for number in (1, 2, 3):
        line = next(line for line in lines if line.startswith(f"version {number}: "))
        found = re.fullmatch(rf"version {number}: test labels ([\d,]+)/10,000 equal; train labels ([\d,]+)/60,000 "
                             r"equal; test accuracy ([\d.]+) % from assigned_labels_test.txt, result.txt says ([\d.]+) %", line)
        assert found, line
        assert found.group(3) == found.group(4)
        result = (ROOT / "deliverables" / f"ver_{number}" / "result.txt").read_text()
        assert f"Test accuracy: {found.group(3)}" in result
    assert lines[-1] == "verified: every version's files agree with each other and with its model"


@pytest.fixture
def copy_of_ver_1(tmp_path):
    shutil.copytree(ROOT / "deliverables" / "ver_1", tmp_path / "ver_1")
    return tmp_path


def test_a_result_its_labels_do_not_give_is_a_contradiction(copy_of_ver_1):
    result = copy_of_ver_1 / "ver_1" / "result.txt"
    result.write_text(re.sub(r"Test accuracy: [\d.]+%", "Test accuracy: 99.99000%", result.read_text()))
    done = call_cli("verify", "--root", copy_of_ver_1, "--version", 1)
    assert done.returncode == 1
    assert_one_line_error(done, "contradict", "result.txt's test accuracy 99.99000 %", "make run VERSION=N")


def test_labels_of_another_model_are_a_contradiction(copy_of_ver_1):
    # version 3's labels in version 1's folder: both are good MNIST labels, but not this model's.
    for split in ("test", "train"):
        shutil.copyfile(ROOT / "deliverables" / "ver_3" / f"assigned_labels_{split}.txt",
                        copy_of_ver_1 / "ver_1" / f"assigned_labels_{split}.txt")
    done = call_cli("verify", "--root", copy_of_ver_1, "--version", 1)
    assert_one_line_error(done, "contradict", "labels differ from model.keras's: the label file does not belong")
    assert done.returncode == 1
    assert "result.txt's test accuracy" in done.stderr  # v3's labels give v3's accuracy, not v1's result


def test_a_missing_file_names_the_folder_and_the_fix(copy_of_ver_1):
    (copy_of_ver_1 / "ver_1" / "assigned_labels_train.txt").unlink()
    done = call_cli("verify", "--root", copy_of_ver_1, "--version", 1)
    assert_one_line_error(done, "ver_1 is incomplete", "make run VERSION=1")
    assert done.returncode == 1
