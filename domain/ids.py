"""Record IDs: random, readable aloud, showing year and document type, with a check character.

Shape (19 significant characters, printed in groups)::

    AZX-26RPT-7K3M9-Q2X4C-Y
    │   │ │   └─────────┴─ 10 random characters (Crockford base 32: no I, L, O, U) = 50 bits
    │   │ └─ document type code (``RPT`` = report)  └─ check character
    │   └─ year, two digits (2026)
    └─ service prefix

Uniqueness needs no central counter: 50 random bits from :mod:`secrets` per year and type
(the registry's unique index is the final guard).

The check character follows ISO/IEC 7064:2003, pure system MOD 37-2 (modulus 37, radix 2;
the system ISBT 128 uses). Every character of the ID, check character included, gets the weight
2^k mod 37 (k = distance from the end); the weighted sum of all values must be ≡ 1 (mod 37).
Because 37 is prime and every weight is non-zero and differs from its neighbour's, the check
detects EVERY single-character substitution and EVERY transposition of two adjacent characters,
including the check character itself. (The hybrid system MOD 37,36 does not: it misses some
swaps of the check character with the character before it, e.g. ``…S01`` ↔ ``…S10``.)
MOD 37-2 can yield ``*`` as well as the ambiguous I, L, O, U; such IDs are never issued — another
random part is drawn instead (costs ≈ 0.2 bit of the 50).

Input is normalised before checking: Unicode NFKC (full-width characters typed on Chinese
keyboards), upper case, spaces / hyphens / dots removed, and — outside the type code —
``O`` → ``0`` and ``I``/``L`` → ``1``.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

__all__ = [
    "DOC_TYPE_CODES",
    "PREFIX",
    "InvalidRecordId",
    "RecordId",
    "check_character",
    "is_valid_record_id",
    "new_record_id",
    "normalise_record_id",
    "parse_record_id",
]

PREFIX: Final = "AZX"

#: Document type name → three-character code shown in the ID.
DOC_TYPE_CODES: Final = MappingProxyType(
    {
        "agreement": "AGR",
        "plan": "PLN",
        "report": "RPT",
        "callback": "CBK",
        "annual_evaluation": "EVA",
        "complaint": "CMP",
        "fee_entry": "FEE",
        "sampling": "SMP",
        **{f"chengdu_table_{n}": f"T{n:02d}" for n in range(1, 14)},
        "paper_scan": "SCN",
        "hazard_ledger": "HZL",
        "audit_log": "AUD",
    }
)
_CODE_TO_TYPE: Final = MappingProxyType({code: name for name, code in DOC_TYPE_CODES.items()})

_ISO_ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # ISO 7064 values 0..35
_RANDOM_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32
_NOT_ISSUED: Final = frozenset("ILOU*")  # look-alikes and the non-alphanumeric *
_RANDOM_LEN: Final = 10
_COMPACT_LEN: Final = len(PREFIX) + 2 + 3 + _RANDOM_LEN + 1  # 19
_SEPARATORS: Final = re.compile(r"[\s\-_.·‐‑‒–—―]+")
_LOOKALIKES: Final = str.maketrans({"O": "0", "I": "1", "L": "1"})

_MOD: Final = 37  # ISO 7064 MOD 37-2: modulus 37, radix 2
_CHECK_ALPHABET: Final = _ISO_ALPHABET + "*"  # check character values 0..36


class InvalidRecordId(ValueError):
    """A text that is not a well-formed record ID (message in Chinese and English)."""

    def __init__(self, text: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}: {text!r}")
        self.text = text
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class RecordId:
    """A parsed, checked record ID."""

    canonical: str  # e.g. "AZX-26RPT-7K3M9-Q2X4C-Y"
    year: int  # full year, e.g. 2026
    doc_type: str  # e.g. "report"
    random_part: str  # the 10 random characters

    @property
    def type_code(self) -> str:
        return DOC_TYPE_CODES[self.doc_type]

    @property
    def compact(self) -> str:
        """The ID without group separators (what the check character is computed over)."""
        return self.canonical.replace("-", "")

    def __str__(self) -> str:
        return self.canonical


def _mod37_2(chars: str) -> int:
    """ISO 7064 pure-system recursion P = (P + a) · 2 mod 37 over ``chars`` (0-9 A-Z)."""
    p = 0
    for ch in chars:
        p = (p + _ISO_ALPHABET.index(ch)) * 2 % _MOD
    return p


def check_character(body: str) -> str:
    """ISO/IEC 7064 MOD 37-2 check character for ``body`` (characters 0-9 A-Z): 0-9, A-Z or *."""
    return _CHECK_ALPHABET[(_MOD + 1 - _mod37_2(body)) % _MOD]


def _check_ok(compact: str) -> bool:
    return (_mod37_2(compact[:-1]) + _CHECK_ALPHABET.index(compact[-1])) % _MOD == 1


def _type_code(doc_type: str) -> str:
    if doc_type in DOC_TYPE_CODES:
        return DOC_TYPE_CODES[doc_type]
    if doc_type in _CODE_TO_TYPE:
        return doc_type
    raise ValueError(f"unknown document type {doc_type!r}; known: {', '.join(DOC_TYPE_CODES)}")


def _format(compact: str) -> str:
    return f"{compact[:3]}-{compact[3:8]}-{compact[8:13]}-{compact[13:18]}-{compact[18]}"


def new_record_id(doc_type: str, year: int) -> str:
    """A fresh random record ID for ``doc_type`` (name like ``"report"`` or code ``"RPT"``)."""
    code = _type_code(doc_type)
    if not 2000 <= year <= 2099:
        raise ValueError(f"year {year} outside 2000..2099")
    head = f"{PREFIX}{year % 100:02d}{code}"
    while True:
        random_part = "".join(secrets.choice(_RANDOM_ALPHABET) for _ in range(_RANDOM_LEN))
        check = check_character(head + random_part)
        if check not in _NOT_ISSUED:
            return _format(head + random_part + check)


def normalise_record_id(text: str) -> str:
    """The compact upper-case form of ``text`` with look-alike characters fixed (not checked)."""
    s = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    if len(s) != _COMPACT_LEN:
        return s
    type_code = s[5:8]
    if type_code[0] == "T":  # T01..T13: the digits may have been typed as letters
        type_code = "T" + type_code[1:].translate(_LOOKALIKES)
    return s[:3] + s[3:5].translate(_LOOKALIKES) + type_code + s[8:].translate(_LOOKALIKES)


def _invalid(text: str, zh: str, en: str) -> InvalidRecordId:
    return InvalidRecordId(text, f"记录编号无效：{zh}", f"invalid record ID: {en}")


def parse_record_id(text: str) -> RecordId:
    """Parse and check a record ID as typed or printed; raise :class:`InvalidRecordId`."""
    s = normalise_record_id(text)
    if len(s) != _COMPACT_LEN:
        raise _invalid(
            text,
            f"应为 {_COMPACT_LEN} 个字母或数字（不含连字符），实际 {len(s)} 个",
            f"expected {_COMPACT_LEN} letters or digits (without hyphens), got {len(s)}",
        )
    if not s.startswith(PREFIX):
        raise _invalid(text, f"应以 {PREFIX} 开头", f"must start with {PREFIX}")
    if not s[3:5].isdigit() or not s[3:5].isascii():
        raise _invalid(text, "第 4–5 位应为两位年份", "characters 4–5 must be a two-digit year")
    doc_type = _CODE_TO_TYPE.get(s[5:8])
    if doc_type is None:
        raise _invalid(text, f"未知的文书类型代码 {s[5:8]!r}", f"unknown document type {s[5:8]!r}")
    random_part = s[8:18]
    if any(ch not in _RANDOM_ALPHABET for ch in random_part):
        raise _invalid(text, "随机部分含有不允许的字符", "random part has a character not allowed")
    if s[18] not in _CHECK_ALPHABET or not _check_ok(s):
        raise _invalid(
            text,
            "校验位不符，可能抄错或录入有误",
            "check character does not match (probably a typing or copying error)",
        )
    return RecordId(
        canonical=_format(s), year=2000 + int(s[3:5]), doc_type=doc_type, random_part=random_part
    )


def is_valid_record_id(text: str) -> bool:
    """True if ``text`` parses as a record ID with a correct check character."""
    try:
        parse_record_id(text)
    except InvalidRecordId:
        return False
    return True
