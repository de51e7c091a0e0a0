"""Every version on Keras's JAX backend, through `mnist-repro run --backend jax` in .venv-jax: every
deliverable, the backend named, the same bytes from two processes, one of them killed after an epoch
and resumed (backend_checks.py)."""

import pytest

from backend_checks import *  # noqa: F403  (the checks, on this module's BACKEND)
from backend_checks import needs_environment

BACKEND = "jax"
pytestmark = [needs_environment(BACKEND), pytest.mark.slow]  # runs in .venv-BACKEND's processes
