"""`make demo-load`: a bounded load check of the demo server on 127.0.0.1 only.

It starts `python -m mnist_repro serve` on a free loopback port, sends LOAD_REQUESTS=500
`POST /api/predict` requests from LOAD_CLIENTS=8 concurrent clients (MNIST test digits as PNG
files), and records the errors (a non-200 answer, or an answer that does not read the digit as
v3 read it alone), p50 and p99 latency and requests per second. Writes benchmarks/demo-load.md
and .json (doc/demo.md links the page).
"""

from __future__ import annotations

import io
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from mnist_repro import environment

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "mnist_repro", "serve", "--port", str(port)], cwd=ROOT,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    sys.exit("error: the demo server did not start within 2 minutes")


def pngs(count: int) -> list[bytes]:
    with np.load(ROOT / "data" / "mnist.npz") as mnist:
        images = mnist["x_test"][:count]
    files = []
    for image in images:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="PNG")
        files.append(buffer.getvalue())
    return files


def main() -> None:
    requests, clients = int(os.environ.get("LOAD_REQUESTS", "500")), int(os.environ.get("LOAD_CLIENTS", "8"))
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/predict"
    digits = pngs(100)
    server = start_server(port)
    try:
        with httpx.Client(timeout=60) as warm:  # the first inference traces the graphs; not timed
            expected = [warm.post(url, files={"image": ("d.png", png, "image/png")}).json()["versions"]["3"]["digit"]
                        for png in digits]

        def one(index: int) -> tuple[float, bool]:
            started = time.perf_counter()
            try:
                answer = http.post(url, files={"image": (f"{index}.png", digits[index % 100], "image/png")})
                ok = answer.status_code == 200 and answer.json()["versions"]["3"]["digit"] == expected[index % 100]
            except httpx.HTTPError:
                ok = False
            return time.perf_counter() - started, ok

        with httpx.Client(timeout=60, limits=httpx.Limits(max_connections=clients)) as http, \
                ThreadPoolExecutor(max_workers=clients) as pool:
            started = time.perf_counter()
            results = list(pool.map(one, range(requests)))
            wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies = sorted(seconds for seconds, _ in results)
    summary = {"requests": requests, "clients": clients, "errors": sum(not ok for _, ok in results),
               "p50_ms": 1000 * statistics.median(latencies), "p99_ms": 1000 * latencies[int(0.99 * (requests - 1))],
               "requests_per_s": requests / wall, "wall_s": wall, "cpu": environment.cpu_model(),
               "cores": os.cpu_count(), "code": environment.git_commit()}
    write(summary)


def write(summary: dict) -> None:
    line = (f"{summary['requests']} requests from {summary['clients']} concurrent clients on 127.0.0.1: "
            f"{summary['errors']} errors, p50 {summary['p50_ms']:.0f} ms, p99 {summary['p99_ms']:.0f} ms, "
            f"{summary['requests_per_s']:.1f} requests/s ({summary['cpu']}, {summary['cores']} cores; each request "
            "runs all three versions)")
    (ROOT / "benchmarks" / "demo-load.json").write_text(json.dumps(summary, indent=1) + "\n")
    (ROOT / "benchmarks" / "demo-load.md").write_text(
        "# Demo server under load\n\nWritten by `make demo-load` (benchmarks/demo_load.py); do not edit by hand.\n\n"
        f"{line}. Code: {summary['code']['commit']}.\n")
    print(line)


if __name__ == "__main__":
    main()
