"""Install lock files into a virtual environment with uv, hash-checked, and say in one line what
failed if something does: `python lock/install.py VENV_PYTHON LOCK [LOCK ...] [-- UV_OPTION ...]`; also
`VENV_PYTHON --project` (the project itself, editable, without dependencies: the locks bring them)
and `VENV_PYTHON --remove PACKAGE` (uninstalled if installed).

Every line of a lock names one version and the SHA-256 of each of its files (`make lock` writes
them). `uv pip install --require-hashes` refuses a file whose hash is not listed, a package the lock
does not pin, and a requirement not pinned with `==`, as pip's `--require-hashes` does; its report of
a failure is a paragraph, so this turns it into the one line the rest of the project prints.

uv is set up here, explicitly, for every environment:
- its cache: UV_CACHE_DIR if set, else uv's own cache where it lies on the checkout's filesystem,
  else `.cache/uv` in the checkout; and `--link-mode hardlink`, so that a package is on disk once
  across .venv, .venv-jax and .venv-torch (a hard link cannot cross filesystems, and uv would copy);
- what pip is configured with and uv does not read (uv reads no pip.conf and no PIP_* variable):
  pip's `find-links` folders (a machine may keep wheels there that no index serves) and its `cert`
  (uv's SSL_CERT_FILE), from `pip config list` of the environment's own pip.
A lock may name where a package not on PyPI is found (lock/torch.txt: PyTorch's CPU wheel on
PyTorch's index, in a `--find-links` line). Such a place that does not answer here is left out (uv
would stop at it), and a package found nowhere names it, and what to do.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
# uv itself, installed from lock/uv.txt by `make` (the Makefile's UV); UV in the environment overrides.
UV = os.environ.get("UV") or str(ROOT / ".venv-uv" / "bin" / "uv")
# uv's report of a hash mismatch: "Hash mismatch for `NAME==VERSION`", then the expected and computed hashes.
MISMATCH = re.compile(r"Hash mismatch for `([^`=]+)==([^`]+)`\s*Expected:\s*sha256:(\w+)(?:\s+sha256:\w+)*\s*Computed:\s*sha256:(\w+)")
NOT_FOUND = re.compile(r"there is no version of (\S+?)(?:,| and )|(\S+?) was not found in|"
                       r"(\S+?) has no wheels with a matching")


def own_locations(lock: str) -> list[str]:
    """The places besides PyPI that the lock's own option lines send the installer to."""
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
    """The lock, or a copy in `folder` without its own locations that this machine cannot reach: uv
    would stop at such a location, and it has nothing that another location does not."""
    gone = [place for place in own_locations(lock) if not reachable(place)]
    if not gone:
        return lock
    kept = [line for line in Path(lock).read_text().splitlines(keepends=True)
            if not any(line.rstrip().endswith(" " + place) and line.startswith("-") for place in gone)]
    copy = Path(folder) / Path(lock).name
    copy.write_text("".join(kept))
    return str(copy)


