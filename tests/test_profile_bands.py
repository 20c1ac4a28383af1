"""Published risk-matrix schemes differ (domain-facts.md): the bands are configurable per profile
(AZX_RISK_BANDS) and the bands in force are printed under the table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain.risk import configure_profile_bands, profile_bands
from services.render import render_data
from tests.textutil import pdf_text, squash

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "chengdu_table_5-chengdu.json"


@pytest.fixture
def chengdu_uses_scheme_c():
    configure_profile_bands({"chengdu": "LS-C"})
    yield
    configure_profile_bands({})


def test_default_scheme_a_puts_r_9_in_general_risk():
    assert profile_bands("chengdu").name == "LS-A"
    body = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    text = squash(pdf_text(render_data(body["type"], body["profile"], body["data"], "pdf").content))
    assert squash("339一般风险") in text  # L=3 S=3 R=9
    assert squash("20–25 重大风险（红）；15–16 较大风险（橙）；9–12 一般风险（黄）") in text


def test_a_profile_configured_for_scheme_c_computes_and_prints_scheme_c(chengdu_uses_scheme_c):
    body = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    text = squash(pdf_text(render_data(body["type"], body["profile"], body["data"], "pdf").content))
    assert squash("339较大风险") in text  # R=9 is 较大 under scheme C (9–16)
    assert squash("9–16 较大风险（橙）") in text
    assert profile_bands("shandong").name == "LS-A"  # other profiles keep theirs


def test_an_unknown_scheme_or_a_wrong_method_is_refused():
    from domain.errors import DomainValidationError

    with pytest.raises(DomainValidationError):
        configure_profile_bands({"chengdu": "LS-Z"})
    with pytest.raises(DomainValidationError):
        configure_profile_bands({"chengdu:lec": "LS-A"})
    configure_profile_bands({})
