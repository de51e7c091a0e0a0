"""User errors: one line naming the problem and the fix, a non-zero exit, no traceback, nothing written."""

import subprocess
import sys

import pytest

from conftest import ROOT, assert_one_line_error, cli_env, run_cli


@pytest.mark.parametrize("args, fragments, code", [
    (["run", "--version", "4"], ["unknown version '4'", "1, 2, 3"], 2),
    (["run", "--version", "three"], ["unknown version 'three'"], 2),
    (["run", "--epochs", "0"], ["--epochs", "must be at least 1"], 2),
    (["run", "--epochs", "-3"], ["--epochs", "must be at least 1"], 2),
    (["run", "--epochs", "ten"], ["--epochs", "not a whole number"], 2),
    (["run", "--batch-size", "0"], ["--batch-size"], 2),
    (["run", "--batch-size", "1.5"], ["--batch-size", "not a whole number"], 2),
    (["run", "--validation", "holdout"], ["--validation", "invalid choice"], 2),
    (["run", "--data", "/nonexistent/mnist.npz"], ["/nonexistent/mnist.npz", "does not exist"], 2),
    (["bogus"], ["invalid choice"], 2),
])
def test_bad_arguments(args, fragments, code, tmp_path):
    done = run_cli(*args, "--out", tmp_path / "out") if args[0] == "run" else run_cli(*args)
    assert_one_line_error(done, *fragments)
    assert done.returncode == code
    assert not (tmp_path / "out" / "ver_3").exists()


# main() in a fresh process, then whether TensorFlow or Keras was ever imported there.
NEVER_LOADED = """
import sys
from mnist_repro.__main__ import main
code = main(sys.argv[1:])
loaded = sorted(name for name in ("tensorflow", "keras") if name in sys.modules)
print(f"exit {code}, loaded {loaded}")
"""


@pytest.mark.parametrize("args", [["run", "--version", "4"], ["run", "--data", "/nonexistent/mnist.npz"],
                                  ["predict", "/nonexistent/digit.png"]], ids=["version", "data", "predict"])
@pytest.mark.slow
def test_bad_input_fails_before_tensorflow_loads(tmp_path, args):
    done = subprocess.run([sys.executable, "-c", NEVER_LOADED, *args, *(["--out", tmp_path] if args[0] == "run" else [])],
                          cwd=ROOT, env=cli_env(), capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines()[-1] in ("exit 1, loaded []", "exit 2, loaded []"), done.stdout + done.stderr
    assert done.stderr.startswith("error: ") and len(done.stderr.splitlines()) == 1, done.stderr
    assert "Using TensorFlow" not in done.stdout


def test_unwritable_output_folder(tmp_path, mnist_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    done = run_cli("run", "--version", 1, "--data", mnist_path, "--out", blocker / "out")
    assert_one_line_error(done, "cannot write to output folder", "--out")


def test_help_states_the_defaults():
    done = run_cli("run", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())  # argparse wraps lines anywhere
    for default in ("default: 3", "default: 0", "default: train", "default: deliverables"):
        assert default in text


@pytest.mark.slow
@pytest.mark.parametrize("version", ["4", "x"])
def test_make_rejects_an_invalid_version(version):
    done = subprocess.run(["make", "-s", "run", f"VERSION={version}"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode != 0
    assert f"VERSION={version} is not a version of the report; use one of: 1 2 3" in done.stderr