def pip_settings(python: str) -> dict[str, list[str]]:
    """pip's find-links and cert as pip itself would take them (`pip config list` of `python`: its
    environment variable over an [install] setting over a [global] one, so the last found wins
    below); empty where that interpreter has no pip."""
    try:
        shown = subprocess.run([python, "-m", "pip", "config", "list"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    found = {(where, key): value.split() for where, key, value in
             re.findall(r"^(:env:|install|global)\.(find-links|cert)='(.*)'$", shown.stdout, re.M)}
    return {key: found[where, key] for key in ("find-links", "cert") for where in ("global", "install", ":env:")
            if (where, key) in found}


def cache_dir() -> str:
    """Where uv keeps its cache for this checkout (the module docstring says why)."""
    if os.environ.get("UV_CACHE_DIR"):
        return os.environ["UV_CACHE_DIR"]
    own = subprocess.run([UV, "cache", "dir"], capture_output=True, text=True).stdout.strip()
    existing = Path(own)
    while not existing.exists():
        existing = existing.parent
    return own if existing.stat().st_dev == ROOT.stat().st_dev else str(ROOT / ".cache" / "uv")


def uv_install(python: str, *args: str) -> subprocess.CompletedProcess:
    """`uv pip install ARGS` into the environment of `python`, with the cache, the link mode and
    pip's settings."""
    settings = pip_settings(python)
    env = {**os.environ, "UV_CACHE_DIR": cache_dir()}
    if settings.get("cert"):
        env["SSL_CERT_FILE"] = settings["cert"][0]
    links = [option for folder in settings.get("find-links", []) for option in ("--find-links", folder)]
    return subprocess.run([UV, "pip", "install", "--quiet", "--python", python, "--link-mode", "hardlink", *links, *args],
                          env=env, capture_output=True, text=True)


def one_line(stderr: str, what: str, locks: list[str] = ()) -> str:
    """The message for a failed step (`what`: installing LOCK, the project...): a hash mismatch names
    the package and both hashes, a package found nowhere names it and where it was looked for,
    anything else gives uv's own last cause."""
    text = " ".join(stderr.split())  # uv wraps its lines at the terminal's width
    found = MISMATCH.search(text)
    if found:
        name, version, expected, got = found.groups()
        return (f"error: {name} {version} does not match its hash in {' and '.join(locks)} (expected sha256 "
                f"{expected[:12]}…, got {got[:12]}…); the file differs from the one locked, so nothing was installed "
                "from it: check where it came from, and only if the change is genuine run `make lock`")
    missing = NOT_FOUND.search(text)
    if missing:
        package = next(group for group in missing.groups() if group).strip("`")
        places = [place for lock in locks for place in own_locations(lock)]
        return (f"error: {what} failed: {package} was found nowhere: not on PyPI"
                + (f" nor on {' '.join(places)}, where the lock finds what PyPI lacks" if places else "")
                + "; let this machine reach them, or run again with PIP_FIND_LINKS=FOLDER, a folder holding the wheel")
    # uv's causes, each from its "error:" or "cause:" line to the next (it wraps them at the terminal's width)
    causes = re.split(r"^\s*(?:error|cause): ", stderr, flags=re.M)[1:] or [stderr or "uv failed"]
    return f"error: {what} failed: {' '.join(causes[-1].split())}"


def finished(done: subprocess.CompletedProcess, what: str, locks: list[str] = ()) -> int:
    """0 after uv's warnings, if any; else 1 after the one line."""
    if done.returncode == 0:
        sys.stderr.write(done.stderr)
        return 0
    print(one_line(done.stderr, what, locks), file=sys.stderr)
    return 1


def install(python: str, locks: list[str], options: list[str] = ()) -> int:
    """Every lock into the environment, in one hash-checked uv call (with uv's `options`)."""
    with tempfile.TemporaryDirectory() as folder:
        files = [option for lock in locks for option in ("-r", without_unreachable(lock, folder))]
        done = uv_install(python, "--require-hashes", *files, *options)
    return finished(done, f"installing {' and '.join(locks)}", list(locks))


def main(argv: list[str]) -> int:
    if not Path(UV).exists():
        print(f"error: uv is not installed at {UV}; run `make install`, which installs it from lock/uv.txt",
              file=sys.stderr)
        return 1
    if len(argv) == 2 and argv[1] == "--project":
        return finished(uv_install(argv[0], "--no-deps", "--editable", str(ROOT)), "installing the project")
    if len(argv) == 3 and argv[1] == "--remove":
        removed = subprocess.run([UV, "pip", "uninstall", "--quiet", "--python", argv[0], argv[2]],
                                 capture_output=True, text=True)
        return finished(removed, f"removing {argv[2]}")
    locks, options = (argv[1:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv[1:], [])
    if not locks or any(lock.startswith("-") for lock in locks):
        print("usage: python lock/install.py VENV_PYTHON (LOCK [LOCK ...] [-- UV_OPTION ...] | --project | --remove PACKAGE)",
              file=sys.stderr)
        return 2
    return install(argv[0], locks, options)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
