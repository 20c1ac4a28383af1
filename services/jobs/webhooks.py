"""Webhooks: a tenant's URLs, the outbox of events, signed deliveries retried for a day.

Requests carry ``AZX-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``;
:func:`verify_signature` is the receiver's check. Deliveries are at least once: receivers
deduplicate by the payload's ``id`` (also sent as ``AZX-Event-Id``). Events are written in the
same transaction as the change they report (:meth:`Webhooks.emit`), so none is lost.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, func, insert, or_, select, update

from core.settings import Settings
from domain.access import Action, Caller, require
from domain.errors import DomainValidationError, NotFound
from domain.jsonvalue import text_problem
from services.jobs.dispatch import TASK_DELIVER, Dispatcher, backoff, dispatch_new
from services.jobs.ids import new_id
from services.records import canonical_json, iso_utc
from storage.tables import webhook_deliveries, webhooks

__all__ = ["Webhooks", "signature_header", "verify_signature"]

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """``t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`` (the scheme Stripe uses)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: str, header: str, body: bytes, *, tolerance: float = 300.0,
                     now: float | None = None) -> bool:
    """The receiver's check of ``AZX-Signature``: a matching v1 MAC and a recent timestamp."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        k, _, v = item.strip().partition("=")
        parts.setdefault(k, []).append(v)
    try:
        t = int(parts["t"][0])
    except (KeyError, ValueError, IndexError):
        return False
    if abs((time.time() if now is None else now) - t) > tolerance:
        return False
    expected = signature_header(secret, body, t).rsplit("v1=", 1)[1]
    return any(hmac.compare_digest(expected, v) for v in parts.get("v1", []))


# -- parsing a batch ----------------------------------------------------------------------------

class Webhooks:
    """Register, list and disable a tenant's webhooks; write and deliver its events."""

    def __init__(self, *, engine: Engine, settings: Settings, dispatcher: Callable[[], Dispatcher],
                 clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.settings = settings
        self.dispatcher = dispatcher
        self.clock = clock

    def register_webhook(self, caller: Caller, url: str) -> dict[str, Any]:
        """Register a URL for this tenant's job and batch events; the secret is shown once."""
        require(caller, Action.CREATE)
        _check_url(url)
        now = self.clock()
        secret = "whsec_" + secrets.token_urlsafe(32)
        row = {"id": new_id("whk"), "tenant": caller.tenant, "url": url, "secret": secret,
               "created_by": caller.key_id, "created_at": now}
        with self.engine.begin() as conn:
            active = conn.execute(select(func.count()).select_from(webhooks).where(
                webhooks.c.tenant == caller.tenant, webhooks.c.disabled_at.is_(None))).scalar_one()
            if active >= self.settings.webhooks_per_tenant:
                raise DomainValidationError.single(
                    ("url",), "too_many_webhooks",
                    f"每个租户最多 {self.settings.webhooks_per_tenant} 个 webhook",
                    f"a tenant may register at most {self.settings.webhooks_per_tenant} webhooks")
            conn.execute(insert(webhooks).values(**row))
        return _describe_webhook(row) | {"secret": secret}

    def list_webhooks(self, caller: Caller) -> dict[str, Any]:
        require(caller, Action.READ)
        with self.engine.connect() as conn:
            rows = conn.execute(select(webhooks).where(webhooks.c.tenant == caller.tenant)
                                .order_by(webhooks.c.created_at)).mappings().all()
        return {"items": [_describe_webhook(dict(r)) for r in rows]}

    def disable_webhook(self, caller: Caller, webhook_id: str) -> None:
        require(caller, Action.CREATE)
        with self.engine.begin() as conn:
            res = conn.execute(update(webhooks).where(
                webhooks.c.id == webhook_id, webhooks.c.tenant == caller.tenant,
                webhooks.c.disabled_at.is_(None)).values(disabled_at=self.clock()))
        if res.rowcount != 1:
            raise NotFound("webhook", webhook_id)

    def deliveries(self, caller: Caller, *, status: str | None = None, limit: int = 50,
                   offset: int = 0) -> dict[str, Any]:
        """The tenant's delivery log, newest first."""
        require(caller, Action.READ)
        d = webhook_deliveries
        cond = [d.c.tenant == caller.tenant]
        if status:
            cond.append(d.c.status == status)
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(d).where(*cond)).scalar_one()
            rows = conn.execute(
                select(d, webhooks.c.url).join(webhooks, webhooks.c.id == d.c.webhook_id)
                .where(*cond).order_by(d.c.created_at.desc(), d.c.id.desc())
                .limit(limit).offset(offset)).mappings().all()
        items = [{
            "id": r["id"], "webhook_id": r["webhook_id"], "url": r["url"], "event": r["event"],
            "event_id": r["event_id"], "status": r["status"], "attempts": r["attempts"],
            "last_status_code": r["last_status_code"], "last_error": r["last_error"],
            "next_attempt_at": iso_utc(r["next_attempt_at"]) if r["status"] == PENDING else None,
            "created_at": iso_utc(r["created_at"]), "updated_at": iso_utc(r["updated_at"]),
            "delivered_at": iso_utc(r["delivered_at"]), "payload": r["payload"],
        } for r in rows]
        return {"total": total, "limit": limit, "offset": offset, "items": items}

    def emit(self, conn: Any, tenant: str, event: str, data: dict[str, Any]) -> list[str]:
        """Outbox: one delivery row per active webhook of the tenant, in the caller's commit."""
        hooks = list(conn.execute(select(webhooks.c.id).where(
            webhooks.c.tenant == tenant, webhooks.c.disabled_at.is_(None))).scalars())
        if not hooks:
            return []
        now = self.clock()
        event_id = new_id("evt")
        payload = {"id": event_id, "type": event, "created_at": iso_utc(now), "tenant": tenant,
                   "data": data}
        rows = [{"id": new_id("dlv"), "webhook_id": h, "tenant": tenant, "event": event,
                 "event_id": event_id, "payload": payload, "status": PENDING, "attempts": 0,
                 "next_attempt_at": now, "dispatched_at": now, "created_at": now,
                 "updated_at": now} for h in hooks]
        conn.execute(insert(webhook_deliveries), rows)
        return [r["id"] for r in rows]

    def send(self, ids: Iterable[str]) -> None:
        """Hand new deliveries to the dispatcher (the sweep re-sends any it could not take)."""
        for ident in ids:
            dispatch_new(self.dispatcher(), self.engine, webhook_deliveries, ident, TASK_DELIVER,
                         "webhooks")

    def deliver(self, delivery_id: str) -> str:
        """One attempt to POST a delivery; on failure the next is set by ``next_attempt_at``
        (exponential backoff with jitter) until the retry window is over."""
        d = webhook_deliveries
        now = self.clock()
        lease = timedelta(seconds=self.settings.webhook_timeout + 60)
        with self.engine.begin() as conn:
            res = conn.execute(update(d).where(
                d.c.id == delivery_id, d.c.status == PENDING, d.c.next_attempt_at <= now,
                or_(d.c.locked_until.is_(None), d.c.locked_until < now),
            ).values(attempts=d.c.attempts + 1, locked_until=now + lease, updated_at=now))
            if res.rowcount != 1:
                return "skipped"  # delivered, given up, not due, or being attempted elsewhere
            row = conn.execute(select(d, webhooks.c.url, webhooks.c.secret,
                                      webhooks.c.disabled_at)
                               .join(webhooks, webhooks.c.id == d.c.webhook_id)
                               .where(d.c.id == delivery_id)).mappings().one()
        if row["disabled_at"] is not None:
            self._delivery_result(delivery_id, FAILED, None, "webhook disabled")
            return FAILED
        body = canonical_json(row["payload"])
        headers = {"Content-Type": "application/json", "User-Agent": "azx-webhooks/1",
                   "AZX-Signature": signature_header(row["secret"], body, int(time.time())),
                   "AZX-Event": row["event"], "AZX-Event-Id": row["event_id"],
                   "AZX-Delivery": delivery_id}
        code, problem = _post(row["url"], body, headers, self.settings.webhook_timeout)
        if code is not None and 200 <= code < 300:
            self._delivery_result(delivery_id, DELIVERED, code, None)
            return DELIVERED
        after = self.clock()
        delay = backoff(row["attempts"] + 1, self.settings.webhook_retry_base,
                         self.settings.webhook_retry_max)
        created = row["created_at"] or after
        if after + timedelta(seconds=delay) > created + timedelta(
                seconds=self.settings.webhook_retry_window):
            self._delivery_result(delivery_id, FAILED, code, problem)
            return FAILED
        self._delivery_result(delivery_id, PENDING, code, problem,
                              next_at=after + timedelta(seconds=delay))
        return "retry"

    def _delivery_result(self, delivery_id: str, status: str, code: int | None,
                         problem: str | None, *, next_at: datetime | None = None) -> None:
        now = self.clock()
        values: dict[str, Any] = {"status": status, "last_status_code": code,
                                  "last_error": problem[:500] if problem else None,
                                  "locked_until": None, "updated_at": now}
        if status == DELIVERED:
            values["delivered_at"] = now
        if next_at is not None:
            values["next_attempt_at"] = next_at
        with self.engine.begin() as conn:
            conn.execute(update(webhook_deliveries)
                         .where(webhook_deliveries.c.id == delivery_id).values(**values))



