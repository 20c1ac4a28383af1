"""Accessibility of the ``/app`` pages in headless Chromium, at phone (375 px) and desktop
(1280 px) widths (the ``server`` and ``browser`` fixtures of ``conftest.py``).

Every page of the journeys — sign-in, the forms catalogue, a fill page showing a validation
problem, the records search, a record, verify (with a result), scan — is checked by axe-core
(WCAG 2.0/2.1/2.2 A and AA and axe's best practices: labels, contrast 4.5:1 and 3:1 for large
text, ``lang``, title, heading order, image alternatives, landmarks), then walked with the Tab
key: every control is reached, in document order, each with a visible focus outline (2 px at
least, 3:1 against what surrounds it). Last, a technician signs in, opens a form, fills it in
and previews it with the keyboard alone (the preview page is checked by axe-core too).

axe-core is vendored for the tests only (``tests/web/vendor/``, see its README), injected with
WebDriver's ``execute_script`` (the pages' CSP does not apply to it); never served by the app.
A missing Chromium or axe-core fails these tests, never skips them.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

from tests.web.conftest import EXAMPLES, Server, press, shot, sign_in, wait_new_page

pytestmark = [pytest.mark.s3, pytest.mark.slow]

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
#: rules that must have run on every page (passed or found nothing to check), not only "no
#: violations": a page without them would pass by having nothing checked
MUST_RUN = {"label", "color-contrast", "html-has-lang", "html-lang-valid", "document-title",
            "heading-order", "image-alt", "page-has-heading-one", "landmark-one-main"}
POLICY = "PZAS202637010000012345"
PAGES = ["login", "forms", "fill-problem", "records", "record", "verify", "scan"]


# -- the checks ---------------------------------------------------------------------------------


def axe_source() -> str:
    """The vendored axe-core, checked against its recorded digest (a missing or altered file
    fails the test)."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing: {AXE} (see tests/web/vendor/README.md)", pytrace=False)
    raw = AXE.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == AXE_SHA256, "tests/web/vendor/axe-core changed"
    return raw.decode("utf-8")


def axe_violations(driver: WebDriver) -> list[str]:
    """axe-core's violations on the current page, one line per rule and element."""
    driver.execute_script(axe_source())
    driver.set_script_timeout(120)
    found = json.loads(driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]},"
        "                   resultTypes: ['violations']})"
        " .then(r => done(JSON.stringify({violations: r.violations,"
        "   ran: [...r.passes, ...r.inapplicable, ...r.violations, ...r.incomplete]"
        "          .map(x => x.id)})), e => done(JSON.stringify({error: String(e)})));",
        AXE_TAGS))
    assert "error" not in found, found
    missing = MUST_RUN - set(found["ran"])
    assert not missing, f"axe did not run {missing}"
    return [f"{v['id']} ({v['impact']}): {v['help']} — {n['target']} {n['failureSummary']!r}"
            for v in found["violations"] for n in v["nodes"]]


_FOCUS_INFO = """
const el = document.activeElement;
if (!el || el === document.body || el === document.documentElement) return null;
window.__azxAll = window.__azxAll || Array.from(document.querySelectorAll('*'));
const cs = getComputedStyle(el);
let bg = 'rgba(0, 0, 0, 0)';
for (let p = el.parentElement; p; p = p.parentElement) {
  const c = getComputedStyle(p).backgroundColor;
  if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') { bg = c; break; }
}
if (bg === 'rgba(0, 0, 0, 0)') bg = 'rgb(255, 255, 255)';
return {index: window.__azxAll.indexOf(el), tag: el.tagName.toLowerCase(),
        type: el.type || '', name: el.name || '', id: el.id || '',
        href: el.getAttribute('href') || '', value: el.value || '', checked: !!el.checked,
        text: (el.innerText || el.value || '').trim().slice(0, 40),
        outline: cs.outlineStyle, width: parseFloat(cs.outlineWidth), color: cs.outlineColor,
        shadow: cs.boxShadow, background: bg};
"""

_CONTROLS = """
window.__azxAll = window.__azxAll || Array.from(document.querySelectorAll('*'));
const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
return Array.from(document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]'))
  .filter(el => shown(el) && !el.disabled && el.tabIndex >= 0)
  .map(el => ({index: window.__azxAll.indexOf(el), tag: el.tagName.toLowerCase(),
               type: el.type || '', name: el.name || '', id: el.id || '',
               text: (el.innerText || el.value || '').trim().slice(0, 40)}));
"""


