"""Webhooks: a tenant's URLs, the outbox of events, signed deliveries retried for a day.

Requests carry ``AZX-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``;
:func:`verify_signature` is the receiver's check. Deliveries are at least once: receivers
deduplicate by the payload's ``id`` (also sent as ``AZX-Event-Id``). Events are written in the
same transaction as the change they report (:meth:`Webhooks.emit`), so none is lost.

A webhook is a request the service makes on a tenant's behalf, so a URL may only point at public
addresses (:func:`is_public_address`), unless ``AZX_WEBHOOK_ALLOW_HOSTS`` lists it. The host is
resolved and every address checked at registration and again at each delivery (a name may be
re-pointed in between: DNS rebinding); the delivery then connects to the address it checked, never
to a second lookup, while the Host header, TLS SNI and certificate check keep the URL's name. The
delivery log says only what came of the attempt (:data:`NO_ANSWER`, ``failed: HTTP <status>``);
why a connection failed goes to the service's own log, so the log is no port scanner.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import logging
import re
import secrets
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy import Engine, func, insert, or_, select, update

from core.settings import Settings
from domain.access import Action, Caller, require
from domain.errors import DomainValidationError, NotFound
from domain.jsonvalue import text_problem
from services.jobs.dispatch import TASK_DELIVER, Dispatcher, backoff, dispatch_new
from services.jobs.ids import new_id
from services.records import canonical_json, iso_utc
from storage.tables import webhook_deliveries, webhooks

__all__ = ["NO_ANSWER", "AllowList", "Webhooks", "is_public_address", "signature_header",
           "verify_signature"]

log = logging.getLogger("azx.webhooks")

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"

#: What the delivery log says of an attempt that got no HTTP status back, whatever the reason
#: (refused address, no DNS answer, connection refused, time-out, TLS failure): the reasons are
#: what a port scan reads, so they stay in the service's own log.
NO_ANSWER = "failed: no answer / 投递失败：无应答"
DISABLED = "failed: webhook disabled / 投递失败：webhook 已停用"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


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


# -- which addresses a webhook may reach ------------------------------------------------------------

def _networks(*cidrs: str) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(c) for c in cidrs)


#: IPv4 blocks that are not globally reachable (IANA IPv4 Special-Purpose Address Registry,
#: RFC 6890), plus multicast and broadcast. Written out rather than left to ``is_global``, whose
#: answer changes between Python releases (3.11 calls multicast 224.0.0.1 global).
_NOT_PUBLIC_V4 = _networks(
    "0.0.0.0/8",  # "this network": 0.0.0.0 reaches the local host on Linux
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",  # RFC 1918 private
    "100.64.0.0/10",  # RFC 6598 shared address space (carrier-grade NAT)
    "127.0.0.0/8",  # loopback
    "169.254.0.0/16",  # link-local, cloud metadata services (169.254.169.254)
    "192.0.0.0/24",  # IETF protocol assignments
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",  # documentation (TEST-NET-1 to 3)
    "192.88.99.0/24",  # the former 6to4 relay anycast
    "198.18.0.0/15",  # benchmarking
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved, with 255.255.255.255 (broadcast)
)
#: IPv6: only global unicast is public (so no ::1, ::, fc00::/7 ULA, fe80::/10 link-local,
#: fec0::/10, ff00::/8 multicast), less the special blocks inside it.
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
_NOT_PUBLIC_V6 = _networks(
    "2001::/23",  # IETF protocol assignments: Teredo, benchmarking, ORCHID
    "2001:db8::/32", "3fff::/20",  # documentation
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix


def is_public_address(ip: IPAddress) -> bool:
    """Whether a webhook may reach ``ip`` without the allow-list: a globally reachable unicast
    address. An IPv6 address carrying an IPv4 one is judged by that IPv4 address."""
    carried = _carried_ipv4(ip)
    if carried is not None:
        return is_public_address(carried)
    if isinstance(ip, ipaddress.IPv4Address):
        blocks = _NOT_PUBLIC_V4
    elif ip in _GLOBAL_UNICAST_V6:
        blocks = _NOT_PUBLIC_V6
    else:
        return False
    # is_global too: Python's own table, in case a later registry entry is missing above
    return ip.is_global and not any(ip in net for net in blocks)


def _carried_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address leads to: IPv4-mapped (``::ffff:a.b.c.d``, sent to
    a.b.c.d by a dual-stack socket), NAT64 (``64:ff9b::a.b.c.d``, translated by the network) or
    6to4 (``2002:aabb:ccdd::``, tunnelled to it)."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
    return ip.sixtofour


_HOST_NAME = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))*")


@dataclass(frozen=True)
class AllowList:
    """``AZX_WEBHOOK_ALLOW_HOSTS``: the targets that are not public but that an operator lets
    webhooks reach (tests, private deployments)."""

    networks: tuple[IPNetwork, ...] = ()
    """An address inside one of these is allowed, whatever kind it is."""
    names: frozenset[str] = frozenset()
    """A URL with exactly this host name may resolve to any address."""

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        """Each entry an IP address, a CIDR network or a host name; anything else is a
        ValueError naming the setting (the service then refuses to start)."""
        networks: list[IPNetwork] = []
        names: set[str] = set()
        for raw in entries:
            entry = raw.strip().lower().rstrip(".")
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            if not _HOST_NAME.fullmatch(entry):
                raise ValueError(f"AZX_WEBHOOK_ALLOW_HOSTS: {raw!r} is not an IP address, "
                                 "a CIDR network or a host name")
            names.add(entry)
        return cls(tuple(networks), frozenset(names))

    def admits(self, ip: IPAddress) -> bool:
        candidates = [ip, _carried_ipv4(ip)]
        return any(a in net for a in candidates if a is not None for net in self.networks)


class _Refused(Exception):
    """A target the delivery must not connect to; the message (host, addresses) is for the
    service's log only."""


