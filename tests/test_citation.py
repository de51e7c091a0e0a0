"""CITATION.cff is valid Citation File Format 1.2.0 and credits the 2018 report it reproduces."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, needs_installed

pytestmark = pytest.mark.docs

CFF = ROOT / "CITATION.cff"


@pytest.mark.slow
def test_cffconvert_validates_it():
    cffconvert = Path(sys.executable).parent / "cffconvert"
    needs_installed(cffconvert.exists() or shutil.which("cffconvert") is not None, "cffconvert (requirements-test.txt)")
    done = subprocess.run([str(cffconvert if cffconvert.exists() else "cffconvert"), "--validate", "-i", str(CFF)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "valid" in (done.stdout + done.stderr).lower()


def test_it_names_this_project_and_references_the_report():
    import yaml  # PyYAML: dask needs it, and make test installs the cluster extra

    citation = yaml.safe_load(CFF.read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "version", "license"):
        assert citation[key], key
    assert citation["license"] == "MIT" and "mnist-repro" in citation["title"]
    assert "preferred-citation" not in citation  # cite this project; the report is a reference
    report, code = citation["references"]
    assert report["type"] == "report" and report["date-published"].isoformat() == "2018-11-27"
    assert report["authors"][0]["family-names"] == "Gómez-Portillo López"
    assert "Universidad de Granada" in report["institution"]["name"]
    assert code["repository-code"] == "https://github.com/gomezportillo/mnist" and code["license"] == "GPL-3.0"
