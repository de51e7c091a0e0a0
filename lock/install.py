"""Install a lock file into a virtual environment with pip's hash checking, and say in one line
which package failed if one does: `python lock/install.py VENV_PYTHON LOCK_FILE [PIP_OPTION ...]`.

Every line of a lock names one file's version and the SHA-256 of each of its wheels and sdists
(`make lock` writes them). pip's `--require-hashes` refuses any download whose hash is not listed,
and any package that the lock does not pin; its own report of a mismatch is a paragraph, so this
turns it into the one line the rest of the project prints for a failure. A lock may name where
pip finds a package that is not on PyPI (lock/torch.txt: PyTorch's CPU wheel on PyTorch's index,
in a `--find-links` line). Such a place that does not answer here is left out (pip would retry it for
each package, to find nothing), and a package found nowhere names it too, and what to do.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

# pip's report: "    absl-py==2.5.1 from https://.../absl_py-2.5.1-py3-none-any.whl (from -r LOCK (line 3)):",
# then one "Expected" line per locked hash ("Expected sha256 H", "Expected     or H"), then "Got  H".
MISMATCH = re.compile(r"^\s+(\S+?)==(\S+) from (\S+?)(?: \(from .*\))?:?\s*\n\s+Expected sha256 (\S+)\n(?:\s+Expected\s+or \S+\n)*\s+Got\s+(\S+)",
                      re.M)
# Noise once the install worked: a location of this machine's pip config that holds nothing for a
# package, and pip's retries of a lock's own location that this machine cannot reach (PyTorch's index
# where a local wheel folder stands in for it).
NOISE = re.compile(r"^WARNING: (Location '.*' is ignored|Retrying \(Retry\(.* after connection broken by )")
NOT_FOUND = "No matching distribution found for "


def own_locations(lock: str) -> list[str]:
    """The places besides PyPI that the lock's own option lines send pip to."""
    return re.findall(r"^(?:--find-links|-f|--extra-index-url)[ =]\s*(\S+)", Path(lock).read_text(), re.M)


def reachable(place: str) -> bool:
    """Whether a URL's host answers within seconds (a folder counts as reachable)."""
    url = urlsplit(place)
    if url.scheme not in ("http", "https"):
        return True
    try:
        socket.create_connection((url.hostname, url.port or (443 if url.scheme == "https" else 80)), timeout=5).close()
    except OSError:
        return False
    return True


def without_unreachable(lock: str, folder: str) -> str:
    """The lock, or a copy in `folder` without its own locations that this machine cannot reach: pip
    would retry such a location for every package (about 8 s each), to find nothing there."""
    gone = [place for place in own_locations(lock) if not reachable(place)]
    if not gone:
        return lock
    kept = [line for line in Path(lock).read_text().splitlines(keepends=True)
            if not any(line.rstrip().endswith(" " + place) and line.startswith("-") for place in gone)]
    copy = Path(folder) / Path(lock).name
    copy.write_text("".join(kept))
    return str(copy)


def one_line(stderr: str, lock: str) -> str:
    """The message for a failed install: a hash mismatch names the package, anything else gives
    pip's own error line."""
    found = MISMATCH.search(stderr)
    if found:
        name, version, url, expected, got = found.groups()
        return (f"error: {name} {version} does not match its hash in {lock} (expected sha256 {expected[:12]}…, "
                f"got {got[:12]}… from {url.rsplit('/', 1)[-1]}); the file differs from the one locked, so "
                "nothing was installed from it: check where it came from, and only if the change is "
                "genuine run `make lock`")
    errors = [line.removeprefix("ERROR: ") for line in stderr.splitlines() if line.startswith("ERROR: ")]
    reason = errors[-1] if errors else (stderr.strip().splitlines() or ["pip failed"])[-1]
    places = own_locations(lock) if reason.startswith(NOT_FOUND) else []
    if places:
        reason += (f" on PyPI or on {' '.join(places)}, where {lock} finds what PyPI lacks: let this machine "
                   "reach both, or run again with PIP_FIND_LINKS=FOLDER, a folder holding the missing wheel")
    return f"error: installing {lock} failed: {reason}"


def main(python: str, lock: str, *pip_options: str) -> int:
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run([python, "-m", "pip", "install", "-q", "--require-hashes", "-r",
                               without_unreachable(lock, folder), *pip_options], capture_output=True, text=True)
    sys.stdout.write(done.stdout)
    if done.returncode == 0:
        sys.stderr.write("".join(line + "\n" for line in done.stderr.splitlines() if not NOISE.match(line)))
        return 0
    print(one_line(done.stderr, lock), file=sys.stderr)
    return 1


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: python lock/install.py VENV_PYTHON LOCK_FILE [PIP_OPTION ...]")
    sys.exit(main(*sys.argv[1:]))