def _literal_address(host: str) -> IPAddress | None:
    """The address a numeric host stands for, read as the C resolver reads it: besides
    ``127.0.0.1`` and IPv6 literals, ``inet_aton`` takes 2130706433, 0x7f.1, 0177.0.0.1 and 127.1
    (all 127.0.0.1), so a check of the dotted form alone would be walked around."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _nonstandard_ipv4(host: str) -> bool:
    """A host that is an IPv4 address written otherwise than as four decimal numbers."""
    ip = _literal_address(host)
    return isinstance(ip, ipaddress.IPv4Address) and str(ip) != host


def _resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` stands for (none when the resolver has no answer)."""
    literal = _literal_address(host)
    if literal is not None:
        return [literal]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    found: list[IPAddress] = []
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]))
        if ip not in found:
            found.append(ip)
    return found


_URL_SAFE = "/?%:@!$&'()*+,;="  # RFC 3986 characters a path or query may carry unescaped


@dataclass(frozen=True)
class _Target:
    """A registered URL as a delivery speaks to it."""

    scheme: str
    host: str
    """ASCII (IDNA), lower case, no brackets or trailing dot: Host header, SNI, certificate name."""
    port: int
    path: str
    """The request target: path and query, anything beyond ASCII percent-encoded."""

    @classmethod
    def of(cls, url: str) -> _Target:
        """Raises ValueError (UnicodeError included) for a URL that cannot be delivered to."""
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
        if parts.scheme not in ("http", "https") or not host:
            raise ValueError("not an http(s) URL with a host")
        if not host.isascii():
            host = host.encode("idna").decode("ascii")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        path = quote(parts.path or "/", safe=_URL_SAFE)
        if parts.query:
            path += "?" + quote(parts.query, safe=_URL_SAFE)
        return cls(parts.scheme, host, port, path)


# -- the service ------------------------------------------------------------------------------------

