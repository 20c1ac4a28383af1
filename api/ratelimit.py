"""Rate limits per client address and per API key, answered 429 with ``Retry-After``.

Three limits, each a `limits <https://limits.readthedocs.io>`_ string in ``core/settings.py``
("0" or empty switches one off):

* ``rate_limit_address`` — every request, by client address (an IPv6 client by its /64, which
  one subscriber usually holds whole), public routes and the ``/verify/{id}`` pages included;
* ``rate_limit_verify`` — ``POST /v1/verify`` by client address, on top: the one public route
  that parses an uploaded file (its per-request cost is bounded by ``api/budget.py``);
* ``rate_limit_key`` — every request that presents an API key, by key. The bucket is named by a
  hash of the whole presented token, never by its key id: a stranger who knows a key's id but
  not its secret cannot use up that key's allowance.

Counting is a sliding window counter (``SlidingWindowCounterRateLimiter``): two counters per
limit and caller, no double burst at a window boundary as with a fixed window, no per-request
log as with a moving window. Counts live in this process (``memory://``) by default; with
``rate_limit_storage`` or a ``redis://`` broker they live in Redis, shared by every API process
of a many-machine deployment. When Redis cannot be reached each process counts on its own for a
few seconds and tries again (logged): requests are neither all refused nor all let through.

The client address is the socket peer. ``X-Forwarded-For`` is read only when that peer is one
of ``trusted_proxies``, from the right, skipping hops that are themselves trusted proxies: the
first other hop is the address the outermost trusted proxy saw, which a client cannot forge.

Checks run as an application-wide dependency, before a route reads its body; a refusal is the
named :class:`RateLimited`, mapped to HTTP with the other errors in ``api/errors.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network
from typing import Any

from fastapi import Depends, FastAPI, Request
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from core.settings import Settings

__all__ = ["RateLimited", "RateLimiter", "client_address", "install_rate_limits", "storage_uri"]

log = logging.getLogger("azx.ratelimit")

#: After Redis fails, count in this process for this long before trying it again.
_SHARED_RETRY_S = 5.0
#: Redis answers within milliseconds; a request does not wait on a sick one for long.
_REDIS_TIMEOUT_S = 0.5
_VERIFY_ROUTE = ("POST", "/v1/verify")


class RateLimited(Exception):
    """Too many requests from one address or with one key in the current window (→ 429)."""

    def __init__(self, limit: str, retry_after: int) -> None:
        super().__init__(f"rate limit per {limit} exceeded; retry after {retry_after} s")
        #: which limit: "address", "verify" or "key"
        self.limit = limit
        #: whole seconds until a request would be counted again (``Retry-After``)
        self.retry_after = retry_after


def storage_uri(settings: Settings) -> str:
    """Where counts live: the configured store, else the broker's Redis, else this process."""
    if settings.rate_limit_storage:
        return settings.rate_limit_storage
    broker = settings.broker_url or ""
    if broker.startswith(("redis://", "rediss://")):
        return broker
    return "memory://"


@dataclass(frozen=True)
class _Limit:
    name: str
    items: tuple[RateLimitItem, ...]


