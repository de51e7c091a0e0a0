"""`make v1-gap`: the page's reading and its 2018-stack row from made-up runs, an arm that cannot run
keeping its committed runs, and the 2018 stack's own lock (lock/tf112.py): its hashes computed from the
files, a damaged hash stopping the install in one line, one line where there is no CPython 3.6."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT, assert_one_line_error, load_script
from mnist_repro import versions
from mnist_repro.study.stats import permutation_p_value
from test_lock import tiny_wheel

PAPER = [row[0] for row in versions.get(1).paper.epochs]


@pytest.fixture
def gap(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "experiments"))  # v1_gap_report imports the page's sections beside it
    return load_script("experiments/v1_gap_report.py")


@pytest.fixture
def stack(gap):
    import v1_gap_stack

    return v1_gap_stack


def made_up_stack_run(seed: int, scale: float) -> dict:
    """A 2018-stack record of the shape experiments/v1_2018.py prints (the CPU added by v1_gap.py)."""
    loss = [value * scale for value in PAPER]
    return {"loss": loss, "test_accuracy": 97.6 + seed / 10, "training_time_s": 20.0 + seed, "train_loss": 0.01,
            "train_accuracy": 99.8, "test_loss": 0.08, "epochs": {"loss": loss, "acc": [0.9] * 15},
            "python": "3.6.15", "tensorflow": "1.12.0", "keras": "2.1.6-tf", "keras_package": "2.2.4",
            "numpy": "1.19.5", "cpu": "AMD EPYC", "cpu_flags": ["avx2", "avx512f"]}


def test_the_2018_stack_row_and_section_are_computed_from_its_runs(gap, tmp_path):
    stack = [made_up_stack_run(seed, scale) for seed, scale in enumerate([0.96, 1.0, 1.04])]
    default = [[value * 0.9 for value in PAPER]] * 2  # older records: bare loss lists, no CPU
    results = {"keras3": default, "2018-stack": stack}
    gap.write(results, tmp_path, deliverables=tmp_path / "none")
    text = (tmp_path / "v1-gap.md").read_text()
    row = next(line for line in text.splitlines() if line.startswith("| 2018-stack |")).split(" | ")
    assert row[1:6] == ["1.000"] * 5 and row[6] == "1.000"  # the seed mean is the paper's curve
    assert row[7] == "15 of 15" and row[8] == "97.70 ± 0.10 %" and row[9] == "21.0 ± 1.0 s"
    assert row[10:] == ["3", "AMD EPYC (AVX-512) |"]
    keras3 = next(line for line in text.splitlines() if line.startswith("| keras3 |")).split(" | ")
    assert keras3[1] == "0.900" and keras3[8:10] == ["not recorded", "not recorded"]
    assert "1 of the 2 arms ran before runs recorded it" in text
    section = text.split("## The 2018 stack, epoch by epoch")[1].split("## On each backend")[0]
    assert len([line for line in section.splitlines() if line.startswith("| ") and line[2].isdigit()]) == 15
    assert section.count("| inside |") == 15
    assert json.loads((tmp_path / "v1-gap.json").read_text()) == {"paper": PAPER, "arms": results}


def test_the_epochs_outside_the_arms_spread_are_named(stack):
    # Epochs 1-14 at 0.90-0.92 of the paper's: its value lies above the interval, mean ± 4.30 · 0.01 · 1.15;
    # epoch 15 at 0.99-1.01 of it: inside.
    runs = [[value * scale for value in PAPER[:14]] + [PAPER[14] * end] for scale, end in
            ((0.90, 0.99), (0.91, 1.0), (0.92, 1.01))]
    assert stack.inside_epochs(runs, PAPER) == [15]
    assert stack.inside_text(runs, PAPER) == f"1 of 15 (not {', '.join(str(e) for e in range(1, 15))})"
    assert stack.inside_text(runs[:1], PAPER) == "—"  # one run has no interval


def moved(text: str, arm: str, direction: str) -> float:
    """The move the reading gives for `arm` in `direction` ("nearer to" or "further from")."""
    return float(re.search(rf"{re.escape(arm)} (\d\.\d{{3}}) {direction} it", text).group(1))


def test_the_reading_gives_each_arms_direction_against_the_default(gap):
    paper = [0.4, 0.2, 0.1, 0.05]
    default = [[0.38, 0.19, 0.09, 0.045], [0.39, 0.19, 0.095, 0.046]]  # ratios 0.925 and 0.91 in the second half
    results = {"keras3": default, "keras3-logits": [list(run) for run in default],
               "keras2": [[0.37, 0.18, 0.08, 0.040]] * 2,  # 0.8 and 0.8: further from the paper than the default
               "2018-stack": [[0.4, 0.2, 0.1, 0.05], [0.41, 0.2, 0.1, 0.05]]}  # 1.0 and 1.0: on it
    text = "\n".join(gap.conclusion(results, paper, today=[]))
    assert "keras3-logits equals keras3 value for value" in text  # the repeat is left out of the comparison
    assert "keras3-logits" not in text.split("Against the faithful default")[1]
    assert moved(text, "keras2", "further from") == pytest.approx((0.125 + 0.11) / 2, abs=0.001)
    assert moved(text, "(the nearest: keras2", "further from") == moved(text, "keras2", "further from")
    assert moved(text, "2018-stack", "nearer to") == pytest.approx((0.075 + 0.09) / 2, abs=0.001)
    results["keras3-logits"] = [[0.38, 0.19, 0.09, 0.044], default[1]]
    assert "value for value" not in "\n".join(gap.conclusion(results, paper, today=[]))
    assert gap.conclusion({"keras3": default, "keras3-logits": default}, paper, today=[])[-1] == \
        "No arm computes anything other than the faithful default."


def test_the_2018_stack_is_tested_against_todays_tensorflow_at_the_last_epoch(stack):
    runs = [[value * scale for value in PAPER] for scale in (0.90, 0.92, 0.94, 0.96)]  # below the log throughout
    same = [[value * scale for value in PAPER] for scale in (0.91, 0.93, 0.95)]
    p, method = permutation_p_value([run[-1] for run in same], [run[-1] for run in runs])
    text = stack.stack_sentence(runs, PAPER, same)
    assert f"its mean loss is {0.93 / 0.93:.3f} of today's" in text and f"({method}) gives p = {p:.3f}" in text
    assert p >= 0.05 and "no evidence that the stack moves it" in text and "the gap is not the change of stack" in text
    assert "at the last epoch it is above 4 of the 4 runs" in text
    lower = [[value * scale for value in PAPER] for scale in (0.50, 0.51, 0.52)]
    text = stack.stack_sentence(runs, PAPER, lower)
    assert "the stack moves it (p < 0.05)" in text and "the gap is not" not in text


def test_an_arm_that_cannot_run_keeps_its_committed_runs(monkeypatch):
    v1_gap = load_script("experiments/v1_gap.py")
    monkeypatch.setattr(v1_gap, "run_arm", lambda arm, seed: "skipped: no CPython 3.6 found")
    kept = {"keras3": [[0.3]], "2018-stack": [{"loss": [0.3]}]}
    assert v1_gap.run_arms(["2018-stack"], kept) == kept
    assert v1_gap.run_arms(["keras2"], {}) == {"keras2": "skipped: no CPython 3.6 found"}  # nothing to keep: said


def test_the_2018_lock_hashes_the_files_it_names(tmp_path):
    tf112 = load_script("lock/tf112.py")
    wheel, sdist = tmp_path / "Keras_Applications-1.0.8-py3-none-any.whl", tmp_path / "termcolor-1.1.0.tar.gz"
    wheel.write_bytes(b"a wheel")
    sdist.write_bytes(b"an sdist")
    text = tf112.lock_text([sdist, wheel])
    assert tf112.entry(text, "keras-applications") == \
        f"keras-applications==1.0.8 \\\n    --hash=sha256:{hashlib.sha256(b'a wheel').hexdigest()}\n"
    assert tf112.entry(text, "termcolor").endswith(f"{hashlib.sha256(b'an sdist').hexdigest()}\n")
    committed = (ROOT / "lock" / "tf112.txt").read_text()
    assert tf112.entry(committed, "pip").startswith("pip==21.3.1 \\\n") and tf112.entry(committed, "pip").count("--hash") == 1


def without_python36(tmp_path, **extra) -> dict:
    """An environment with no PYTHON36 and no pyenv on PATH."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHON36"}
    return {**env, "PATH": "/usr/bin:/bin", **extra}


