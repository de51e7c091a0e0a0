"""`make test-pythons` (lock/pythons.py) without its rows' minutes: pytest's summary read back into
counts and skip reasons, a backend's skip seen wherever its mark sits, and a supported Python missing
from PATH failing the matrix in its table and its exit code."""

from __future__ import annotations

import json

from conftest import load_script

SUMMARY = """\
SKIPPED [4] tests/backend_checks.py:111: --backend torch: no wheel here
SKIPPED [1] tests/test_backends_torch.py:37: --backend torch: no wheel here
SKIPPED [2] tests/test_serve.py:90: chromium-driver not found
FAILED tests/test_study.py::test_x
2 failed, 399 passed, 7 skipped, 437 warnings in 748.13s (0:12:28)
"""


def test_the_suites_summary_is_read_back():
    counts = load_script("lock/pythons.py").suite_counts(SUMMARY)
    assert counts == {"passed": 399, "failed": 2, "backend_skipped": True,
                      "skipped": {"--backend torch: no wheel here": 5, "chromium-driver not found": 2}}
    clean = load_script("lock/pythons.py").suite_counts("406 passed, 437 warnings in 1805.82s (0:30:05)\n")
    assert clean == {"passed": 406, "failed": 0, "skipped": {}, "backend_skipped": False}


def test_a_missing_python_fails_the_matrix(tmp_path, monkeypatch, capsys):
    pythons = load_script("lock/pythons.py")
    monkeypatch.setattr(pythons, "OUT", tmp_path)
    monkeypatch.setattr(pythons, "found", lambda version: None)
    monkeypatch.setenv("PYTHONS_PAGE", str(tmp_path / "page.md"))
    assert pythons.main() == 1
    made = json.loads((tmp_path / "results.json").read_text())
    assert [row["python"] for row in made["rows"]] == ["3.11", "3.12", "3.13"] and all(row["missing"] for row in made["rows"])
    errors = capsys.readouterr().err.splitlines()
    assert errors == [f"error: CPython {version}: python{version} is not on PATH (or does not run)" for version in ("3.11", "3.12", "3.13")]
    rows = [line for line in (tmp_path / "page.md").read_text().splitlines() if line.startswith("| 3.1")]
    assert len(rows) == 3 and all("not found on PATH" in row for row in rows)
