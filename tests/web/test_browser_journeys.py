"""The web pages in a real browser: headless Chromium (Debian ``chromium`` + ``chromium-driver``,
driven by Selenium) against the app served by uvicorn on a loopback port, at phone (375 px) and
desktop (1280 px) widths (the ``server`` and ``browser`` fixtures of ``conftest.py``).
Screenshots are kept under ``/tmp/web-shots`` (``AZX_WEB_SHOTS``).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.web.conftest import (
    EXAMPLES,
    SHOTS,
    WIDTHS,
    Server,
    click,
    fill_callback,
    press,
    shot,
    sign_in,
    wait_new_page,
)

pytestmark = [pytest.mark.s3, pytest.mark.slow]



def wait_for_file(folder: Path, suffix: str, timeout: float = 60) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} downloaded into {folder}: {list(folder.iterdir())}")


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_a_technician_signs_in_downloads_a_blank_form_fills_one_and_signs_out(
        server: Server, browser: tuple[WebDriver, Path], width: str) -> None:
    driver, downloads = browser
    driver.get(server.base + "/app/forms")
    assert driver.current_url.endswith("/app/login")  # no session: the sign-in page
    shot(driver, "01-login", width)
    sign_in(driver, server.base, server.key("web-tech", "technician"))
    assert driver.current_url.endswith("/app/forms")
    assert "山东 附件" in driver.page_source or "附件5" in driver.page_source
    shot(driver, "02-forms", width)
    assert driver.execute_script("return document.documentElement.scrollWidth") <= WIDTHS[width]

    driver.find_element(By.CSS_SELECTOR,
                        'a[href="/app/forms/callback/blank.pdf?profile=shandong"]').click()
    blank = wait_for_file(downloads, ".pdf")
    assert blank.read_bytes().startswith(b"%PDF-")
    assert "回访" in pdf_text(blank)
    blank.unlink()

    # Fill the Shandong callback form, with one mistake: a phone number with letters.
    driver.get(server.base + "/app/forms/callback/fill?profile=shandong")
    shot(driver, "03-fill-empty", width)
    data = fill_callback(driver, caller_phone="电话 abc")
    press(driver, 'div.bar button[value="check"]')
    summary = driver.find_element(By.CSS_SELECTOR, ".summary")
    assert "caller_phone" in summary.text
    problem = driver.find_element(By.CSS_SELECTOR, "#f-caller_phone").get_attribute(
        "aria-invalid")
    assert problem == "true"
    shot(driver, "04-fill-problem", width)

    phone = driver.find_element(By.NAME, "caller_phone")
    phone.clear()
    phone.send_keys(data["caller_phone"])
    press(driver, 'div.bar button[value="check"]')
    assert driver.find_elements(By.CSS_SELECTOR, ".summary") == []
    assert "检查通过" in driver.find_element(By.CSS_SELECTOR, ".ok").text
    shot(driver, "05-fill-ok", width)
    click(driver, 'div.bar button[value="pdf"]')
    filled = wait_for_file(downloads, ".pdf")
    text = pdf_text(filled)
    assert data["policy"]["policy_no"] in text and data["caller_phone"] in text
    assert data["caller"] in text

    press(driver, "form.inline button")  # sign out
    assert driver.current_url.endswith("/app/login")
    driver.get(server.base + "/app/forms")
    assert driver.current_url.endswith("/app/login")


def test_a_stranger_signed_in_with_another_tenants_key_sees_none_of_its_records(
        server: Server, browser: tuple[WebDriver, Path], width: str) -> None:
    driver, _ = browser
    rid, _ = server.archive("web-owner")
    body = json.loads((EXAMPLES / "callback-shandong.json").read_text("utf-8"))

    sign_in(driver, server.base, server.key("web-owner", "auditor"))  # the same tenant: found
    driver.get(server.base + "/app/records?policy_no=" + body["data"]["policy"]["policy_no"])
    assert rid in driver.page_source
    shot(driver, "06-records", width)
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.LINK_TEXT, rid).click()
    wait_new_page(driver, old)
    assert "合规锁定" in driver.page_source and rid in driver.page_source
    assert driver.find_element(By.ID, "seal-level").text == "PAdES B-B"
    events = driver.find_elements(By.CSS_SELECTOR, "#events li")
    assert events and "提交归档" in events[0].text and "承保机构" in events[0].text
    shot(driver, "07-record", width)
    press(driver, "form.inline button")  # sign out

    sign_in(driver, server.base, server.key("web-stranger", "admin"))
    driver.get(server.base + "/app/records?policy_no=" + body["data"]["policy"]["policy_no"])
    assert rid not in driver.page_source and "济南鲁通" not in driver.page_source
    driver.get(server.base + f"/app/records/{rid}")
    assert "未找到" in driver.page_source and "济南鲁通" not in driver.page_source
    shot(driver, "08-stranger-404", width)


def _photo(path: Path) -> Path:
    """A small JPEG that looks like a photo (a gradient), as a phone camera would give."""
    from PIL import Image

    im = Image.new("RGB", (320, 240))
    im.putdata([(x % 256, (y * 2) % 256, 120) for y in range(240) for x in range(320)])
    im.save(path, "JPEG", quality=85)
    return path


def test_a_technician_attaches_a_photo_previews_the_form_and_the_pdf_prints_the_photo(
        server: Server, browser: tuple[WebDriver, Path], width: str, tmp_path: Path) -> None:
    driver, downloads = browser
    sign_in(driver, server.base, server.key("web-photo", "technician"))
    driver.get(server.base + "/app/forms/callback/fill?profile=shandong")
    driver.execute_script("localStorage.clear()")
    driver.get(server.base + "/app/forms/callback/fill?profile=shandong")
    fill_callback(driver)
    camera = driver.find_element(By.CSS_SELECTOR, 'input[type=file][name="process_photos.__file"]')
    assert camera.get_attribute("capture") == "environment"
    assert "image/" in (camera.get_attribute("accept") or "")
    camera.send_keys(str(_photo(tmp_path / "现场照片.jpg")))
    press(driver, 'div.bar button[value="preview"]')
    if not driver.find_elements(By.CSS_SELECTOR, "#preview"):
        shot(driver, "09-fill-preview-failed", width)
        raise AssertionError(driver.find_element(By.TAG_NAME, "main").text[:3000])

    page = driver.find_element(By.CSS_SELECTOR, "#preview img.page")
    assert driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth",
                                 page) > 500
    thumb = driver.find_element(By.CSS_SELECTOR, "#f-process_photos .thumbs img")
    assert driver.execute_script("return arguments[0].naturalWidth", thumb) > 0
    assert driver.find_element(By.CSS_SELECTOR,
                               'input[name="process_photos.__photo"]').is_selected()
    shot(driver, "09-fill-preview", width)
    assert driver.execute_script("return document.documentElement.scrollWidth") <= WIDTHS[width]

    click(driver, 'div.bar button[value="pdf"]')
    filled = wait_for_file(downloads, ".pdf")
    listed = subprocess.run(["pdfimages", "-list", str(filled)], capture_output=True,
                            text=True, check=True).stdout
    assert any(line.split()[3:5] == ["320", "240"] for line in listed.splitlines()[2:]), listed


def test_a_draft_is_kept_on_the_device_and_restored_after_a_reload(
        server: Server, browser: tuple[WebDriver, Path], width: str) -> None:
    driver, _ = browser
    sign_in(driver, server.base, server.key("web-draft", "technician"))
    url = server.base + "/app/forms/report/fill?profile=shandong"
    driver.get(url)
    driver.execute_script("localStorage.clear()")
    driver.get(url)
    assert not driver.find_element(By.ID, "draft-clear").is_displayed()
    driver.find_element(By.NAME, "policy.policy_no").send_keys("PZAS-DRAFT-0001")
    press(driver, 'button[value="add:risks"]')  # a second row, drawn by the server
    driver.find_element(By.NAME, "risks.1.name").send_keys("高处坠落")

    stored = driver.execute_script("return JSON.stringify(localStorage)")
    assert "PZAS-DRAFT-0001" in stored and "高处坠落" in stored
    assert "csrf" not in stored and "azx_" not in stored  # no token, no key

    driver.get(url)  # the network came back: a fresh page, the draft fills it (rows included)
    from selenium.webdriver.support.wait import WebDriverWait

    WebDriverWait(driver, 60).until(  # the fresh page lacks row 2: the script posts a restore
        lambda d: d.find_elements(By.CSS_SELECTOR, 'form[data-restored="1"]')
        and d.execute_script("return document.readyState") == "complete")
    assert driver.find_element(By.NAME, "policy.policy_no").get_attribute(
        "value") == "PZAS-DRAFT-0001"
    assert driver.find_element(By.NAME, "risks.1.name").get_attribute("value") == "高处坠落"
    note = driver.find_element(By.ID, "draft-note")
    assert note.is_displayed() and "草稿" in note.text
    shot(driver, "10-fill-draft-restored", width)

    press(driver, "#draft-clear")
    assert driver.find_element(By.NAME, "policy.policy_no").get_attribute("value") == ""
    assert driver.find_elements(By.NAME, "risks.1.name") == []


def test_an_auditor_scans_a_qr_code_from_a_photo_and_the_verify_page_opens(
        server: Server, browser: tuple[WebDriver, Path], width: str, tmp_path: Path) -> None:
    import qrcode

    driver, _ = browser
    rid, _ = server.archive("web-scan")
    picture = tmp_path / "qr.png"
    # a code printed with another host: the page opens this service's verify page
    qrcode.make(f"https://azx.example.cn/verify/{rid}").save(str(picture))

    sign_in(driver, server.base, server.key("web-scan", "auditor"))
    driver.get(server.base + "/app/scan")
    assert driver.find_element(By.ID, "scanner").is_displayed()  # the script ran
    assert driver.execute_script("return typeof window.jsQR") == "function"
    shot(driver, "11-scan", width)
    driver.find_element(By.ID, "scan-file").send_keys(str(picture))
    deadline = time.monotonic() + 20
    while "/verify/" not in driver.current_url and time.monotonic() < deadline:
        time.sleep(0.2)
    assert driver.current_url == f"{server.base}/verify/{rid}", driver.current_url
    assert rid in driver.page_source

    # the record page links the audit material
    driver.get(server.base + f"/app/records/{rid}")
    for part in ("archive-contents.pdf", "checks.pdf", "package.zip"):
        assert driver.find_elements(By.CSS_SELECTOR, f'a[href="/app/records/{rid}/{part}"]')
    shot(driver, "12-record-links", width)


def test_a_scored_map_is_one_sub_form_per_indicator(
        server: Server, browser: tuple[WebDriver, Path], width: str) -> None:
    driver, _ = browser
    sign_in(driver, server.base, server.key("web-map", "technician"))
    driver.get(server.base + "/app/forms/callback/fill?profile=chengdu")
    item = driver.find_element(By.ID, "f-findings-plan_preparation")
    assert "服务方案制定情况" in item.find_element(By.TAG_NAME, "legend").text
    assert item.find_element(By.NAME, "findings.plan_preparation.__set").get_attribute(
        "type") == "checkbox"
    assert driver.find_elements(By.CSS_SELECTOR, 'textarea[name="findings"]') == []
    driver.execute_script("arguments[0].scrollIntoView()", item)
    driver.save_screenshot(str(SHOTS / f"13-fill-findings-{width}.png"))
    assert driver.execute_script("return document.documentElement.scrollWidth") <= WIDTHS[width]


def test_an_auditor_verifies_an_uploaded_pdf_and_a_changed_copy_is_refused(
        server: Server, browser: tuple[WebDriver, Path], width: str, tmp_path: Path) -> None:
    """验证上传：the archived PDF is authentic and links to its record; the same file with one
    byte of its content changed is not, and the page says why."""
    driver, _ = browser
    rid, pdf = server.archive("web-verify")
    original, changed = tmp_path / "original.pdf", tmp_path / "changed.pdf"
    original.write_bytes(pdf)
    at = pdf.index(b"stream") + 200  # inside the first content stream
    changed.write_bytes(pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1:])

    sign_in(driver, server.base, server.key("web-verify", "auditor"))
    driver.get(server.base + "/app/verify")
    driver.find_element(By.ID, "file").send_keys(str(original))
    press(driver, "form.card button[type=submit]")
    ok = driver.find_element(By.CSS_SELECTOR, "section.ok")
    assert "真实有效" in ok.text and rid in ok.text
    shot(driver, "13-verify-authentic", width)

    driver.find_element(By.ID, "file").send_keys(str(changed))
    press(driver, "form.card button[type=submit]")
    assert not driver.find_elements(By.CSS_SELECTOR, "section.ok")
    bad = driver.find_element(By.CSS_SELECTOR, "section.bad")
    assert "无法验证" in bad.text and bad.find_elements(By.CSS_SELECTOR, "li")
    shot(driver, "14-verify-changed", width)
