"""API keys: created by ``azx keys create``, stored only as SHA-256 hashes, bound to tenant+role."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from domain.access import Caller, Role
from storage.tables import api_keys

__all__ = ["AuthError", "authenticate", "create_key", "revoke_key"]

_TENANT = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{1,100}$")
_REGION = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{1,100}$")


class AuthError(Exception):
    """No key, a malformed key, an unknown or revoked key (→ 401)."""


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(engine: Engine, tenant: str, role: str, label: str | None = None,
               regions: Sequence[str] | None = None) -> str:
    """A new key ``azx_<id>_<secret>``; only its hash is kept. A ``regulator`` key names the
    regions (行政区划, e.g. 济南市) whose policies it may read, across tenants; no other role
    takes regions."""
    if not _TENANT.match(tenant):
        raise ValueError("tenant: 1–100 letters, digits, Chinese characters, '_', '-', '.'")
    role_ = Role(role)
    bound = sorted({r.strip() for r in regions or () if r.strip()})
    if role_ is Role.REGULATOR and not bound:
        raise ValueError("a regulator key needs --regions (e.g. 济南市,成都市)")
    if role_ is not Role.REGULATOR and bound:
        raise ValueError("only a regulator key is bound to regions")
    if any(not _REGION.match(r) for r in bound) or len(bound) > 100:
        raise ValueError("regions: up to 100 names of 1–100 letters, digits, Chinese characters")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    full = f"azx_{key_id}_{secret}"
    with engine.begin() as conn:
        conn.execute(insert(api_keys).values(
            id=key_id, tenant=tenant, role=role_.value, key_hash=_hash(full), label=label,
            created_at=datetime.now(UTC), regions=bound or None))
    return full


def revoke_key(engine: Engine, key_id: str) -> bool:
    with engine.begin() as conn:
        res = conn.execute(update(api_keys).where(api_keys.c.id == key_id)
                           .values(revoked_at=datetime.now(UTC)))
    return bool(res.rowcount)


def authenticate(engine: Engine, presented: str | None) -> Caller:
    if not presented:
        raise AuthError("missing API key")
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != "azx":
        raise AuthError("malformed API key")
    with engine.connect() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.id == parts[1])).first()
    if row is None or row.revoked_at is not None:
        raise AuthError("unknown or revoked API key")
    if not hmac.compare_digest(row.key_hash, _hash(presented)):
        raise AuthError("unknown or revoked API key")
    regions = tuple(str(r) for r in row.regions or ()) if row.role == Role.REGULATOR else ()
    return Caller(key_id=row.id, tenant=row.tenant, role=Role(row.role), regions=regions)
