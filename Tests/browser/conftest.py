"""Fixtures for the real-browser tests: a running Casebook on a small world, and headless Chromium."""
import json, os, pathlib, shutil, subprocess, tempfile, time, urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"
PORT = int(os.environ.get("CASEBOOK_BROWSER_PORT", "18282"))
BASE = f"http://127.0.0.1:{PORT}"


def _get(path):
    with urllib.request.urlopen(BASE + path, timeout=5) as r:
        return r.read()


@pytest.fixture(scope="session")
def server():
    binary = os.environ.get("CASEBOOK_BIN", str(ROOT / ".build/debug/casebook"))
    data = tempfile.mkdtemp(prefix="casebook-browser-")
    log = open(pathlib.Path(data) / "server.log", "w")
    proc = subprocess.Popen([binary, "serve", "--port", str(PORT), "--data-dir", data, "--recsys-items", "3000",
                             "--recsys-users", "600", "--log-level", "warning"], cwd=ROOT, stdout=log, stderr=log)
    deadline = time.time() + 300
    while time.time() < deadline:
        assert proc.poll() is None, "server exited: " + open(log.name).read()
        try:
            if json.loads(_get("/api/v1/recsys/status"))["state"] == "ready":
                break
        except Exception:
            pass
        time.sleep(0.5)
    else:
        raise AssertionError("recommender not ready in time")
    yield BASE
    proc.terminate()
    proc.wait(timeout=20)
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    opts = Options()
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"]:
        opts.add_argument(a)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        opts.binary_location = chromium
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    driver = webdriver.Chrome(service=Service(driver_path), options=opts)
    driver.implicitly_wait(2)
    SHOTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()


@pytest.fixture
def shot(browser):
    """Saves a screenshot of the current page as screenshots/<name>.png."""
    def take(name):
        browser.save_screenshot(str(SHOTS / f"{name}.png"))
    return take
