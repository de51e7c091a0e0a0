"""The scripts outside the package (benchmarks/: `make bench`; experiments/: the checks and
experiments) run against the installed package, each from its own folder as `python
FOLDER/SCRIPT.py` runs it, with no sys.path or PYTHONPATH edit of their own."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import subprocess
import sys

import pytest

from conftest import ROOT, cli_env, load_script

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


def test_the_bench_page_says_how_each_number_was_taken():
    results = load_script("benchmarks/results.py")
    bench = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    assert bench["settings"]["full_run"] is False and bench["full_run"]["source"]  # the committed run, not timed
    page = results.markdown(bench)
    assert "timed epochs. An epoch" in page and "of the full run" not in page
    assert results.REST_OF_COMMITTED_RUN in page and "Python start-up and exit" not in page
    assert "Test accuracy 98.95 %." in page and not re.search(r", \s*$", page, re.M)  # no dangling list

    timed = copy.deepcopy(bench)
    timed["settings"]["full_run"] = True
    timed["full_run"].update(source=None, peak_rss_mib=1400.0)
    page = results.markdown(timed)
    assert "timed epochs (v3 default: epochs 2–20 of the full run)." in page
    assert results.REST_OF_TIMED_RUN in page and "Test accuracy 98.95 %, peak RSS 1,400 MiB." in page
