"""A disk that fills at any write: one `error:` line naming the folder, exit 1, no traceback and no
crash at exit; what existed stays byte-intact, no partial file stays, and the same command
finishes once space is freed.

Two ways to fill a disk: an injected ENOSPC (tests/inject_enospc.py, everywhere: in this process, or
in a child where the behaviour at the process's exit matters), and real small tmpfs mounts where
the tests run as root (CI does)."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from conftest import ROOT, assert_one_line_error, cli_env, load_script, run_cli
from inject_enospc import filling_disk
from test_study import make_run

INJECT = Path(__file__).with_name("inject_enospc.py")
SMALL = ("--limit", "256", "--epochs", "1")


def filling(folder: Path, budget: int, *args, cwd=ROOT) -> subprocess.CompletedProcess:
    """The CLI in this process, with `folder`'s disk holding `budget` more bytes."""
    with filling_disk(folder, budget):
        return run_cli(*args, cwd=cwd)


def filling_process(folder: Path, budget: int, *args, cwd=ROOT) -> subprocess.CompletedProcess:
    """The same in a child process, for what shows only at its exit (a crash while Python closes)."""
    return subprocess.run([sys.executable, str(INJECT), str(folder), str(budget), *map(str, args)], cwd=cwd,
                          env=cli_env(), capture_output=True, text=True, timeout=300)


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def partials(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if ".partial" in p.name or ".tmp-" in p.name]


def assert_full_disk_line(done, folder) -> None:
    line = assert_one_line_error(done, "no space left on the device", str(folder))
    assert done.returncode == 1, line
    assert "Exception ignored" not in done.stderr


def test_the_data_cache(tmp_path, mnist_path):
    done = filling(tmp_path / "data", 4096, "data", "--data", mnist_path, cwd=tmp_path)
    assert_full_disk_line(done, "data")
    assert list((tmp_path / "data").iterdir()) == []  # no half cache, no partial file


@pytest.mark.slow
def test_the_deliverables_after_training(tmp_path):
    out = tmp_path / "out"
    assert run_cli("run", "--version", "1", "--out", out, *SMALL).returncode == 0
    good = snapshot(out / "ver_1")
    done = filling_process(out, 20_000, "run", "--version", "1", "--out", out, "--seed", "1", *SMALL)
    assert_full_disk_line(done, out)
    assert "writing the deliverables" in done.stderr
    assert snapshot(out / "ver_1") == good and not partials(out)
    again = run_cli("run", "--version", "1", "--out", out, "--seed", "1", *SMALL)  # space freed
    assert again.returncode == 0 and "training already complete at epoch 1" in again.stdout


def test_the_report_and_its_figures(tmp_path, mnist_path):
    seeds = tmp_path / "deliverables" / "seeds"
    for seed, accuracy in enumerate([97.5, 97.7]):
        make_run(seeds, 1, seed, accuracy)
    assert run_cli("report", "--data", mnist_path, cwd=tmp_path).returncode == 0
    good = snapshot(tmp_path / "deliverables")
    make_run(seeds, 1, 2, 97.9)
    good = {k: v for k, v in good.items() if not k.startswith("seeds")}
    done = filling(tmp_path / "deliverables", 30_000, "report", "--data", mnist_path, cwd=tmp_path)
    assert_full_disk_line(done, "deliverables")
    after = {k: v for k, v in snapshot(tmp_path / "deliverables").items() if not k.startswith("seeds")}
    assert after == good and not partials(tmp_path / "deliverables")


def test_predict_show(tmp_path, mnist):
    Image.fromarray(255 - mnist["x_test"][0]).save(tmp_path / "digit.png")
    done = filling(tmp_path / "seen", 100, "predict", "--version", "1", "--show", tmp_path / "seen",
                   tmp_path / "digit.png")
    assert_full_disk_line(done, tmp_path / "seen")
    assert list((tmp_path / "seen").iterdir()) == []


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_the_study_records(tmp_path, monkeypatch):
    """The sequential study and the cluster client write seed records through save_record."""
    from mnist_repro.errors import UserError
    from mnist_repro.study import records

    target = make_run(tmp_path, 1, 0, 97.7)
    good = snapshot(target)
    monkeypatch.setattr(Path, "write_bytes", no_space)
    with pytest.raises(UserError, match=f"no space left on the device that holds {tmp_path / 'ver_1'}"):
        records.save_record(target, {"metrics.json": b"{}", "history.csv": b""})
    assert snapshot(target) == good and not partials(tmp_path)


def test_the_bench_results(tmp_path, monkeypatch):
    from mnist_repro.errors import UserError

    results = load_script("benchmarks/results.py")

    (tmp_path / "results.md").write_text("the previous results\n")
    monkeypatch.setattr(Path, "write_text", no_space)
    with pytest.raises(UserError, match=f"no space left on the device that holds {tmp_path}"):
        results.write(tmp_path, {})
    assert (tmp_path / "results.md").read_bytes() == b"the previous results\n" and not partials(tmp_path)


# Real disks: the checkpoint's HDF5 weights are written by h5py's C code, which no Python-level
# injection reaches; a full disk there once crashed Python at exit (exit 139).
def can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None and sys.platform == "linux"


@pytest.fixture
def small_disk(tmp_path):
    if not can_mount():
        pytest.skip("mounting a small tmpfs needs root on Linux (CI runs as root)")
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)]).returncode != 0:
        pytest.skip("this machine does not allow tmpfs mounts")
    yield disk
    subprocess.run(["umount", "-l", str(disk)])


def fill_to(disk: Path, free_kib: int) -> None:
    stats = os.statvfs(disk)
    with open(disk / "filler", "wb") as filler:
        filler.write(b"\0" * max(0, stats.f_bavail * stats.f_frsize - free_kib * 1024))


@pytest.mark.slow
def test_a_real_disk_that_fills(small_disk, tmp_path):
    """Runs into a disk that holds a good ver_1 and fills, first in the checkpoint's HDF5 weights,
    then in the deliverables; after freeing space the same command ends as an uninterrupted run.
    One epoch: the checkpoint (about 1.2 MB: v1's weights and Adam's two moments) is then written
    once, and stays while the deliverables (about 1.1 MB here) are written beside the good ver_1."""
    run = ("run", "--version", "1", "--limit", "2000", "--epochs", "1", "--out", small_disk / "X")
    out = small_disk / "X"
    assert run_cli(*run).returncode == 0
    reference = run_cli(*run[:-2], "--out", tmp_path / "reference", "--seed", "1")
    assert reference.returncode == 0
    for free_kib, what in ((100, "the checkpoint"), (1800, "the deliverables")):
        good = snapshot(out / "ver_1")
        fill_to(small_disk, free_kib)
        done = run_cli(*run, "--seed", "1", "--restart")
        assert_full_disk_line(done, out)
        assert what in done.stderr
        assert snapshot(out / "ver_1") == good
        (small_disk / "filler").unlink()
        assert run_cli(*run, "--seed", "1").returncode == 0
        for name in ("assigned_labels_train.txt", "assigned_labels_test.txt"):
            assert (out / "ver_1" / name).read_bytes() == (tmp_path / "reference" / "ver_1" / name).read_bytes()
        assert not (out / ".checkpoints").exists() and not partials(out)
