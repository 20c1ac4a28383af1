"""Write docs/images/web-*.png: one screenshot of each journey of the web pages, for the README.

Run: .venv/bin/python tools/web_screenshots.py [--out DIR]   (the results are committed)

Needs Debian ``chromium`` and ``chromium-driver`` (``scripts/setup.sh --tests``). The app is
served and the browser driven as the browser tests do (``tests/web/conftest.py``: a fresh data
dir, uvicorn on a loopback port, headless Chromium at 375 px for the technician's journeys and
1280 px for the auditor's), in Chinese (the pages' default). Each picture is the top of the page
(at most ``MAX_HEIGHT`` px), saved as an optimised PNG.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

from tests.web.conftest import (  # noqa: E402
    WIDTHS,
    Server,
    chromium,
    click,
    fill_callback,
    press,
    serving,
    sign_in,
)

EXAMPLES = ROOT / "examples"
MAX_HEIGHT = 1400
MAX_BYTES = 250_000
#: the journeys, in the README's order: file name → what it shows
JOURNEYS = {
    "web-forms-phone.png": "download a blank form (the catalogue)",
    "web-fill-problem-phone.png": "fill a form: a mistake shown on its field",
    "web-fill-download-phone.png": "corrected: checks passed, download PDF or Word",
    "web-fill-phone.png": "preview: page 1 of the filled form, with a photo",
    "web-scan-phone.png": "scan a QR code",
    "web-fill-english-phone.png": "the English switch: field labels in English after the Chinese",
    "web-login-desktop.png": "sign in as an auditor",
    "web-records-desktop.png": "search the records",
    "web-record-desktop.png": "open a record",
    "web-verify-desktop.png": "verify an uploaded PDF",
}


def save(driver: WebDriver, out: Path, width: str, height: int = MAX_HEIGHT,
         parts: tuple[tuple[str, str], ...] = ()) -> None:
    """The top of the page as the window shows it (at most ``height`` px, the fill page's
    button bar at its foot), or ``parts``: stretches of the whole page, each from the top of
    one element to the foot of another, stacked with a thin gap between them."""
    if parts:
        image = _stitch([_stretch(driver, width, top, foot) for top, foot in parts])
    else:
        _window(driver, width, height)
        driver.execute_script("window.scrollTo(0, 0)")
        time.sleep(0.3)
        foot = int(driver.execute_script(
            "return Math.min(window.innerHeight, "
            "document.querySelector('main').getBoundingClientRect().bottom + 16)"))
        image = _screen(driver)
        image = image.crop((0, 0, image.width, min(image.height, foot)))
    data = _png(image)
    if len(data) > MAX_BYTES:  # a palette keeps text sharp and the file small
        data = _png(image.quantize(colors=256, method=Image.Quantize.MEDIANCUT))
    out.write_bytes(data)
    print(f"{out.name}: {image.width}×{image.height}, {len(data) // 1000} kB")
    driver.set_window_size(WIDTHS[width], 900)


def _window(driver: WebDriver, width: str, height: int) -> None:
    """A window whose page area is ``height`` px tall (the window's own bars added)."""
    driver.set_window_size(WIDTHS[width], height)
    inner = int(driver.execute_script("return window.innerHeight"))
    driver.set_window_size(WIDTHS[width], height + (height - inner))


def _screen(driver: WebDriver) -> Image.Image:
    return Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB")


def _stretch(driver: WebDriver, width: str, top: str, foot: str) -> Image.Image:
    """The page from the top of ``top`` to the foot of ``foot`` (CSS selectors), 8 px around."""
    page = int(driver.execute_script("return document.documentElement.scrollHeight"))
    _window(driver, width, min(page, 8000))
    driver.execute_script("window.scrollTo(0, 0)")
    time.sleep(0.3)
    y0, y1 = driver.execute_script(
        "const a = document.querySelector(arguments[0]).getBoundingClientRect(),"
        " b = document.querySelector(arguments[1]).getBoundingClientRect();"
        "return [a.top + window.scrollY, b.bottom + window.scrollY]", top, foot)
    image = _screen(driver)
    return image.crop((0, max(0, int(y0) - 8), image.width, min(image.height, int(y1) + 8)))


def _stitch(images: list[Image.Image]) -> Image.Image:
    gap = 14
    out = Image.new("RGB", (images[0].width, sum(i.height for i in images)
                            + gap * (len(images) - 1)), (246, 248, 250))
    y = 0
    for n, image in enumerate(images):
        if n:
            for x in range(0, out.width, 8):  # a dashed line: the page goes on between
                out.paste((140, 149, 159), (x, y - gap // 2, x + 4, y - gap // 2 + 1))
        out.paste(image, (0, y))
        y += image.height + gap
    return out


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def _photo(path: Path) -> Path:
    """A small JPEG that looks like a photo (a gradient), as a phone camera would give."""
    im = Image.new("RGB", (320, 240))
    im.putdata([(x % 256, (y * 2) % 256, 120) for y in range(240) for x in range(320)])
    im.save(path, "JPEG", quality=85)
    return path


def _wait(check: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def technician(server: Server, out: Path, work: Path) -> None:
    """Phone: the catalogue, a form filled with a mistake, corrected, previewed; the scanner."""
    downloads = work / "phone-downloads"
    downloads.mkdir()
    with chromium("phone", downloads) as driver:
        sign_in(driver, server.base, server.key("demo", "technician"))
        driver.get(server.base + "/app/forms")
        save(driver, out / "web-forms-phone.png", "phone")
        click(driver, 'a[href="/app/forms/callback/blank.pdf?profile=shandong"]')
        _wait(lambda: list(downloads.glob("*.pdf")), "the blank PDF")

        url = server.base + "/app/forms/callback/fill?profile=shandong"
        driver.get(url)
        driver.execute_script("localStorage.clear()")
        driver.get(url)
        data = fill_callback(driver, caller_phone="电话 abc")
        press(driver, 'div.bar button[value="check"]')
        save(driver, out / "web-fill-problem-phone.png", "phone",
             parts=(("body", ".summary"), (".field.invalid", ".field.invalid")))

        phone = driver.find_element(By.NAME, "caller_phone")
        phone.clear()
        phone.send_keys(data["caller_phone"])
        press(driver, 'div.bar button[value="check"]')
        assert driver.find_elements(By.CSS_SELECTOR, ".ok"), "the corrected form has problems"
        save(driver, out / "web-fill-download-phone.png", "phone")

        driver.find_element(By.CSS_SELECTOR, 'input[name="process_photos.__file"]').send_keys(
            str(_photo(work / "现场照片.jpg")))
        press(driver, 'div.bar button[value="preview"]')
        _wait(lambda: driver.execute_script(
            "const i = document.querySelector('#preview img.page'); return i && i.complete"),
            "the preview")
        save(driver, out / "web-fill-phone.png", "phone",
             parts=(("body", "#preview"), ("#f-process_photos", "#f-process_photos")))
        driver.execute_script("localStorage.clear()")

        driver.get(server.base + "/app/scan")
        save(driver, out / "web-scan-phone.png", "phone")

        # the English switch: the paper form's Chinese words, their English after them
        driver.get(server.base + "/app/lang?to=en&next=" + quote(
            "/app/forms/report/fill?profile=shandong"))
        save(driver, out / "web-fill-english-phone.png", "phone",
             parts=(("body", "#f-policy-policy_no"), ("#f-risks", "#f-risks-0-name"),
                    ("#f-risks-0-level", "#f-risks-0-level")))
        driver.get(server.base + "/app/lang?to=zh&next=/app/forms")


def auditor(server: Server, out: Path, work: Path) -> None:
    """Desktop: sign in as an auditor, search, open a record, verify its PDF."""
    archived = [server.archive("demo", name) for name in
                ("agreement-shandong.json", "plan-shandong.json", "report-shandong.json",
                 "callback-shandong.json")]
    rids = [rid for rid, _ in archived]
    pdf = work / f"{rids[-1]}.pdf"
    pdf.write_bytes(archived[-1][1])
    policy_no = json.loads((EXAMPLES / "callback-shandong.json").read_text("utf-8"))[
        "data"]["policy"]["policy_no"]

    downloads = work / "desktop-downloads"
    downloads.mkdir()
    with chromium("desktop", downloads) as driver:
        driver.get(server.base + "/app/login")
        driver.find_element(By.ID, "key").send_keys(server.key("demo", "auditor"))
        save(driver, out / "web-login-desktop.png", "desktop")
        press(driver, "form.card button[type=submit]")

        driver.get(f"{server.base}/app/records?policy_no={policy_no}")
        save(driver, out / "web-records-desktop.png", "desktop")

        press(driver, f'a[href="/app/records/{rids[-1]}"]')
        save(driver, out / "web-record-desktop.png", "desktop")

        driver.get(server.base + "/app/verify")
        driver.find_element(By.ID, "file").send_keys(str(pdf))
        press(driver, 'form.card button[type=submit]')
        save(driver, out / "web-verify-desktop.png", "desktop")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    out: Path = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="azx-shots-") as tmp:
        work = Path(tmp)
        (work / "data").mkdir()
        with serving(work / "data") as server:
            technician(server, out, work)
            auditor(server, out, work)


if __name__ == "__main__":
    main()
