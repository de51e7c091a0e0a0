"""Let a Keras backend's environment see the run's packages in .venv after its own:
`python lock/layer.py BACKEND_VENV_PYTHON RUN_VENV_PYTHON`.

.venv-jax and .venv-torch need everything a TensorFlow run has (tf.data makes the batches on every
backend, and Keras, NumPy and the rest are the run lock's), plus JAX or PyTorch. Installed again in
each, TensorFlow and its packages took gigabytes more per backend (doc/install.md#disk-and-download),
and a CI machine once ran out of disk on the second copy. So each backend's environment holds only
its own lock (lock/jax.txt or lock/torch.txt) and the project, and a `.pth` file in its
site-packages adds .venv's site-packages after its own (with `site.addsitedir`, so that the `.pth`
files there, the editable project's among them, work too): a package of its own comes first, and
.venv itself never changes, so a TensorFlow run still records the packages it recorded before.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

NAME = "mnist_repro_run_packages.pth"


def site_packages(python: str) -> Path:
    """The site-packages folder of the environment whose interpreter is `python`."""
    found = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                           capture_output=True, text=True, check=True)
    return Path(found.stdout.strip()).resolve()


def layer(backend_python: str, run_python: str) -> Path:
    """Write the `.pth` file into the backend's site-packages; return its path."""
    run_packages = site_packages(run_python)
    pth = site_packages(backend_python) / NAME
    pth.write_text(f"import site; site.addsitedir({str(run_packages)!r})\n")
    return pth


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python lock/layer.py BACKEND_VENV_PYTHON RUN_VENV_PYTHON", file=sys.stderr)
        return 2
    try:
        layer(*argv)
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"error: could not layer {argv[0]} over {argv[1]}'s packages ({error}); "
              "run `make install` first, then try again", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