class Webhooks:
    """Register, list and disable a tenant's webhooks; write and deliver its events."""

    def __init__(self, *, engine: Engine, settings: Settings, dispatcher: Callable[[], Dispatcher],
                 clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.settings = settings
        self.dispatcher = dispatcher
        self.clock = clock
        self.allow = AllowList.parse(settings.webhook_allow_hosts)

    def register_webhook(self, caller: Caller, url: str) -> dict[str, Any]:
        """Register a URL for this tenant's job and batch events; the secret is shown once."""
        require(caller, Action.CREATE)
        _check_url(url)
        self._check_target(url)
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
            "last_status_code": r["last_status_code"],
            "last_error": _public_error(r["last_error"], r["last_status_code"]),
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
        (exponential backoff with jitter) until the retry window is over.

        Every time the log records is the attempt's start: how long an attempt took (an instant
        refusal or a time-out) would tell a closed port from a filtered one."""
        started = self.clock()
        row = self._claim(delivery_id, started)
        if row is None:
            return "skipped"  # delivered, given up, not due, or being attempted elsewhere
        if row["disabled_at"] is not None:
            self._delivery_result(delivery_id, FAILED, None, DISABLED, at=started)
            return FAILED
        code = self._attempt(delivery_id, row)
        if code is not None and 200 <= code < 300:
            self._delivery_result(delivery_id, DELIVERED, code, None, at=started)
            return DELIVERED
        problem = NO_ANSWER if code is None else _http_failure(code)
        next_at = started + timedelta(seconds=backoff(
            row["attempts"] + 1, self.settings.webhook_retry_base, self.settings.webhook_retry_max))
        created = row["created_at"] or started
        if next_at > created + timedelta(seconds=self.settings.webhook_retry_window):
            self._delivery_result(delivery_id, FAILED, code, problem, at=started)
            return FAILED
        self._delivery_result(delivery_id, PENDING, code, problem, at=started, next_at=next_at)
        return "retry"

    def _check_target(self, url: str) -> None:
        """Registration: the URL's host must stand for allowed addresses only, now."""
        try:
            target = _Target.of(url)
        except ValueError:
            raise DomainValidationError.single(
                ("url",), "url_invalid", "url 格式无效", "url is malformed") from None
        try:
            self._addresses(target)
        except _Refused as exc:
            log.info("webhook registration refused: %s", exc)
            # one answer for "resolves to an internal address" and "does not resolve", so
            # registering cannot tell which internal names exist
            raise DomainValidationError.single(
                ("url",), "url_forbidden_address",
                "url 的主机须解析为公网地址（不可为本机、内网、链路本地、组播或保留地址）",
                "the URL's host must resolve to public addresses only (not loopback, private, "
                "link-local, multicast or reserved ones)") from None
        if _nonstandard_ipv4(target.host):
            raise DomainValidationError.single(
                ("url",), "url_invalid", "IPv4 地址须写成点分十进制（a.b.c.d）",
                "an IPv4 address must be written as four decimal numbers (a.b.c.d)")

    def _addresses(self, target: _Target) -> list[IPAddress]:
        """Every address the target's host stands for, each one allowed; :class:`_Refused` when
        there is none or any is not allowed (a name answering public and private addresses in
        turn is refused however often it answers public)."""
        found = _resolve(target.host, target.port)
        if not found:
            raise _Refused(f"{target.host} does not resolve")
        if target.host in self.allow.names:
            return found
        barred = [ip for ip in found if not (is_public_address(ip) or self.allow.admits(ip))]
        if barred:
            raise _Refused(f"{target.host} stands for {', '.join(map(str, barred))}: not public "
                           "and not in AZX_WEBHOOK_ALLOW_HOSTS")
        return found

    def _claim(self, delivery_id: str, now: datetime) -> dict[str, Any] | None:
        """Take a due delivery for one attempt (its lease outlasts the attempt), with its
        webhook; None when it is not ours to attempt."""
        d = webhook_deliveries
        lease = timedelta(seconds=self.settings.webhook_timeout + 60)
        with self.engine.begin() as conn:
            res = conn.execute(update(d).where(
                d.c.id == delivery_id, d.c.status == PENDING, d.c.next_attempt_at <= now,
                or_(d.c.locked_until.is_(None), d.c.locked_until < now),
            ).values(attempts=d.c.attempts + 1, locked_until=now + lease, updated_at=now))
            if res.rowcount != 1:
                return None
            row = conn.execute(select(d, webhooks.c.url, webhooks.c.secret,
                                      webhooks.c.disabled_at)
                               .join(webhooks, webhooks.c.id == d.c.webhook_id)
                               .where(d.c.id == delivery_id)).mappings().one()
        return dict(row)

    def _attempt(self, delivery_id: str, row: dict[str, Any]) -> int | None:
        """The HTTP status of one signed POST of the delivery, or None when none came back
        (why is written to the service's log, not to the delivery log)."""
        body = canonical_json(row["payload"])
        headers = {"Content-Type": "application/json", "User-Agent": "azx-webhooks/1",
                   "AZX-Signature": signature_header(row["secret"], body, int(time.time())),
                   "AZX-Event": row["event"], "AZX-Event-Id": row["event_id"],
                   "AZX-Delivery": delivery_id}
        try:
            target = _Target.of(row["url"])
            # resolved and checked again: the name may point elsewhere since registration
            addresses = self._addresses(target)
            return _post(target, addresses, body, headers, self.settings.webhook_timeout)
        except (_Refused, OSError, http.client.HTTPException, ValueError) as exc:
            log.warning("webhook delivery %s (webhook %s, %s) got no answer: %s: %s",
                        delivery_id, row["webhook_id"], row["url"], type(exc).__name__, exc)
            return None

    def _delivery_result(self, delivery_id: str, status: str, code: int | None,
                         problem: str | None, *, at: datetime,
                         next_at: datetime | None = None) -> None:
        values: dict[str, Any] = {"status": status, "last_status_code": code,
                                  "last_error": problem, "locked_until": None, "updated_at": at}
        if status == DELIVERED:
            values["delivered_at"] = at
        if next_at is not None:
            values["next_attempt_at"] = next_at
        with self.engine.begin() as conn:
            conn.execute(update(webhook_deliveries)
                         .where(webhook_deliveries.c.id == delivery_id).values(**values))