class RateLimiter:
    """The three limits of one app, counted in one store."""

    def __init__(self, settings: Settings) -> None:
        self.limits = {name: _Limit(name, tuple(parse_many(text)) if text else ())
                       for name, text in (("address", settings.rate_limit_address),
                                          ("verify", settings.rate_limit_verify),
                                          ("key", settings.rate_limit_key))}
        self.uri = storage_uri(settings)
        self.shared = not self.uri.startswith("memory://")
        self._local = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._store: SlidingWindowCounterRateLimiter | None = None
        if self.shared:
            storage = storage_from_string(
                self.uri, key_prefix=f"{settings.queue_prefix}:limits", wrap_exceptions=True,
                socket_timeout=_REDIS_TIMEOUT_S, socket_connect_timeout=_REDIS_TIMEOUT_S)
            self._store = SlidingWindowCounterRateLimiter(storage)
        self._proxies = [ip_network(p, strict=False) for p in settings.trusted_proxies]
        self._retry_shared_at = 0.0
        self._lock = threading.Lock()
        # Redis calls block: they run on a small pool of their own, so the event loop never
        # waits on the network and a refusal never queues behind renders in the main pool.
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="azx-ratelimit") \
            if self.shared else None

    @property
    def enabled(self) -> bool:
        return any(limit.items for limit in self.limits.values())

    async def enforce(self, request: Request) -> None:
        """Count ``request`` against every limit that applies; raise :class:`RateLimited` when
        one is spent."""
        check = partial(self.check, client_address(request.scope, self._proxies),
                        _presented_key(request), _route_of(request) == _VERIFY_ROUTE)
        if self._pool is None:
            check()  # in-process counts: microseconds under a lock
        else:
            await asyncio.get_running_loop().run_in_executor(self._pool, check)

    def check(self, address: str, key: str | None, verify: bool) -> None:
        """Count one request (blocking when counts live in Redis)."""
        self._hit(self.limits["address"], address)
        if verify:
            self._hit(self.limits["verify"], address)
        if key is not None:
            self._hit(self.limits["key"], key)

    def _hit(self, limit: _Limit, who: str) -> None:
        for item in limit.items:
            strategy = self._strategy()
            try:
                allowed = strategy.hit(item, "azx", limit.name, who)
                reset = strategy.get_window_stats(item, "azx", limit.name, who).reset_time \
                    if not allowed else 0.0
            except StorageError as exc:
                self._shared_failed(exc)
                allowed = self._local.hit(item, "azx", limit.name, who)
                reset = 0.0 if allowed else self._local.get_window_stats(
                    item, "azx", limit.name, who).reset_time
            if not allowed:
                raise RateLimited(limit.name, max(1, math.ceil(reset - time.time())))

    def _strategy(self) -> SlidingWindowCounterRateLimiter:
        if self._store is None or time.monotonic() < self._retry_shared_at:
            return self._local
        return self._store

    def _shared_failed(self, exc: Exception) -> None:
        with self._lock:
            if time.monotonic() >= self._retry_shared_at:
                log.warning("rate-limit store %s unreachable (%s): counting in this process for "
                            "%.0f s", _redacted(self.uri), exc, _SHARED_RETRY_S)
            self._retry_shared_at = time.monotonic() + _SHARED_RETRY_S


def install_rate_limits(app: FastAPI, settings: Settings) -> RateLimiter:
    """Count every request of ``app`` (call before its routes are included: the dependency is
    given to each route as it is added)."""
    limiter = RateLimiter(settings)
    app.state.rate_limiter = limiter
    if limiter.enabled:
        app.router.dependencies.append(Depends(_enforce))
    return limiter


async def _enforce(request: Request) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    await limiter.enforce(request)


def client_address(scope: Any, proxies: Sequence[Any] = ()) -> str:
    """The bucket of the request's client: the socket peer, or behind trusted proxies the
    right-most ``X-Forwarded-For`` hop that is not one; IPv6 by /64."""
    client = scope.get("client")
    peer = str(client[0]) if client else "unknown"
    if proxies and _trusted(peer, proxies):
        hops = [h.strip() for value in _header_values(scope, b"x-forwarded-for")
                for h in value.split(",") if h.strip()]
        for hop in reversed(hops):
            peer = hop
            if not _trusted(hop, proxies):
                break
    return _bucket(peer)


def _header_values(scope: Any, name: bytes) -> list[str]:
    return [v.decode("latin-1") for k, v in scope.get("headers", ()) if k.lower() == name]


def _trusted(host: str, proxies: Sequence[Any]) -> bool:
    address = _ip(host)
    return address is not None and any(address in net for net in proxies)


def _ip(host: str) -> IPv4Address | IPv6Address | None:
    try:
        address = ip_address(host.strip("[]"))
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _bucket(host: str) -> str:
    address = _ip(host)
    if address is None:
        return host[:100]  # not an address (a test client, a unix socket): itself
    if isinstance(address, IPv6Address):
        return str(ip_network(f"{address}/64", strict=False))
    return str(address)


def _presented_key(request: Request) -> str | None:
    """A hash naming the bearer token presented, if any (valid or not: a wrong key is counted
    too, and answered 401 by the route)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def _route_of(request: Request) -> tuple[str, str | None]:
    route = request.scope.get("route")
    return request.method, getattr(route, "path", None)


def _redacted(uri: str) -> str:
    """The store's URI without a password."""
    scheme, sep, rest = uri.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}"
