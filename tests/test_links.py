"""Every link and every repository path the docs name resolves in a clone (issue: the repo stands alone).

Checked in README*.md and doc/*.md, against the files git tracks (what a fresh clone has):
- each relative Markdown link `[text](target)`, with its `#anchor` when it points into a Markdown file;
- each path in backticks whose first part is a tracked top-level entry (`src/…`, `doc/…`, `Makefile`).
  `ver_N`, `seed_S` and `*` stand for any version, seed or name.
"""

import fnmatch
import re
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parents[1]
# Paths the docs name on purpose although no clone of this project has them, and why.
NOT_IN_A_CLONE = {
    "src/mnist_repro/versions/v4.py": "the example of adding a version",
    "src/mnist.py": "the original repository's script, named where the docs quote it",
    "deliverables/jax/ver_N/": "written by the first JAX run; none is committed yet",
    "deliverables/torch/ver_N/": "written by the first torch run; none is committed yet",
    "deliverables/jax/seeds/ver_N/seed_S/": "written by the first JAX study run; none is committed yet",
}
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")
BACKTICKED = re.compile(r"`([^`\s]+)`")
PLACEHOLDERS = {"ver_N": "ver_*", "seed_S": "seed_*"}


def tracked() -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files are what a clone has")
    return out.splitlines()


FILES = tracked() if (ROOT / ".git").exists() else []
DOCS = sorted(f for f in FILES if re.fullmatch(r"README[^/]*\.md|doc/[^/]+\.md", f))
TOP = {f.split("/")[0] for f in FILES}


def exists(path: str) -> bool:
    path = path.rstrip("/")
    return any(fnmatch.fnmatchcase(f, path) or fnmatch.fnmatchcase(f, path + "/*") for f in FILES)


def slug(heading: str) -> str:  # GitHub's anchor for a heading
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    return {slug(m.group(1)) for m in re.finditer(r"^#+\s+(.*)$", markdown, re.M)}


def without_code_blocks(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)


def test_the_docs_are_found():
    if not FILES:
        pytest.skip("not a git checkout: the tracked files are what a clone has")
    assert "README.md" in DOCS and "doc/reproduction.md" in DOCS


@pytest.mark.parametrize("doc", DOCS)
def test_relative_links_resolve(doc):
    text = without_code_blocks((ROOT / doc).read_text(encoding="utf-8"))
    broken = []
    for match in LINK.finditer(text):
        target = match.group(1) or match.group(2)
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto: outside the clone by design
        path, _, anchor = target.partition("#")
        resolved = (ROOT / doc).parent / path if path else ROOT / doc
        relative = resolved.resolve().relative_to(ROOT).as_posix() if resolved.resolve().is_relative_to(ROOT) else None
        if relative is None or not exists(relative):
            broken.append(target)
        elif anchor and relative.endswith(".md") and anchor not in anchors((ROOT / relative).read_text(encoding="utf-8")):
            broken.append(f"{target} (no such heading)")
    assert not broken, f"{doc}: links that a clone cannot follow: {broken}"


@pytest.mark.parametrize("doc", DOCS)
def test_backticked_paths_exist(doc):
    text = without_code_blocks((ROOT / doc).read_text(encoding="utf-8"))
    missing = []
    for token in BACKTICKED.findall(text):
        token = token.rstrip(".,;:")
        if token.split("/")[0] not in TOP or "…" in token or token in NOT_IN_A_CLONE:
            continue
        token, _, test_name = token.partition("::")  # a test named as file::function
        pattern = "/".join(PLACEHOLDERS.get(part, part) for part in token.split("/"))
        pattern = re.sub(r"ver_N|seed_S", "*", pattern)
        if not exists(pattern):
            missing.append(token)
        elif test_name and f"def {test_name}(" not in (ROOT / token).read_text(encoding="utf-8"):
            missing.append(f"{token}::{test_name}")
    assert not missing, f"{doc}: paths that a clone does not have: {missing}"
