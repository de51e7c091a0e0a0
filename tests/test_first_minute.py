"""What a new user meets first: a quiet console, an honest progress bar, a lean install, the GPU choice."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import tomllib
from importlib import metadata

import httpx
import pytest
from PIL import Image

from conftest import ROOT, cli_env, load_script, needs_installed
from mnist_repro import run_argv

# TensorFlow's C++ log lines (glog style "E0000 00:00:... file.cc:52] ...") and absl's preamble.
NOISE = re.compile(r"^[IWEF]\d{4} |absl::InitializeLog|cuInit|cudart|cuda_|cpu_feature_guard", re.M)


# TensorFlow turns oneDNN on by default only on CPUs with AVX512-VNNI, AVX512-BF16 or AMX, and only
# then prints its import-time notice: each console test forces both branches, whatever this CPU is.
ONEDNN = pytest.mark.parametrize("onednn", ["1", "0"], ids=["onednn-on", "onednn-off"])


def user_env(onednn: str | None = None) -> dict:
    env = cli_env()
    env.pop("TF_CPP_MIN_LOG_LEVEL")  # the project's own default, as a user gets it
    if onednn is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = onednn
    return env


@pytest.mark.slow
@ONEDNN
def test_a_dry_run_prints_no_tensorflow_log_line(tmp_path, onednn):
    done = subprocess.run([sys.executable, "-m", "mnist_repro", "run", "--version", "1", "--dry-run", "--out", tmp_path],
                          cwd=ROOT, env=user_env(onednn), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert not NOISE.search(done.stderr + done.stdout), done.stderr
    assert done.stdout.startswith("mnist-repro: version 1 (dense), seed 0, 1 epoch, batch size 128")


@pytest.mark.slow
@ONEDNN
def test_predict_prints_no_tensorflow_log_line(tmp_path, mnist, onednn):
    Image.fromarray(255 - mnist["x_test"][0]).save(tmp_path / "digit.png")
    done = subprocess.run([sys.executable, "-m", "mnist_repro", "predict", "--version", "2", tmp_path / "digit.png"],
                          cwd=ROOT, env=user_env(onednn), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr


@pytest.mark.slow
def test_serve_prints_no_tensorflow_log_line():
    """The server imports TensorFlow like the other commands (same filter); oneDNN on, the noisy branch."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "mnist_repro", "serve", "--port", str(port)], cwd=ROOT,
                              env=user_env("1"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("the demo server did not answer")
    finally:
        server.terminate()
        out, err = server.communicate(timeout=60)
    assert not NOISE.search(err + out), err


@pytest.mark.slow
@ONEDNN
def test_the_logs_come_back_on_request(onednn):
    """TF_CPP_MIN_LOG_LEVEL=0, as the README says, shows TensorFlow's INFO lines again; with oneDNN on,
    its notice among them."""
    code = "from mnist_repro import backend; backend.load('tensorflow'); import tensorflow as tf; tf.constant(1) + 1"
    done = subprocess.run([sys.executable, "-c", code], env={**user_env(onednn), "TF_CPP_MIN_LOG_LEVEL": "0"},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^I\d{4} ", done.stderr, re.M), done.stderr
    assert ("oneDNN custom operations are on" in done.stderr) == (onednn == "1"), done.stderr


@pytest.mark.slow
def test_importing_the_package_installs_no_hook_and_leaves_stderr_alone():
    """`import mnist_repro` (and its CLI module) adds no import hook, opens or moves no file
    descriptor, and loads no TensorFlow: only `backend.load` does that, in the open."""
    code = ("import os, sys; hooks, fds = list(sys.meta_path), sorted(os.listdir('/proc/self/fd')); "
            "stderr = os.fstat(2).st_ino; import mnist_repro, mnist_repro.__main__; "
            "assert sys.meta_path == hooks, sys.meta_path; assert sorted(os.listdir('/proc/self/fd')) == fds; "
            "assert os.fstat(2).st_ino == stderr; assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules; "
            "print('untouched')")
    done = subprocess.run([sys.executable, "-c", code], env=user_env("1"), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout == "untouched\n", done.stderr


def test_a_second_backend_in_one_process_is_one_line_of_error():
    from mnist_repro import backend
    from mnist_repro.errors import BackendConflict

    keras = backend.load("tensorflow")
    assert backend.load() is keras and backend.load("tensorflow") is keras
    with pytest.raises(BackendConflict, match="^Keras is already loaded on the tensorflow backend in this process, "
                                              "so it cannot switch to jax; start a new process for jax$") as refused:
        backend.load("jax")
    assert refused.value.exit_code == 1


def test_the_import_filter_keeps_warnings_and_errors_at_the_asked_level():
    from mnist_repro.backend import BANNER, keep

    info = "I0000 00:00:1796138250.459894    2329 port.cc:153] oneDNN custom operations are on.\n"
    warning = "W0000 00:00:1796138250.459894    2329 some_op.cc:12] a warning\n"
    error = "2026-01-30 22:44:42.456316: E tensorflow/core/x.cc:9] an error\n"
    fatal = "F0000 00:00:1.2    7 cpu_feature_guard.cc:1] The TensorFlow library was compiled to use AVX\n"
    assert [keep(line, 2) for line in (info, warning, error, fatal, BANNER)] == [False, False, True, True, False]
    assert [keep(line, 1) for line in (info, warning, error)] == [False, True, True]
    assert [keep(line, 3) for line in (error, fatal)] == [False, True]
    assert keep("Traceback (most recent call last):\n", 3) and keep("UserWarning: something\n", 3)


@pytest.mark.slow
def test_the_progress_bar_never_counts_past_the_epoch(tmp_path):
    """In a terminal, 20,000 images are 157 steps: chunks of 64 once showed 192/157."""
    import pty

    command = run_argv(1, limit=20000, epochs=1, out=tmp_path)
    controller, terminal = pty.openpty()
    process = subprocess.Popen(command, cwd=ROOT, env=cli_env(), stdin=terminal, stdout=terminal, stderr=terminal)
    os.close(terminal)
    screen = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the run ended
            break
        if not chunk:
            break
        screen += chunk
    os.close(controller)
    assert process.wait(timeout=300) == 0, screen[-2000:]
    counts = [(int(a), int(b)) for a, b in re.findall(rb"(?<!Epoch )(?<![\d/])(\d+)/(\d+)(?=\x1b\[0m )", screen)]
    assert counts and {total for _, total in counts} == {157}, screen[-2000:]
    assert max(seen for seen, _ in counts) == 157 and (157, 157) in counts


def make_choice(tmp_path, nvidia_smi: str | None) -> str:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    if nvidia_smi is not None:
        (bin_dir / "nvidia-smi").write_text(nvidia_smi)
        (bin_dir / "nvidia-smi").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["make", "-s", "tensorflow-choice"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_install_chooses_the_cuda_wheel_where_nvidia_smi_lists_a_gpu(tmp_path):
    pin = re.search(r"^tensorflow==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    gpu = "#!/bin/sh\necho 'GPU 0: NVIDIA H200 (UUID: GPU-00000000-0000-0000-0000-000000000000)'\n"
    assert make_choice(tmp_path, gpu) == f"tensorflow[and-cuda]=={pin}"
    # A driver that is installed but not loaded lists no GPU: the CPU wheel.
    broken = "#!/bin/sh\necho 'NVIDIA-SMI has failed because it could not communicate with the driver' >&2\nexit 9\n"
    cpu_wheel = "tensorflow-cpu" if os.uname().sysname == "Linux" and os.uname().machine == "x86_64" else "tensorflow"
    assert make_choice(tmp_path, broken) == f"{cpu_wheel}=={pin}"


@pytest.mark.parametrize("gpu, system, machine, wheel", [
    (True, "Linux", "x86_64", "tensorflow[and-cuda]"),
    (True, "Linux", "aarch64", "tensorflow[and-cuda]"),
    (False, "Linux", "x86_64", "tensorflow-cpu"),
    (False, "Darwin", "arm64", "tensorflow"),
    (False, "Linux", "aarch64", "tensorflow"),
])
def test_the_tensorflow_wheel_for_each_kind_of_machine(gpu, system, machine, wheel):
    assert load_script("lock/tensorflow_wheel.py").wheel_for(gpu, system, machine) == wheel


@pytest.mark.parametrize("wheel, lock, twin, note", [
    ("tensorflow[and-cuda]", "lock/run-cuda.txt", "tensorflow-cpu", " (nvidia-smi lists a GPU; runs will use it)"),
    ("tensorflow-cpu", "lock/run-cpu.txt", "tensorflow", " (no NVIDIA GPU found; the CPU build)"),
    ("tensorflow", "lock/run-default.txt", "tensorflow-cpu", ""),
])
def test_each_wheel_installs_from_its_own_lock_without_its_twin(wheel, lock, twin, note, monkeypatch, capsys):
    chooser = load_script("lock/tensorflow_wheel.py")
    pin = chooser.pin()
    assert f"{wheel.split('[')[0]}=={pin}" in (ROOT / lock).read_text()  # the lock pins this wheel
    calls = []
    monkeypatch.setattr(chooser.subprocess, "run", lambda argv, **_: calls.append(argv[1:]) or
                        subprocess.CompletedProcess(argv, 0))  # pip show: the twin is installed
    assert chooser.install("venv-python", f"{wheel}=={pin}") == 0
    assert capsys.readouterr().out == f"TensorFlow: {wheel}=={pin}{note}\n"
    assert calls == [["-m", "pip", "show", "-q", twin], ["-m", "pip", "uninstall", "-q", "-y", twin],
                     [str(ROOT / "lock" / "install.py"), "venv-python", lock]]


def requirement_names(name: str) -> set[str]:
    lines = (ROOT / name).read_text().splitlines()
    return {re.split(r"[=\[<>]", line)[0].lower() for line in lines if line and not line.startswith("#")}


@pytest.mark.slow
def test_a_run_installs_only_what_a_run_needs():
    assert requirement_names("requirements.txt") == {"tensorflow", "keras", "numpy", "matplotlib", "pydot", "pillow"}
    lines = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if line and line[0] != "#"]
    assert all(re.fullmatch(r"[a-z-]+==[0-9.]+", line) for line in lines), lines  # pinned
    plan = subprocess.run(["make", "-n", "-B", ".venv/.installed"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "lock/tensorflow_wheel.py install .venv/bin/python" in plan, plan  # the run's lock, hash-checked
    assert not re.search(r"requirements-(demo|test|cluster|bench)|lock/(demo|test|cluster)", plan), plan
    test_plan = subprocess.run(["make", "-n", "-B", "test"], cwd=ROOT, capture_output=True, text=True).stdout
    for extra in ("demo", "test", "cluster"):
        assert f"lock/install.py .venv/bin/python lock/{extra}.txt" in test_plan


def test_the_package_declares_its_dependencies_extras_and_command():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"] == {"mnist-repro": "mnist_repro.__main__:cli"}
    requires = metadata.requires("mnist-repro")
    assert "tensorflow==2.21.0" in requires and "pillow==13.0.0" in requires
    extras = {extra: {r.split(";")[0].strip() for r in requires if f'extra == "{extra}"' in r}
              for extra in ("demo", "cluster", "test", "bench")}
    assert "fastapi==0.142.2" in extras["demo"] and "pytest==9.2.0" in extras["test"]
    assert "dask[distributed]==2026.8.0" in extras["cluster"] and "torch==2.13.0" in extras["bench"]
    assert not {r for r in requires if "extra ==" not in r} & {"fastapi==0.142.2", "pytest==9.2.0"}


@pytest.mark.slow
def test_the_console_script_is_the_same_cli():
    script = ROOT / ".venv" / "bin" / "mnist-repro"
    needs_installed(script.exists(), ".venv/bin/mnist-repro (make install)")
    done = subprocess.run([script, "run", "--epochs", "0"], capture_output=True, text=True, env=cli_env(), timeout=120)
    assert done.returncode == 2 and done.stderr.startswith("error:") and "mnist-repro run --help" in done.stderr
    helped = subprocess.run([script, "--help"], capture_output=True, text=True, env=cli_env(), timeout=120)
    assert helped.returncode == 0 and helped.stdout.startswith("usage: mnist-repro ")
