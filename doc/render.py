"""`make docs`: every generated part of the docs again, from the committed data. Two kinds:

- a block, in a hand-written page, between `<!-- NAME:start (make TARGET) -->` and `<!-- NAME:end -->`
  (TARGET is the make target that writes it too; `make docs` rewrites them all). A block's text with
  a line break sits on lines of its own between the markers; one without sits inside its sentence;
- a page written whole from its committed JSON (a measurement of experiments/ or benchmarks/).

BLOCKS and PAGES name each one and the function that renders it from the files under a root.
`python doc/render.py` rewrites what differs; `--check` writes nothing, names what differs and
exits 1. tests/test_docs.py renders them all and fails when a committed one differs.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import sys
from pathlib import Path

import record_blocks as records
import result_blocks as results
from mnist_repro import versions
from mnist_repro.ladder import page as ladder_page
from mnist_repro.study import readme_table

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"<!-- ([\w-]+):start \(make ([\w-]+)\) -->")
NL = "\n"
# Where a block may sit: a marked block in any of these pages must have its function in BLOCKS.
MARKED = ("README*.md", "doc/*.md", "lock/README.md", "benchmarks/*.md")


class MissingBlock(Exception):
    pass


@functools.cache
def script(path: str):
    """A script of benchmarks/ or experiments/ whose page function a page comes from, loaded by its path."""
    spec = importlib.util.spec_from_file_location(Path(path).stem, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def kept(root: Path, path: str) -> dict | list:
    return json.loads((root / path).read_text())


def v1_gap_backends(root: Path) -> str:
    gap = script("experiments/v1_gap_backends.py")
    paper = [row[0] for row in versions.get(1).paper.epochs]
    return "\n".join(gap.backend_section(paper, root / "deliverables")).strip("\n")


# (page, block, make target, render): every block of every page.
BLOCKS = [
    ("README.md", "cpus", "docs", records.cpus),
    ("README.md", "claim", "docs", records.claim),
    ("README.md", "python", "docs", records.python),
    ("README.md", "results", "report", lambda root: readme_table.table(root / "deliverables", "en")),
    ("README.es.md", "cpus", "docs", records.cpus_es),
    ("README.es.md", "claim", "docs", records.claim_es),
    ("README.es.md", "python", "docs", records.python_es),
    ("README.es.md", "results", "report", lambda root: readme_table.table(root / "deliverables", "es")),
    ("lock/README.md", "record-pythons", "docs", records.record_pythons),
    ("doc/run.md", "distributions", "docs", records.distributions),
    ("doc/determinism.md", "seeds-avx512", "docs", records.seeds_avx512),
    ("doc/determinism.md", "seeds-avx2", "docs", records.seeds_avx2),
    ("doc/determinism.md", "determinism", "cross-cpu",
     lambda root: script("experiments/cross_cpu.py").render(kept(root, "doc/determinism.json"), root)),
    ("doc/reproduction.md", "v1-loss-gap", "docs", results.v1_loss_gap),
    ("doc/reproduction.md", "v1-gap-arms", "docs", results.v1_gap_arms),
    ("doc/reproduction.md", "v1-gap-graph-accuracy", "docs", results.v1_gap_graph_accuracy),
    ("doc/reproduction.md", "v1-gap-stack-end", "docs", results.v1_gap_stack_end),
    ("doc/performance.md", "bench-wall", "docs", results.bench_wall),
    ("doc/performance.md", "flop-per-epoch", "docs", results.flop_per_epoch),
    ("doc/performance.md", "bf16-bound", "docs", results.bf16_bound),
    ("doc/cluster.md", "cluster-share", "docs", results.cluster_share),
    ("doc/v1-gap.md", "v1-gap-backends", "v1-gap", v1_gap_backends),
]

# page -> render: the pages written whole from their JSON.
PAGES = {
    "benchmarks/results.md": lambda root: script("benchmarks/results.py").markdown(kept(root, "benchmarks/results.json")),
    "doc/bf16.md": lambda root: script("experiments/bf16_check.py").page(kept(root, "doc/bf16.json"), root / "deliverables" / "seeds"),
    "doc/cluster-measurement.md": lambda root: script("experiments/cluster_check.py").page(kept(root, "doc/cluster-measurement.json")),
    "doc/resume-measurement.md": lambda root: script("experiments/resume_check.py").page(kept(root, "doc/resume-measurement.json")),
    "doc/ladder.md": lambda root: ladder_page.render(ladder_page.gathered(root)),  # make ladder-page: its figure too
}


def filled(text: str, page: str, name: str, target: str, body: str) -> str:
    """The page's text with one block's body replaced."""
    start, end = f"<!-- {name}:start (make {target}) -->", f"<!-- {name}:end -->"
    if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
        raise MissingBlock(f"{page} has no block {name} ({start} … {end}); put its markers back, or take it out of "
                           "BLOCKS in doc/render.py")
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    if NL not in body and head.endswith(NL):  # Markdown would read that line as raw HTML, unformatted
        raise MissingBlock(f"{page}: block {name} sits inside a sentence, so its start marker must not begin a line")
    return f"{head}{start}{f'{NL}{body.strip(NL)}{NL}' if NL in body else body}{end}{tail}"


def rendered(root: Path) -> dict[str, str]:
    """Every generated page and every page with blocks, as the committed data under `root` makes it."""
    pages = {page: render(root) for page, render in PAGES.items()}
    for page, name, target, render in BLOCKS:
        text = pages.get(page) or (root / page).read_text(encoding="utf-8")
        pages[page] = filled(text, page, name, target, render(root))
    marked = {str(path.relative_to(root)) for pattern in MARKED for path in root.glob(pattern)}
    for page in sorted(marked | set(pages)):  # a marked block that nothing renders would go stale unseen
        text = pages.get(page) or (root / page).read_text(encoding="utf-8")
        unknown = {m[1] for m in MARKER.finditer(text)} - {name for p, name, _, _ in BLOCKS if p == page}
        if unknown:
            raise MissingBlock(f"{page}: no function renders block {', '.join(sorted(unknown))}; add it to BLOCKS in doc/render.py")
    return pages


def stale(root: Path) -> list[str]:
    """The pages whose committed text differs from their rendering."""
    return [page for page, text in rendered(root).items() if (root / page).read_text(encoding="utf-8") != text]


def main() -> int:
    from mnist_repro.errors import RecordUnusable
    from mnist_repro.outputs.atomic import write_text_atomic

    try:
        pages = rendered(ROOT)
    except MissingBlock as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except RecordUnusable as error:  # a committed run record missing or unreadable: its own line names it
        print(f"error: cannot render the docs from the committed data: {error}", file=sys.stderr)
        return 1
    except (OSError, ValueError, KeyError) as error:  # a data file missing or not what its block reads
        print(f"error: cannot render the docs from the committed data: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    changed = [page for page, text in pages.items() if (ROOT / page).read_text(encoding="utf-8") != text]
    if "--check" in sys.argv[1:]:
        print(f"stale, run `make docs`: {', '.join(changed)}" if changed else "every generated block and page is current")
        return 1 if changed else 0
    for page in changed:
        write_text_atomic(ROOT / page, pages[page])
    print(f"rewrote {', '.join(changed)}" if changed else "every generated block and page was current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
