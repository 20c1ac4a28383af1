"""安全风险四色图 over HTTP (POST /v1/risk/map.png|.svg) and in the documents (Shandong report,
Chengdu 表 7): the map is added as a picture when the risk rows name their areas."""

from __future__ import annotations

import copy
import io
import json
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from PIL import Image

from api.main import create_app
from core.settings import Settings
from domain.catalog import get_kind, parse_data
from domain.risk import RiskLevel
from rendering.riskmap import group_by_area, layout_map
from services.keys import create_key
from services.render import build, render_document

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ROWS = [{"area": "喷漆房", "level": "重大风险"}, {"area": "喷漆房", "level": "低风险"},
        {"area": "仓库", "level": "较大风险"}, {"area": "办公楼", "level": "低风险"},
        {"area": None, "level": "一般风险"}]
needs_poppler = pytest.mark.skipif(shutil.which("pdfimages") is None, reason="poppler-utils")


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict]]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("riskmap")))
    with TestClient(app) as client:
        key = create_key(app.state.ctx.engine, "t1", "insurer")
        yield client, {"Authorization": f"Bearer {key}"}


def _close(rgb: tuple[int, ...], hex_: str, tol: int = 8) -> bool:
    want = bytes.fromhex(hex_.removeprefix("#"))
    return all(abs(a - b) <= tol for a, b in zip(rgb[:3], want, strict=True))


def test_png_decodes_and_the_major_area_is_red(api):
    client, auth = api
    r = client.post("/v1/risk/map.png", headers=auth, json={"rows": ROWS})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png"
    img = Image.open(io.BytesIO(r.content)).convert("RGB")
    lay = layout_map(group_by_area([(x["area"], x["level"]) for x in ROWS]),
                     title="安全风险四色图", bands_text="")
    assert img.size == (round(lay.width), round(lay.height))
    tiles = {t.area.name: t for t in lay.tiles}
    assert RiskLevel.MAJOR.colour_hex.upper() == "FF0000"
    expected = {"喷漆房": RiskLevel.MAJOR.colour_hex, "仓库": RiskLevel.SIGNIFICANT.colour_hex,
                "办公楼": RiskLevel.LOW.colour_hex}
    for name, hex_ in expected.items():
        xs = [p[0] for p in tiles[name].outline]
        ys = [p[1] for p in tiles[name].outline]
        x, y = round(min(xs) + 8), round(min(ys) + 8)  # a corner, clear of the label
        assert _close(img.getpixel((x, y)), hex_), (name, img.getpixel((x, y)))


def test_svg_is_well_formed_and_escapes_names(api):
    client, auth = api
    rows = [*ROWS, {"area": "<script>alert(1)</script>", "level": "一般风险"}]
    r = client.post("/v1/risk/map.svg", headers=auth, json={"rows": rows, "title": "某厂四色图"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(r.content)
    assert root.tag.endswith("svg")
    assert b"<script>" not in r.content and "某厂四色图" in r.text


def test_bad_input_is_422(api):
    client, auth = api
    r = client.post("/v1/risk/map.png", headers=auth,
                    json={"rows": [{"area": "a", "level": "很高"}]})
    assert r.status_code == 422 and r.json()["problems"][0]["rule"] == "riskmap.invalid"
    r = client.post("/v1/risk/map.svg", headers=auth, json={"rows": ROWS, "plan": "bm90IGFuIGltYWdl"})
    assert r.status_code == 422 and r.json()["problems"][0]["rule"] == "riskmap.plan_invalid"
    assert client.post("/v1/risk/map.png", json={"rows": ROWS}).status_code == 401


def test_plan_with_polygons(api):
    client, auth = api
    buf = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buf, "PNG")
    import base64

    plan = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    body = {"rows": ROWS, "plan": plan,
            "polygons": {"喷漆房": [[10, 10], [200, 10], [200, 150], [10, 150]]}}
    r = client.post("/v1/risk/map.svg", headers=auth, json=body)
    assert r.status_code == 200, r.text
    assert "data:image/png;base64," in r.text and "<polygon" in r.text
    assert client.post("/v1/risk/map.png", headers=auth, json=body).status_code == 200


# --- the map in the documents --------------------------------------------------------------------


def _pdf(body: dict[str, Any]) -> bytes:
    kind = get_kind(body["type"], body["profile"])
    return render_document(build(kind, parse_data(kind, body["data"])), "pdf")


def _images(pdf: bytes, tmp: Path) -> list[list[str]]:
    path = tmp / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True,
                         check=True).stdout.splitlines()[2:]
    return [line.split() for line in out if line.strip()]


def _without(body: dict[str, Any], key: str, field: str) -> dict[str, Any]:
    body = copy.deepcopy(body)
    for row in body["data"][key]:
        row.pop(field, None)
    return body


def _example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def _red_pixels(pdf: bytes, tmp: Path) -> int:
    """Pure-red (重大风险) pixels on every page, rasterised at 40 dpi."""
    path = tmp / "doc.pdf"
    path.write_bytes(pdf)
    for old in tmp.glob("pg-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp / "pg")], check=True)
    count = 0
    for page in tmp.glob("pg-*.png"):
        for n, c in Image.open(page).convert("RGB").getcolors(1 << 22) or []:
            if _close(c, "FF0000", 8):
                count += n
    return count


@needs_poppler
@pytest.mark.parametrize(("name", "key", "field"), [
    ("report-shandong", "risks", "area"), ("chengdu_table_7-chengdu", "rows", "site_address")])
def test_pdf_with_areas_carries_the_map_as_vector_svg_with_red_for_major_risk(
        name, key, field, tmp_path):
    """The map is drawn in the PDF as SVG (vector): no extra raster image, but its red tiles and
    its legend text appear; without areas there is no map."""
    body = _example(name)
    assert any(r.get(field) for r in body["data"][key])
    plain = _pdf(_without(body, key, field))
    with_map = _pdf(body)
    assert len(_images(with_map, tmp_path)) == len(_images(plain, tmp_path))  # vector, not raster
    assert _red_pixels(with_map, tmp_path) > 500 > _red_pixels(plain, tmp_path)
    (tmp_path / "m.pdf").write_bytes(with_map)
    text = subprocess.run(["pdftotext", str(tmp_path / "m.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "图例" in text and "重大风险" in text


def test_blank_forms_have_no_map():
    for name in ("report-shandong", "chengdu_table_7-chengdu"):
        body = _example(name)
        kind = get_kind(body["type"], body["profile"])
        doc = build(kind, None)
        assert "安全风险四色图" not in json.dumps(doc, default=str, ensure_ascii=False)
