"""The report's notebook (notebooks/report.py, run into report.ipynb by notebooks/execute.py): every cell
runs in a kernel in make test's quick mode, a cell that raises fails the run, and the committed outputs
are of a full run of the cells report.py holds, naming every src/ file changed since the commit they
record."""

import ast
import json
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, load_script, needs_installed

execute = load_script("notebooks/execute.py")


def notebook_libraries() -> bool:
    try:
        import ipykernel  # noqa: F401
        import jupytext  # noqa: F401
        import nbclient  # noqa: F401
    except ModuleNotFoundError:
        return False
    return True


@pytest.fixture
def libraries():
    needs_installed(notebook_libraries(), "nbclient, ipykernel and jupytext (requirements-test.txt)")
    import jupytext
    import nbformat

    return jupytext, nbformat


def cells(notebook) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def untracked_and_changed() -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout


def listed_changes(text: str) -> list[str]:
    return ast.literal_eval(execute.CHANGED.search(text).group(0).split("=", 1)[1].strip())


@pytest.mark.slow
def test_every_cell_runs_in_a_kernel_in_quick_mode(libraries, tmp_path, capsys):
    jupytext, nbformat = libraries
    before = untracked_and_changed()
    out = tmp_path / "report.ipynb"
    assert execute.main(["--quick", "--out", str(out)]) == 0, capsys.readouterr().err[-3000:]
    notebook = nbformat.read(out, as_version=4)
    assert cells(notebook) == cells(jupytext.read(execute.SOURCE))  # every cell of report.py, as written
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))  # none skipped
    assert not [output for cell in code for output in cell.outputs if output.output_type == "error"]
    assert execute.recorded(notebook)["mode"] == "quick"
    assert untracked_and_changed() == before  # written under build/ or tmp only


@pytest.mark.slow
def test_a_cell_that_raises_fails_the_run_and_writes_nothing(libraries, tmp_path, capsys):
    """A scratch copy of report.py with a raising cell after its first code cell."""
    jupytext, _ = libraries
    notebook = jupytext.read(execute.SOURCE)
    first = next(index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code")
    notebook.cells.insert(first + 1, jupytext.reads("raise RuntimeError('a cell that raises')", fmt="py:percent").cells[0])
    scratch, out = tmp_path / "report.py", tmp_path / "report.ipynb"
    jupytext.write(notebook, scratch, fmt="py:percent")
    assert execute.main(["--quick", "--source", str(scratch), "--out", str(out)]) == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(f"error: cell {first + 2} of report.py raised RuntimeError: a cell that raises;"), last
    assert not out.exists() and not list(tmp_path.glob("*.partial"))


@pytest.mark.slow  # jupytext starts `pandoc --version` when it reads a notebook
def test_the_committed_outputs_are_a_full_run_of_report_py(libraries):
    jupytext, nbformat = libraries
    executed = nbformat.read(execute.EXECUTED, as_version=4)
    assert cells(executed) == cells(jupytext.read(execute.SOURCE)), (
        "report.ipynb's cells differ from report.py's: run `make notebook-run`")
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    assert not [output for cell in code for output in cell.outputs if output.output_type == "error"]
    assert execute.recorded(executed)["mode"] == "full"


@pytest.mark.slow  # jupytext starts `pandoc --version` when it reads a notebook
def test_the_src_files_changed_since_the_outputs_are_listed(libraries):
    jupytext, nbformat = libraries
    commit = execute.recorded(nbformat.read(execute.EXECUTED, as_version=4))["commit"]
    known = subprocess.run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=ROOT, capture_output=True)
    if subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True).returncode != 0:
        pytest.skip("not a git checkout")
    assert known.returncode == 0, f"report.ipynb's outputs record commit {commit}, which this clone lacks"
    changed = subprocess.run(["git", "diff", "--name-only", commit, "HEAD", "--", "src"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    missing = sorted(set(changed) - set(listed_changes(execute.SOURCE.read_text())))
    assert not missing, (f"src/ changed since the notebook's outputs (commit {commit[:12]}): {', '.join(missing)}; "
                         "run `make notebook-run` to run it again, or `make notebook-stale` to list them in its first cell")


@pytest.mark.slow  # jupytext starts `pandoc --version` when it reads a notebook
def test_stale_lists_the_changes_and_keeps_the_outputs(libraries, tmp_path, monkeypatch):
    """On copies, with the outputs' commit moved back to before the last change of src/."""
    jupytext, nbformat = libraries
    last = subprocess.run(["git", "log", "-1", "--format=%H", "--", "src"], cwd=ROOT, capture_output=True, text=True)
    if last.returncode != 0 or not last.stdout.strip():
        pytest.skip("not a git checkout")
    before = f"{last.stdout.strip()}^"
    executed = nbformat.read(execute.EXECUTED, as_version=4)
    first = next(cell for cell in executed.cells if cell.cell_type == "code")
    commit = execute.recorded(executed)["commit"]
    for output in first.outputs:
        output["text"] = output.get("text", "").replace(commit, before)
    nbformat.write(executed, tmp_path / "report.ipynb")
    shutil.copy(execute.SOURCE, tmp_path / "report.py")
    monkeypatch.setattr(execute, "SOURCE", tmp_path / "report.py")
    monkeypatch.setattr(execute, "EXECUTED", tmp_path / "report.ipynb")

    files = execute.stale()
    assert files and files == subprocess.run(["git", "diff", "--name-only", before, "HEAD", "--", "src"], cwd=ROOT,
                                             capture_output=True, text=True).stdout.split()
    assert listed_changes((tmp_path / "report.py").read_text()) == files
    again = nbformat.read(tmp_path / "report.ipynb", as_version=4)
    assert cells(again) == cells(jupytext.read(tmp_path / "report.py"))
    assert json.dumps([cell.get("outputs") for cell in again.cells]) == json.dumps(
        [cell.get("outputs") for cell in executed.cells])


def test_without_the_notebook_libraries_one_line_names_the_extra(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "jupytext", None)  # import jupytext raises ModuleNotFoundError
    assert execute.main(["--quick", "--out", str(tmp_path / "report.ipynb")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'notebook' extra" in err and "make notebook" in err, err
