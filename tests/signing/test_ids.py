"""Record IDs: format, round trips, and the ISO 7064 MOD 37-2 error-detection guarantees."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.ids import (
    DOC_TYPE_CODES,
    InvalidRecordId,
    check_character,
    is_valid_record_id,
    new_record_id,
    normalise_record_id,
    parse_record_id,
)

ISO_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SHAPE = re.compile(r"^AZX-\d{2}[A-Z0-9]{3}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-Z]$")


@st.composite
def record_ids(draw: st.DrawFn) -> str:
    """Valid IDs built from hypothesis-drawn parts (so failures shrink), all types and years."""
    code = draw(st.sampled_from(sorted(DOC_TYPE_CODES.values())))
    year = draw(st.integers(0, 99))
    random_part = draw(st.text(CROCKFORD, min_size=10, max_size=10))
    body = f"AZX{year:02d}{code}{random_part}"
    check = check_character(body)
    assume(check not in "ILOU*")  # never issued: see new_record_id
    return body + check


@pytest.mark.parametrize(
    ("body", "check"),
    [  # published ISO 7064 MOD 37-2 examples (ISBT 128 donation identification numbers)
        ("G123498654321", "H"),
        ("A999922654321", "S"),
        ("A999922123458", "J"),
        ("A999922012346", "*"),
        ("ZZZZ", "O"),
    ],
)
def test_check_character_matches_published_vectors(body: str, check: str) -> None:
    assert check_character(body) == check


@pytest.mark.parametrize("doc_type", sorted(DOC_TYPE_CODES))
def test_new_ids_have_the_documented_shape(doc_type: str) -> None:
    rid = new_record_id(doc_type, 2026)
    assert SHAPE.match(rid), rid
    assert rid[4:6] == "26"
    assert rid[6:9] == DOC_TYPE_CODES[doc_type]
    parsed = parse_record_id(rid)
    assert (parsed.canonical, parsed.year, parsed.doc_type) == (rid, 2026, doc_type)
    assert parsed.type_code == DOC_TYPE_CODES[doc_type]
    assert len(parsed.random_part) == 10 and set(parsed.random_part) <= set(CROCKFORD)
    assert rid[-1] not in "ILOU*"


def test_type_code_accepted_as_doc_type_and_unknown_rejected() -> None:
    assert parse_record_id(new_record_id("T13", 2030)).doc_type == "chengdu_table_13"
    with pytest.raises(ValueError):
        new_record_id("memo", 2026)
    with pytest.raises(ValueError):
        new_record_id("report", 1999)


def test_new_ids_are_distinct() -> None:
    ids = {new_record_id("report", 2026) for _ in range(5000)}
    assert len(ids) == 5000


@given(record_ids())
def test_round_trip_and_input_normalisation(compact: str) -> None:
    canonical = parse_record_id(compact).canonical
    assert canonical.replace("-", "") == compact
    assert parse_record_id(canonical).canonical == canonical
    sloppy = " " + canonical.lower().replace("-", " - ") + "\n"
    assert parse_record_id(sloppy).canonical == canonical
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in canonical)
    assert parse_record_id(full_width).canonical == canonical
    # look-alikes typed for digits outside the type code are repaired
    rest = compact[:3] + compact[3:5].replace("0", "O").replace("1", "I") + compact[5:8]
    rest += compact[8:].replace("0", "O").replace("1", "L")
    assert parse_record_id(rest).canonical == canonical


@settings(max_examples=50)  # 50 IDs x 19 positions x 36 substitutes each
@given(record_ids())
def test_every_single_substitution_is_detected(compact: str) -> None:
    for pos in range(len(compact)):
        for ch in ISO_ALPHABET + "*":
            if ch == compact[pos]:
                continue
            mutated = compact[:pos] + ch + compact[pos + 1 :]
            if normalise_record_id(mutated) == compact:
                # a look-alike (O/I/L) standing for the same digit: not an error
                assert ch in "OIL"
                continue
            assert not is_valid_record_id(mutated), (compact, pos, ch)
            with pytest.raises(InvalidRecordId):
                parse_record_id(mutated)


@given(record_ids())
def test_every_adjacent_transposition_is_detected(compact: str) -> None:
    for pos in range(len(compact) - 1):
        a, b = compact[pos], compact[pos + 1]
        if a == b:
            continue
        swapped = compact[:pos] + b + a + compact[pos + 2 :]
        assert not is_valid_record_id(swapped), (compact, pos)
        # also when typed with the group separators in place
        grouped = f"{swapped[:3]}-{swapped[3:8]}-{swapped[8:13]}-{swapped[13:18]}-{swapped[18]}"
        assert not is_valid_record_id(grouped)


@given(st.text(ISO_ALPHABET, min_size=1, max_size=30), st.data())
def test_mod37_2_detects_substitutions_and_swaps_on_any_string(
    body: str, data: st.DataObject
) -> None:
    """The check-character system itself, independent of the ID layout."""
    full = body + check_character(body)
    assert _checks(full)
    pos = data.draw(st.integers(0, len(full) - 1))
    alphabet = ISO_ALPHABET if pos < len(full) - 1 else ISO_ALPHABET + "*"
    ch = data.draw(st.sampled_from(alphabet).filter(lambda c: c != full[pos]))
    mutated = full[:pos] + ch + full[pos + 1 :]
    assert not _checks(mutated)
    if pos < len(full) - 1 and full[pos] != full[pos + 1]:
        swapped = full[:pos] + full[pos + 1] + full[pos] + full[pos + 2 :]
        assert not _checks(swapped)


def _checks(full: str) -> bool:
    """Independent ISO 7064 MOD 37-2 check: Σ value · 2^(distance from end) ≡ 1 (mod 37)."""
    values = [(ISO_ALPHABET + "*").index(c) for c in full]
    return sum(v * pow(2, len(values) - 1 - i, 37) for i, v in enumerate(values)) % 37 == 1


@pytest.mark.parametrize(
    ("text", "needle_en", "needle_zh"),
    [
        ("", "expected 19", "应为 19"),
        ("BZX26RPT0000000000", "start with AZX", "开头"),
        ("AZXA6RPT00000000000", "two-digit year", "年份"),
        ("AZX26XYZ00000000000", "unknown document type", "文书类型"),
        ("AZX26RPT0000U000000", "not allowed", "不允许"),
    ],
)
def test_errors_are_bilingual(text: str, needle_en: str, needle_zh: str) -> None:
    text = text if needle_en != "start with AZX" else text + "0"
    with pytest.raises(InvalidRecordId) as info:
        parse_record_id(text)
    assert needle_en in info.value.message_en
    assert needle_zh in info.value.message_zh
    assert needle_en in str(info.value) and needle_zh in str(info.value)
    assert isinstance(info.value, ValueError)


def test_wrong_check_character_message() -> None:
    rid = new_record_id("plan", 2026)
    bad = rid[:-1] + ("2" if rid[-1] != "2" else "3")
    with pytest.raises(InvalidRecordId) as info:
        parse_record_id(bad)
    assert "check character" in info.value.message_en
    assert "校验位" in info.value.message_zh