def _describe_webhook(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "url": row["url"], "created_at": iso_utc(row["created_at"]),
            "disabled_at": iso_utc(row.get("disabled_at"))}


def _http_failure(code: int) -> str:
    return f"failed: HTTP {code} / 投递失败：HTTP {code}"


def _public_error(stored: str | None, code: int | None) -> str | None:
    """The delivery log's words for a failed attempt, whatever was stored (earlier versions
    stored exception texts such as "Connection refused": those read as no answer)."""
    if stored is None:
        return None
    if code is not None:
        return _http_failure(code)
    return stored if stored in (NO_ANSWER, DISABLED) else NO_ANSWER


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


# -- one POST to a checked address ------------------------------------------------------------------

def _post(target: _Target, addresses: list[IPAddress], body: bytes, headers: dict[str, str],
          timeout: float) -> int:
    """The HTTP status of one POST, sent over a connection to the first of the checked
    ``addresses`` that takes it; OSError or HTTPException when none answers. A redirect is an
    answer, never followed: the signed body goes to the registered URL only."""
    failure = OSError(f"no address for {target.host}")
    for address in addresses:
        conn = _connection(target, address, timeout)
        try:
            conn.connect()
        except OSError as exc:
            conn.close()
            failure = exc
            continue
        try:
            conn.request("POST", target.path, body=body, headers=headers)
            with conn.getresponse() as resp:
                resp.read(64 * 1024)
                return resp.status
        finally:
            conn.close()
    raise failure


def _connection(target: _Target, address: IPAddress, timeout: float) -> http.client.HTTPConnection:
    if target.scheme == "https":
        return _PinnedHTTPS(target.host, target.port, address=address, timeout=timeout)
    return _PinnedHTTP(target.host, target.port, address=address, timeout=timeout)


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP for ``host`` (the Host header) over a connection to an address checked beforehand:
    a second name lookup here could answer with another address than the one checked."""

    def __init__(self, host: str, port: int, *, address: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = _open_socket(self.address, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS likewise: TLS SNI and the certificate check use ``host``, not the address."""

    def __init__(self, host: str, port: int, *, address: IPAddress, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        raw = _open_socket(self.address, self.port, self.timeout)
        try:
            self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


def _open_socket(address: IPAddress, port: int, timeout: float | None) -> socket.socket:
    """A TCP connection to exactly ``address`` (a literal: no name lookup)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # the same destination, without needing a dual-stack socket
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect((str(address), port))
    except BaseException:
        sock.close()
        raise
    return sock
