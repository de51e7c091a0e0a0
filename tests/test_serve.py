"""The demo: the JSON API through FastAPI's TestClient (every bad input, concurrency, a missing
version), and the page in a real headless Chromium driven by Selenium."""

import base64
import io
import os
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from conftest import ROOT, cli_env
from test_bad_input import png_declaring

from mnist_repro.errors import ImageTooLarge, NothingToRead, NotAnImage, UserError
from mnist_repro.serve.app import create_app, status_for

# The browser test's screenshot; `make demo-screenshot` points it at the README's doc/demo.png.
SCREENSHOT = Path(os.environ.get("DEMO_SCREENSHOT", ROOT / "build" / "demo.png"))


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(ROOT / "deliverables")) as client:
        yield client


@pytest.fixture(scope="module")
def digits(mnist):
    """Test images whose digit every committed version reads correctly."""
    return {int(mnist["y_test"][i]): mnist["x_test"][i] for i in (0, 1, 2, 3, 4, 7)}  # 7 2 1 0 4 9


def test_health_lists_the_loaded_versions(client):
    assert client.get("/healthz").json() == {"status": "ok", "loaded": [1, 2, 3], "missing": {}}
    assert "/api/predict" in client.get("/openapi.json").json()["paths"]


def test_predict_reads_a_digit_with_every_version(client, digits):
    answer = client.post("/api/predict", files={"image": ("seven.png", png(digits[7]), "image/png")})
    assert answer.status_code == 200
    body = answer.json()
    for number in ("1", "2", "3"):
        assert body["versions"][number]["digit"] == 7
        probabilities = body["versions"][number]["probabilities"]
        assert len(probabilities) == 10 and sum(probabilities) == pytest.approx(1.0, abs=1e-4)
    seen = Image.open(io.BytesIO(base64.b64decode(body["seen"])))
    assert seen.size == (28, 28) and seen.mode == "L"


@pytest.mark.parametrize("files, status, fragment", [
    ({"image": ("notes.png", b"just some text", "image/png")}, 400, "not an image"),
    ({"image": ("empty.png", b"", "image/png")}, 400, "the upload is empty"),
    ({"image": ("huge.png", b"\0" * (5 * 1024 * 1024 + 1), "image/png")}, 413, "over 5 MB"),
    ({"image": ("bomb.png", png_declaring(20000, 20000), "image/png")}, 413, "20000×20000 pixels"),
    ({"image": ("canvas.png", png(np.full((280, 280), 255, np.uint8)), "image/png")}, 422, "nothing to recognise"),
    ({"image": ("tiny.png", png(np.zeros((4, 4), np.uint8)), "image/png")}, 422, "only 4×4 pixels"),
    ({"picture": ("seven.png", b"x", "image/png")}, 422, "multipart field 'image'"),
])
def test_bad_input_is_a_4xx_with_one_line_of_json(client, digits, files, status, fragment):
    answer = client.post("/api/predict", files=files)
    assert answer.status_code == status
    assert list(answer.json()) == ["error"] and fragment in answer.json()["error"]
    assert "\n" not in answer.json()["error"]
    assert client.post("/api/predict", files={"image": ("2.png", png(digits[2]), "image/png")}).json()[
        "versions"]["3"]["digit"] == 2  # and the server keeps serving


def test_the_status_follows_the_kind_of_error_not_its_words():
    assert [status_for(kind("any words")) for kind in (ImageTooLarge, NothingToRead, NotAnImage, UserError)] \
        == [413, 422, 400, 400]
    assert status_for(UserError("the image is blank, only 3 pixels (too many pixels)")) == 400


def test_concurrent_requests_never_mix_their_results(client, digits):
    requests = [digit for digit in digits for _ in range(4)]

    def ask(digit):
        body = client.post("/api/predict", files={"image": (f"{digit}.png", png(digits[digit]), "image/png")}).json()
        return digit, {number: answer["digit"] for number, answer in body["versions"].items()}

    with ThreadPoolExecutor(max_workers=8) as pool:
        for digit, read in pool.map(ask, requests):
            assert read == {"1": digit, "2": digit, "3": digit}


