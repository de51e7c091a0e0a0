"""Run the report's notebook top to bottom in a kernel, and keep what it was run from:
`python notebooks/execute.py [--quick] [--out NOTEBOOK]` (make notebook-run, make test), or
`python notebooks/execute.py --stale` (make notebook-stale).

notebooks/report.py (jupytext's percent format) is the source that reviewers diff; report.ipynb is the
same cells with the outputs of one run of all of them, which the forge renders. A full run starts from
a clean tree of committed code, empties the list of src/ files changed since the outputs (the first
code cell's SRC_CHANGED_SINCE_OUTPUTS), runs every cell in a fresh kernel started in notebooks/ (as
JupyterLab starts it) and writes report.ipynb only when every cell ran. `--quick` sets the
environment variable the first cell reads (a slice of MNIST, one epoch, versions 2 and 3 trained)
and writes only to --out. `--stale` writes into that list the src/ files changed since the commit
the outputs record, for a change of src/ that leaves them standing, without running anything.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "report.py"
EXECUTED = HERE / "report.ipynb"
MODE = "MNIST_REPRO_NOTEBOOK"  # "quick" for make test's run; the first code cell reads it
CHANGED = re.compile(r"^SRC_CHANGED_SINCE_OUTPUTS = \[.*?\]$", re.M | re.S)
CELL_TIMEOUT_S = 3600  # one cell: version 3 trained in full on a slow CPU takes most of it


class Refused(Exception):
    """One line: what is wrong and what to do."""


def git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(HERE.parent), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise Refused(f"git {' '.join(args)} failed ({done.stderr.strip() or 'not a git checkout'}); "
                      "run this in a clone of the project")
    return done.stdout.strip()


def check_clean() -> None:
    """The outputs must come from committed code: no uncommitted change to a tracked file (but
    report.ipynb, which the run replaces) and no untracked file in src/ or notebooks/."""
    ours = str(EXECUTED.relative_to(HERE.parent))
    dirty = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
             if line[3:] != ours]
    dirty += [line[3:] for line in git("status", "--porcelain", "--", "src", "notebooks").splitlines()
              if line.startswith("??")]
    if dirty:
        raise Refused(f"uncommitted changes ({', '.join(dirty[:5])}{', ...' if len(dirty) > 5 else ''}): "
                      "the notebook's outputs come from committed code; commit or stash them, then run it again")


def with_changed(text: str, files: list[str]) -> str:
    """report.py's text with its first code cell listing `files`."""
    if not CHANGED.search(text):
        raise Refused(f"{SOURCE.name} has no line `SRC_CHANGED_SINCE_OUTPUTS = [...]` in its first code cell; "
                      "put it back (git checkout notebooks/report.py)")
    return CHANGED.sub(lambda _: f"SRC_CHANGED_SINCE_OUTPUTS = {files!r}", text, count=1)


def run(notebook, quick: bool):
    """Every cell, in order, in a fresh python3 kernel (this interpreter's) started in notebooks/;
    nbclient raises CellExecutionError at the first cell that raises."""
    from nbclient import NotebookClient
    from traitlets.config import Config

    env = {**os.environ, MODE: "quick" if quick else "full"}
    # Over Unix sockets in a folder of its own: no TCP port, which ipykernel warns about as unencrypted.
    with tempfile.TemporaryDirectory(prefix="mnist-repro-kernel-") as sockets:
        config = Config({"KernelManager": {"transport": "ipc", "ip": str(Path(sockets) / "kernel")}})
        # Diffs of report.ipynb show what changed: no timestamps, one stream output per cell and stream.
        client = NotebookClient(notebook, config=config, kernel_name="python3", timeout=CELL_TIMEOUT_S,
                                record_timing=False, coalesce_streams=True, resources={"metadata": {"path": str(HERE)}})
        client.execute(env=env)
    return notebook


def numbered(notebook):
    """The notebook with cell ids by position: jupytext draws random ones, which every run would change."""
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"
    return notebook


def write(notebook, path: Path) -> None:
    """The .ipynb beside `path`, renamed over it once whole."""
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".ipynb.partial", delete=False) as partial:
        nbformat.write(notebook, partial)
    os.chmod(partial.name, 0o644)  # a file to share, not NamedTemporaryFile's private 0600
    os.replace(partial.name, path)


def recorded(notebook) -> dict[str, str]:
    """The first code cell's printed `key: value` lines (mode, commit, machine, ...)."""
    first = next(cell for cell in notebook.cells if cell.cell_type == "code")
    text = "".join(output.get("text", "") for output in first.get("outputs", []) if output.output_type == "stream")
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def stale() -> list[str]:
    """List in report.py and report.ipynb the src/ files changed since the outputs' commit."""
    import jupytext
    from jupytext.combine import combine_inputs_with_outputs

    executed = jupytext.read(EXECUTED)
    commit = recorded(executed).get("commit", "")
    files = git("diff", "--name-only", commit, "HEAD", "--", "src").splitlines()
    text = with_changed(SOURCE.read_text(), files)
    SOURCE.write_text(text)
    write(numbered(combine_inputs_with_outputs(jupytext.reads(text, fmt="py:percent"), executed, fmt="py:percent")),
          EXECUTED)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="make test's run: a slice of MNIST, one epoch")
    parser.add_argument("--source", type=Path, default=SOURCE, help="the notebook's text (default: report.py)")
    parser.add_argument("--out", type=Path, help="where the run notebook goes (default: report.ipynb; "
                                                 "required with --quick)")
    parser.add_argument("--stale", action="store_true", help="list the src/ files changed since the outputs")
    args = parser.parse_args(argv)
    try:
        if args.stale:
            files = stale()
            print(f"{SOURCE.name}: {len(files)} src/ file(s) changed since its outputs: {', '.join(files) or 'none'}")
            return 0
        if args.quick and args.out is None:
            raise Refused("--quick needs --out: a quick run's outputs never replace the committed ones")
        return execute(args.source, args.out or EXECUTED, args.quick)
    except Refused as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as error:
        from mnist_repro.errors import missing_extra

        if missing_extra(error) is None:
            raise
        print(f"error: {missing_extra(error)}", file=sys.stderr)
        return 1


def execute(source: Path, out: Path, quick: bool) -> int:
    import jupytext
    from nbclient.exceptions import CellExecutionError

    text = source.read_text()
    if not quick:
        check_clean()
        text = with_changed(text, [])
    notebook = numbered(jupytext.reads(text, fmt="py:percent"))
    try:
        run(notebook, quick)
    except CellExecutionError as error:
        failed = next((i for i, cell in enumerate(notebook.cells, 1) if any(
            output.output_type == "error" for output in cell.get("outputs", []))), "?")
        print(str(error)[-3000:], file=sys.stderr)  # the cell and its traceback: the notebook's code to fix
        print(f"error: cell {failed} of {source.name} raised {error.ename}: {error.evalue}; fix it and run the "
              f"notebook again (nothing was written to {out})", file=sys.stderr)
        return 1
    if not quick and text != source.read_text():
        source.write_text(text)  # the list of src/ changes, emptied: these outputs are of HEAD
    write(notebook, out)
    record = recorded(notebook)
    print(f"wrote {out}" + (f" ({record['mode']} mode, commit {record['commit']})" if "mode" in record else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