@pytest.mark.slow
@pytest.mark.parametrize("python36, says", [(None, "no CPython 3.6 found"),
                                            (sys.executable, "is not a CPython 3.6 interpreter")])
def test_no_python36_is_one_line_that_says_how_to_get_one(tmp_path, python36, says):
    env = without_python36(tmp_path, **({"PYTHON36": python36} if python36 else {}))
    done = subprocess.run([sys.executable, str(ROOT / "lock" / "tf112.py"), "install", str(tmp_path / "venv")],
                          env=env, capture_output=True, text=True, timeout=60)
    line = assert_one_line_error(done, says, "PYTHON36=/path/to/python3.6", "pyenv install 3.6.15")
    assert done.returncode == 2 and done.stderr.strip() == line and not (tmp_path / "venv").exists()


@pytest.mark.slow
def test_a_damaged_hash_stops_the_2018_stack_in_one_line(tmp_path, capfd):
    tf112 = load_script("lock/tf112.py")
    try:
        python36 = tf112.find_python36()
    except tf112.NoPython36 as error:
        pytest.skip(str(error))
    wheel, true_hash = tiny_wheel(tmp_path)
    lock = tmp_path / "tf112.txt"
    lock.write_text(f"mnist-repro-lock-probe==1.0 \\\n    --hash=sha256:{'0' * 64}\n")
    venv = tmp_path / "venv"
    returncode = tf112.install(python36, venv, lock, "--no-index", "--find-links", str(tmp_path))  # the wheel: PyPI's
    err = capfd.readouterr().err
    assert returncode == 1 and not venv.exists(), err  # nothing half-installed is left
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: mnist-repro-lock-probe 1.0 does not match its hash"), err
    assert f"expected sha256 {'0' * 12}" in lines[0] and f"got {true_hash[:12]}" in lines[0]