def test_a_missing_version_says_how_to_make_it_and_the_others_work(tmp_path, digits):
    for number in (1, 3):
        (tmp_path / f"ver_{number}").mkdir()
        shutil.copy(ROOT / "deliverables" / f"ver_{number}" / "model.keras", tmp_path / f"ver_{number}")
    with TestClient(create_app(tmp_path)) as client:
        assert client.get("/healthz").json()["loaded"] == [1, 3]
        body = client.post("/api/predict", files={"image": ("7.png", png(digits[7]), "image/png")}).json()
    assert body["versions"]["1"]["digit"] == body["versions"]["3"]["digit"] == 7
    assert "make run VERSION=2" in body["versions"]["2"]["missing"]


# ---- the page in a real browser -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "mnist_repro", "serve", "--port", str(port)], cwd=ROOT,
                               env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None:
                pytest.fail(process.communicate()[1][-2000:])
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("the demo server did not answer within 120 s")
    yield f"http://127.0.0.1:{port}/", process
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    driver_path = shutil.which("chromedriver")
    if not driver_path:
        pytest.skip("chromium-driver is not installed (make install installs it where apt is available)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)  # no driver download: Debian's
    yield driver
    driver.quit()


def wait_for_digits(browser, timeout=60):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, timeout).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ".version .digit")) == 3)
    return [element.text for element in browser.find_elements(By.CSS_SELECTOR, ".version .digit")]


@pytest.mark.slow
def test_drawing_and_uploading_in_a_real_browser(server, browser, tmp_path, digits):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    url, process = server
    browser.get(url)
    pad = browser.find_element(By.ID, "pad")
    # Before the first digit the preview is an empty 28x28 frame, not a broken image with its alt text.
    empty = browser.find_element(By.ID, "seen").get_attribute("src")
    assert empty.startswith("data:image/svg+xml,")
    assert browser.execute_script("const s = document.getElementById('seen'); return s.complete && s.naturalWidth") == 28
    # A vertical stroke down the middle of the canvas: a "1" for every version.
    ActionChains(browser).move_to_element_with_offset(pad, 0, -90).click_and_hold().move_by_offset(0, 60) \
        .move_by_offset(0, 60).move_by_offset(0, 60).release().perform()
    shown = wait_for_digits(browser)
    assert shown == ["1", "1", "1"]
    assert browser.find_element(By.ID, "seen").get_attribute("src").startswith("data:image/png;base64,")
    assert browser.execute_script("return document.getElementById('seen').naturalWidth") == 28
    assert len(browser.find_elements(By.CSS_SELECTOR, "#version-3 .bar")) == 10
    # The page shows what the API answers for the canvas's own PNG.
    canvas_png = base64.b64decode(browser.execute_script("return pad.toDataURL('image/png')").split(",", 1)[1])
    import httpx

    answer = httpx.post(url + "api/predict", files={"image": ("canvas.png", canvas_png, "image/png")}, timeout=60).json()
    assert [str(answer["versions"][n]["digit"]) for n in ("1", "2", "3")] == shown
    assert browser.find_element(By.ID, "seen").get_attribute("src") == "data:image/png;base64," + answer["seen"]
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))
    assert Image.open(SCREENSHOT).format == "PNG"

    browser.find_element(By.ID, "clear").click()
    assert browser.find_elements(By.CSS_SELECTOR, ".version") == []
    assert browser.find_element(By.ID, "seen").get_attribute("src") == empty
    Image.fromarray(255 - digits[7]).save(tmp_path / "seven.png")  # dark ink on white paper
    browser.find_element(By.ID, "file").send_keys(str(tmp_path / "seven.png"))
    assert wait_for_digits(browser) == ["7", "7", "7"]
    assert process.poll() is None
