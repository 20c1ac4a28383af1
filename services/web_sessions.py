"""Sessions of the web pages: an API key, presented once at sign-in, exchanged for a signed,
expiring session token that names the key (its ID, never the key) — the same tenant and role.

Token: ``base64url(JSON {"sid", "kid", "exp"}) "." base64url(HMAC-SHA256)``. Every request
looks the key up again, so a revoked key ends its sessions at once. Signing out records the
session ID in the registry (table ``web_sessions_ended``, migration 0008) until the token's own
expiry: every API process of the registry refuses the token from then on (each request looks
the ID up); the housekeeping prunes the rows of expired tokens (:func:`prune_ended`).

The HMAC key is ``AZX_WEB_SESSION_SECRET`` or, when unset, a random secret made once under
``AZX_DATA_DIR/keys/web-session.key`` (mode 0600), shared by the processes of one data dir.
CSRF tokens are HMACs of the session ID (and at sign-in, of a nonce in a short-lived cookie):
a page's forms carry them, every POST is checked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from domain.access import Caller, Role
from storage.tables import api_keys, web_sessions_ended

__all__ = ["Session", "SessionKeeper", "load_secret", "prune_ended"]


@dataclass(frozen=True)
class Session:
    sid: str
    key_id: str
    expires: float


def load_secret(configured: str | None, data_dir: Path) -> bytes:
    """The configured secret, or the data dir's own (made on first use)."""
    if configured:
        return hashlib.sha256(b"azx-web-session/1|" + configured.encode()).digest()
    path = data_dir / "keys" / "web-session.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = None
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, secrets.token_bytes(32).hex().encode())
        except FileExistsError:
            pass  # another process made it first
        finally:
            if fd is not None:
                os.close(fd)
    return bytes.fromhex(path.read_text().strip())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionKeeper:
    """Issues, reads and ends sessions; makes and checks CSRF tokens. Sessions signed out are
    kept in the registry (``engine``), shared by every process."""

    def __init__(self, secret: bytes, *, lifetime_seconds: float, engine: Engine) -> None:
        self._secret = secret
        self._lifetime = lifetime_seconds
        self._engine = engine
        self._ended: dict[str, float] = {}  # sid → expiry, signed out here (spares a query)
        self._lock = threading.Lock()

    def _mac(self, purpose: str, text: str) -> str:
        return _b64(hmac.new(self._secret, f"{purpose}|{text}".encode(), hashlib.sha256).digest())

    def issue(self, caller: Caller) -> str:
        """A new session (a new ID at every sign-in: no session fixation) for ``caller``'s key."""
        body = _b64(json.dumps({"sid": secrets.token_urlsafe(18), "kid": caller.key_id,
                                "exp": int(time.time() + self._lifetime)}).encode())
        return f"{body}.{self._mac('session', body)}"

    def read(self, token: str | None) -> Session | None:
        """The session of a cookie value, or None: unsigned, altered, expired or signed out."""
        if not token or token.count(".") != 1 or len(token) > 400:
            return None
        body, mac = token.split(".")
        if not hmac.compare_digest(mac, self._mac("session", body)):
            return None
        try:
            claims = json.loads(_unb64(body))
            session = Session(str(claims["sid"]), str(claims["kid"]), float(claims["exp"]))
        except (ValueError, KeyError, TypeError):
            return None
        if session.expires < time.time():
            return None
        with self._lock:
            if session.sid in self._ended:
                return None
        with self._engine.connect() as conn:
            ended = conn.execute(select(web_sessions_ended.c.sid).where(
                web_sessions_ended.c.sid == session.sid)).first()
        return None if ended is not None else session

    @staticmethod
    def caller(engine: Engine, session: Session) -> Caller | None:
        """The session's key as a caller (tenant, role), or None when the key was revoked."""
        with engine.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.id == session.key_id)).first()
        if row is None or row.revoked_at is not None:
            return None
        return Caller(key_id=row.id, tenant=row.tenant, role=Role(row.role))

    def end(self, session: Session) -> None:
        """Sign ``session`` out in every process: its ID is refused until the token expires."""
        now = time.time()
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(web_sessions_ended).values(
                    sid=session.sid, key_id=session.key_id, ended_at=datetime.now(UTC),
                    expires_at=datetime.fromtimestamp(session.expires, UTC)))
        except IntegrityError:
            pass  # signed out already (another tab, another process)
        with self._lock:
            self._ended = {s: e for s, e in self._ended.items() if e > now}
            self._ended[session.sid] = session.expires

    def csrf(self, session: Session) -> str:
        return self._mac("csrf", session.sid)

    def csrf_ok(self, session: Session, presented: str | None) -> bool:
        return bool(presented) and hmac.compare_digest(presented or "", self.csrf(session))

    def login_csrf(self, nonce: str) -> str:
        return self._mac("login", nonce)

    def login_csrf_ok(self, nonce: str | None, presented: str | None) -> bool:
        return bool(nonce and presented) and hmac.compare_digest(
            presented or "", self.login_csrf(nonce or ""))


def prune_ended(engine: Engine, now: datetime | None = None) -> int:
    """Forget the signed-out sessions whose tokens have expired (refused anyway); how many."""
    with engine.begin() as conn:
        gone = conn.execute(delete(web_sessions_ended).where(
            web_sessions_ended.c.expires_at < (now or datetime.now(UTC))))
    return int(gone.rowcount or 0)
