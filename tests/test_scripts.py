"""The scripts outside the package (benchmarks/: `make bench`; experiments/: the checks and
experiments) run against the installed package, each from its own folder as `python
FOLDER/SCRIPT.py` runs it, with no sys.path or PYTHONPATH edit of their own."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from conftest import ROOT, cli_env

NEEDS = {"torch_worker": "torch"}  # a peer's own library, installed by `make bench` in .venv-bench only


@pytest.mark.parametrize("folder", ["benchmarks", "experiments"])
def test_every_script_imports_against_the_installed_package(folder):
    scripts = sorted((ROOT / folder).glob("*.py"))
    assert scripts
    for script in scripts:
        source = script.read_text()
        assert "sys.path" not in source and "PYTHONPATH" not in source, script
    names = [s.stem for s in scripts if importlib.util.find_spec(NEEDS.get(s.stem, "json")) is not None]
    done = subprocess.run([sys.executable, "-c", "import " + ", ".join(names)], cwd=ROOT / folder, env=cli_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