def _rgb(css: str) -> tuple[float, float, float]:
    parts = [float(x) for x in re.findall(r"[\d.]+", css)[:3]]
    assert len(parts) == 3, css
    return parts[0], parts[1], parts[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two CSS ``rgb()`` colours."""
    def lum(c: tuple[float, float, float]) -> float:
        ch = [(v / 255 / 12.92) if v / 255 <= 0.04045 else ((v / 255 + 0.055) / 1.055) ** 2.4
              for v in c]
        return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2]
    hi, lo = sorted((lum(_rgb(a)), lum(_rgb(b))), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def focused(driver: WebDriver) -> dict[str, Any] | None:
    return driver.execute_script(_FOCUS_INFO)  # type: ignore[no-any-return]


def tab(driver: WebDriver, key: str = Keys.TAB) -> dict[str, Any] | None:
    ActionChains(driver).send_keys(key).perform()
    return focused(driver)


def tab_walk(driver: WebDriver) -> list[dict[str, Any]]:
    """The elements Tab visits from the top of the page to the end of it."""
    driver.execute_script(  # focus the page itself: the next Tab goes to its first control
        "window.__azxAll = null; window.scrollTo(0, 0); const b = document.body;"
        "b.setAttribute('tabindex', '-1'); b.focus(); b.removeAttribute('tabindex');")
    visited: list[dict[str, Any]] = []
    for _ in range(600):
        got = tab(driver)
        if got is None or (visited and got["index"] == visited[0]["index"]):
            break
        visited.append(got)
    else:
        raise AssertionError("Tab never left the page")
    return visited


def keyboard_problems(driver: WebDriver) -> list[str]:
    """What is wrong with the page for a keyboard user: controls Tab never reaches, an order
    that is not the document's, focus that cannot be seen."""
    walked = tab_walk(driver)  # a date box is three stops (year, month, day): one control
    visited = [v for i, v in enumerate(walked) if i == 0 or v["index"] != walked[i - 1]["index"]]
    controls: list[dict[str, Any]] = driver.execute_script(_CONTROLS)
    problems = []
    order = [v["index"] for v in visited]
    if order != sorted(order) or len(set(order)) != len(order):
        problems.append(f"Tab order is not the document order: {[v['text'] for v in visited]}")
    reached = {v["index"] for v in visited}
    groups = {v["name"] for v in visited if v["type"] == "radio"}  # one stop per radio group
    for c in controls:
        if c["index"] not in reached and not (c["type"] == "radio" and c["name"] in groups):
            problems.append(f"Tab never reaches {c}")
    for v in visited:
        ring = v["outline"] not in ("none", "") and v["width"] >= 2
        if not ring:
            problems.append(f"no visible focus outline on {v['tag']} {v['type']}: "
                            f"{v['outline']} {v['width']}px")
        elif contrast(v["color"], v["background"]) < 3:
            problems.append(f"focus outline {v['color']} on {v['background']} is under 3:1 "
                            f"({contrast(v['color'], v['background']):.2f}) on {v['tag']}")
    return sorted(set(problems))


# -- the pages ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def record(server: Server, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """A record archived by an insurer of tenant ``a11y``, and its PDF."""
    rid, pdf = server.archive("a11y")
    path = tmp_path_factory.mktemp("a11y") / f"{rid}.pdf"
    path.write_bytes(pdf)
    return rid, path


def _open(page: str, driver: WebDriver, server: Server, record: tuple[str, Path]) -> None:
    rid, pdf = record
    if page == "login":
        driver.get(server.base + "/app/login")
        return
    role = "technician" if page in ("forms", "fill-problem") else "auditor"
    sign_in(driver, server.base, server.key("a11y", role))
    opens: dict[str, Callable[[], None]] = {
        "forms": lambda: driver.get(server.base + "/app/forms"),
        "records": lambda: driver.get(f"{server.base}/app/records?policy_no={POLICY}"),
        "record": lambda: driver.get(f"{server.base}/app/records/{rid}"),
        "scan": lambda: driver.get(server.base + "/app/scan"),
    }
    if page in opens:
        opens[page]()
    elif page == "fill-problem":
        driver.get(server.base + "/app/forms/callback/fill?profile=shandong")
        driver.find_element(By.NAME, "caller_phone").send_keys("电话 abc")
        press(driver, 'div.bar button[value="check"]')
        assert driver.find_elements(By.CSS_SELECTOR, ".summary [href]")
    elif page == "verify":
        driver.get(server.base + "/app/verify")
        driver.find_element(By.ID, "file").send_keys(str(pdf))
        press(driver, "form.card button[type=submit]")
        assert driver.find_elements(By.CSS_SELECTOR, "section.ok")
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete")


@pytest.mark.parametrize("page", PAGES)
def test_the_page_passes_axe_and_the_keyboard_reaches_every_control_visibly(
        server: Server, browser: tuple[WebDriver, Path], width: str, page: str,
        record: tuple[str, Path]) -> None:
    driver, _ = browser
    _open(page, driver, server, record)
    violations = axe_violations(driver)
    assert not violations, f"{page} at {width}:\n" + "\n".join(violations)
    problems = keyboard_problems(driver)
    assert not problems, f"{page} at {width}:\n" + "\n".join(problems)


# -- the journey, with the keyboard alone ----------------------------------------------------------


def _type_date(driver: WebDriver, iso: str) -> None:
    """Type a date into the focused date box in the order of its fields, which is the
    browser's own locale's (Intl's default), not the page's language."""
    order = driver.execute_script(
        "return new Intl.DateTimeFormat().formatToParts(new Date(2026, 2, 20))"
        ".filter(p => p.type !== 'literal').map(p => p.type)")
    year, month, day = iso.split("-")
    parts = {"year": year, "month": month, "day": day}
    ActionChains(driver).send_keys("".join(parts[p] for p in order)).perform()


def _tab_to(driver: WebDriver, wanted: Callable[[dict[str, Any]], bool],
            act: Callable[[dict[str, Any]], None] = lambda _: None) -> dict[str, Any]:
    """Press Tab until ``wanted`` holds for the focused element, calling ``act`` on each stop."""
    for _ in range(400):
        got = tab(driver)
        if got is not None:
            if wanted(got):
                return got
            act(got)
    raise AssertionError("Tab never reached the element wanted")


def test_a_technician_signs_in_fills_a_form_and_previews_it_with_the_keyboard_alone(
        server: Server, browser: tuple[WebDriver, Path], width: str) -> None:
    driver, _ = browser
    data = json.loads((EXAMPLES / "callback-shandong.json").read_text("utf-8"))["data"]
    driver.get(server.base + "/app/login")
    _tab_to(driver, lambda f: f["id"] == "key")
    ActionChains(driver).send_keys(server.key("a11y-kb", "technician"), Keys.ENTER).perform()
    WebDriverWait(driver, 30).until(lambda d: d.current_url.endswith("/app/forms"))

    # the catalogue: Tab to the Shandong callback form's "填写" link, Enter
    old = driver.find_element(By.TAG_NAME, "html")
    _tab_to(driver, lambda f: f["href"] == "/app/forms/callback/fill?profile=shandong")
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    wait_new_page(driver, old)
    assert "/app/forms/callback/fill" in driver.current_url

    texts = {"policy.policy_no": data["policy"]["policy_no"], "caller": data["caller"],
             "caller_phone": data["caller_phone"], "insured_name": data["insured_name"],
             "service_items": data["service_items"], "process": data["process"]}
    choices = {n: data[n] for n in ("attitude", "skill", "closure", "overall")}

    def fill(f: dict[str, Any]) -> None:
        if f["name"] in texts:
            ActionChains(driver).send_keys(texts.pop(f["name"])).perform()
        elif f["name"] == "callback_time":
            _type_date(driver, "2026-03-20")
        elif f["type"] == "radio" and f["name"] in choices:
            want = choices.pop(f["name"])
            now = f
            if not now["checked"]:
                ActionChains(driver).send_keys(Keys.SPACE).perform()
            for _ in range(6):
                now = focused(driver) or now
                if now["value"] == want:
                    break
                ActionChains(driver).send_keys(Keys.ARROW_DOWN).perform()
            assert now["value"] == want and (focused(driver) or {}).get("checked"), now

    _tab_to(driver, lambda f: f["tag"] == "button" and f["value"] == "preview", fill)
    assert not texts and not choices, (texts, choices)
    assert driver.find_element(By.NAME, "callback_time").get_attribute("value") == "2026-03-20"
    old = driver.find_element(By.TAG_NAME, "html")
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    wait_new_page(driver, old)
    assert driver.find_elements(By.CSS_SELECTOR, ".summary") == [], \
        driver.find_element(By.TAG_NAME, "main").text[:2000]
    page = driver.find_element(By.CSS_SELECTOR, "#preview img.page")
    deadline = time.monotonic() + 30
    while not driver.execute_script("return arguments[0].complete", page):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert driver.execute_script("return arguments[0].naturalWidth", page) > 500
    shot(driver, "20-keyboard-preview", width)
    violations = axe_violations(driver)  # the preview page too (its picture needs a text)
    assert not violations, "\n".join(violations)
