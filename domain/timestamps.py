"""Archive time stamp renewal: when a record's evidence must be renewed, and where a renewal
lives beside the record it extends (issue 16).

A record's long-term evidence is the last document time stamp of its PDF (PAdES B-LTA). It holds
while that time stamp's certificate does; before then a new document time stamp must cover the
file and the validation data of the previous one (ETSI EN 319 142-1 5.5: an archive time stamp is
added before the previous one's certificate expires). The archived objects are locked and may not
get a new version, so each renewal is a new object beside them:

    records/<id>/timestamps/<n>.pdf    the previous evidence + one incremental update (DSS + time stamp)
    records/<id>/timestamps/<n>.json   the service's sealed statement naming that object
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Literal

__all__ = [
    "RENEWAL_DIR",
    "RenewalFile",
    "renewal_due",
    "renewal_extends",
    "renewal_key",
    "renewal_of",
]

RENEWAL_DIR = "timestamps/"
RenewalFile = Literal["pdf", "json"]
_NAME = re.compile(r"^timestamps/([1-9][0-9]{0,5})\.(pdf|json)$")


def renewal_key(record_prefix: str, n: int, file: RenewalFile) -> str:
    """The key of renewal ``n`` (1, 2, …) of the record stored under ``record_prefix``."""
    if n < 1:
        raise ValueError("renewals are numbered from 1")
    return f"{record_prefix}{RENEWAL_DIR}{n}.{file}"


def renewal_of(record_prefix: str, key: str) -> tuple[int, RenewalFile] | None:
    """(n, "pdf" | "json") if ``key`` is named like a renewal of that record, else None."""
    if not key.startswith(record_prefix):
        return None
    m = _NAME.match(key[len(record_prefix):])
    if m is None:
        return None
    return int(m.group(1)), "pdf" if m.group(2) == "pdf" else "json"


def renewal_due(evidence_until: datetime, now: datetime, lead: timedelta) -> bool:
    """Renew once the last time stamp's certificate ends within ``lead`` (ETSI EN 319 142-1
    5.5: the next archive time stamp must come while the previous one can still be validated)."""
    return evidence_until - now <= lead


def renewal_extends(previous_until: datetime, new_until: datetime) -> bool:
    """A renewal is only worth a locked object if it holds longer than the evidence it covers
    (a time stamp by the same, soon-expiring TSA certificate would add nothing)."""
    return new_until > previous_until
