"""The browser of the ``/app`` tests: headless Chromium (Debian ``chromium`` +
``chromium-driver``, driven by Selenium) against the app served by uvicorn on a loopback port,
at phone (375 px) and desktop (1280 px) widths. Screenshots are kept under ``/tmp/web-shots``
(``AZX_WEB_SHOTS``). Used by ``test_browser_journeys.py`` and ``test_accessibility.py``;
missing Chromium makes those tests fail, never skip (``scripts/setup.sh --tests`` installs it).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from api.main import create_app
from core.settings import Settings
from services.keys import create_key

SHOTS = Path(os.environ.get("AZX_WEB_SHOTS", "/tmp/web-shots"))
WIDTHS = {"phone": 375, "desktop": 1280}


EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"


class Server:
    def __init__(self, base: str, app: Any) -> None:
        self.base = base
        self.app = app

    def key(self, tenant: str, role: str) -> str:
        return create_key(self.app.state.ctx.engine, tenant, role)

    def archive(self, tenant: str, example: str = "callback-shandong.json") -> tuple[str, bytes]:
        """Archive ``examples/<example>`` as an insurer of ``tenant``: the record ID and its PDF."""
        import httpx

        h = {"Authorization": f"Bearer {self.key(tenant, 'insurer')}"}
        body = json.loads((EXAMPLES / example).read_text("utf-8"))
        r = httpx.post(self.base + "/v1/documents", json=body, timeout=120, headers=h)
        assert r.status_code == 201, r.text
        rid = str(r.json()["id"])
        pdf = httpx.get(f"{self.base}/v1/documents/{rid}.pdf", headers=h, timeout=60)
        assert pdf.status_code == 200, pdf.text
        return rid, pdf.content


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(data_dir: Path) -> Iterator[Server]:
    """The app on a loopback port, served by uvicorn in a thread (also used by
    ``tools/web_screenshots.py``)."""
    app = create_app(Settings(data_dir=data_dir))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.1)
    try:
        yield Server(f"http://127.0.0.1:{port}", app)
    finally:
        srv.should_exit = True
        thread.join(60)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("web")) as served:
        yield served


@pytest.fixture(params=list(WIDTHS), scope="module")
def width(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextlib.contextmanager
def chromium(width: str, downloads: Path) -> Iterator[WebDriver]:
    """Headless Chromium at a width of :data:`WIDTHS`, saving downloads into ``downloads``."""
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--lang=zh-CN", f"--window-size={WIDTHS[width]},900"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False,
        "plugins.always_open_pdf_externally": True, "intl.accept_languages": "zh-CN"})
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(downloads)})
    # --window-size under 500 px is widened by headless Chromium; resizing afterwards is not
    # (a busy machine may take a moment to apply it)
    deadline = time.monotonic() + 10
    while True:
        driver.set_window_size(WIDTHS[width], 900)
        inner = driver.execute_script("return window.innerWidth")
        if inner == WIDTHS[width] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert inner == WIDTHS[width]
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(width: str, tmp_path: Path) -> Iterator[tuple[WebDriver, Path]]:
    if shutil.which("chromium") is None or shutil.which("chromedriver") is None:
        pytest.fail("chromium and chromium-driver are not installed: run scripts/setup.sh "
                    "--tests", pytrace=False)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with chromium(width, downloads) as driver:
        yield driver, downloads


def shot(driver: WebDriver, name: str, width: str) -> None:
    """A full-page screenshot, kept for review."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTHS[width], min(max(int(height) + 100, 700), 6000))
    driver.save_screenshot(str(SHOTS / f"{name}-{width}.png"))
    driver.set_window_size(WIDTHS[width], 900)


def sign_in(driver: WebDriver, base: str, key: str) -> None:
    driver.get(base + "/app/login")
    driver.find_element(By.ID, "key").send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()
    # wait for the answer (the session cookie) before the next page is asked for
    deadline = time.monotonic() + 30
    while driver.current_url.endswith("/app/login") and time.monotonic() < deadline:
        time.sleep(0.1)


def click(driver: WebDriver, css: str) -> None:
    """Click like a person who scrolled the element to the middle of the screen (the button
    bar stays at the bottom of the window)."""
    element = driver.find_element(By.CSS_SELECTOR, css)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def wait_new_page(driver: WebDriver, old: Any, seconds: float = 90) -> None:
    """Wait until ``old`` (the previous page's <html>) is gone and the new page has loaded."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.wait import WebDriverWait

    def gone(_: WebDriver) -> bool:
        try:
            old.is_enabled()
        except WebDriverException:  # stale, or Chromium's "node does not belong to the document"
            return True
        return False

    WebDriverWait(driver, seconds).until(gone)
    WebDriverWait(driver, seconds).until(
        lambda d: d.execute_script("return document.readyState") == "complete")


def press(driver: WebDriver, css: str) -> None:
    """Click a button that loads a new page, and wait for that page."""
    old = driver.find_element(By.TAG_NAME, "html")
    click(driver, css)
    wait_new_page(driver, old)



def fill_callback(driver: WebDriver, **instead: str) -> dict[str, Any]:
    """Fill the open Shandong callback page with ``examples/callback-shandong.json`` (a text field
    named in ``instead`` gets that value, e.g. a mistake); the example's data."""
    data: dict[str, Any] = json.loads(
        (EXAMPLES / "callback-shandong.json").read_text("utf-8"))["data"]
    texts = {"policy.policy_no": data["policy"]["policy_no"], "caller": data["caller"],
             "caller_phone": data["caller_phone"], "insured_name": data["insured_name"],
             "service_items": data["service_items"], "process": data["process"]}
    for name, value in (texts | instead).items():
        driver.find_element(By.NAME, name).send_keys(value)
    # A date box is typed in the browser's own order (mm/dd/yyyy here): set what the picker sets.
    driver.execute_script("arguments[0].value = '2026-03-20'",
                          driver.find_element(By.NAME, "callback_time"))
    for name in ("attitude", "skill", "closure", "overall"):
        click(driver, f'input[name="{name}"][value="{data[name]}"]')
    return data