def _describe_webhook(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "url": row["url"], "created_at": iso_utc(row["created_at"]),
            "disabled_at": iso_utc(row.get("disabled_at"))}


def _check_url(url: Any) -> None:
    def bad(zh: str, en: str) -> DomainValidationError:
        return DomainValidationError.single(("url",), "url_invalid", zh, en)

    if not isinstance(url, str) or not url or len(url) > 2000:
        raise bad("url 须为不超过 2000 个字符的字符串",
                  "url must be a string of at most 2000 characters")
    if text_problem(url, ("url",)) is not None or any(c.isspace() for c in url):
        raise bad("url 不能含空白或控制字符", "url must not contain whitespace or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise bad("url 格式无效", "url is malformed") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad("只支持 http(s) 地址", "only http(s) URLs are accepted")
    if parts.username or parts.password:
        raise bad("url 中不得包含用户名或密码（请求已由签名认证）",
                  "url must not carry credentials (requests are authenticated by the signature)")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an instruction: the signed body goes to the registered URL
    only."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> None:
        return None


def _post(url: str, body: bytes, headers: dict[str, str],
          timeout: float) -> tuple[int | None, str | None]:
    """(HTTP status or None, problem) of one POST; never raises for network trouble."""
    opener = urllib.request.build_opener(_NoRedirect)
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with opener.open(req, timeout=timeout) as resp:
            resp.read(64 * 1024)
            return int(resp.status), None
    except urllib.error.HTTPError as exc:
        with exc:
            return int(exc.code), f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"

