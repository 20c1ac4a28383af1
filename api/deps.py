"""Request dependencies as ``Annotated`` aliases: the app context and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from domain.access import Caller, Role
from domain.envelope import idempotency_key_problem
from domain.errors import DomainValidationError, Forbidden
from services.context import AppContext
from services.keys import authenticate

__all__ = ["ClientKey", "Ctx", "CurrentCaller", "RegulatorCaller"]

_bearer = HTTPBearer(auto_error=False, description="API key: `azx keys create --tenant T --role R`")


def _ctx(request: Request) -> AppContext:
    return request.app.state.ctx  # type: ignore[no-any-return]


def _any_caller(request: Request,
                creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Caller:
    caller = authenticate(_ctx(request).engine, creds.credentials if creds else None)
    request.state.caller = caller
    return caller


def _caller(caller: Annotated[Caller, Depends(_any_caller)]) -> Caller:
    """A tenant's caller. A regulator reads only its regions' summary (``RegulatorCaller``):
    every other route refuses it before looking at anything, so a 403 confirms nothing."""
    if caller.role is Role.REGULATOR:
        raise Forbidden("监管部门密钥只能读取辖区汇总（/v1/regulator/…）",
                        "a regulator key reads only its regions' summary (/v1/regulator/…)")
    return caller


def _regulator(caller: Annotated[Caller, Depends(_any_caller)]) -> Caller:
    if caller.role is not Role.REGULATOR:
        raise Forbidden("仅监管部门密钥可读取辖区汇总", "only a regulator key reads this summary")
    return caller


def _client_key(idempotency_key: Annotated[str | None, Header(
        description="makes a retry safe: the same key and body give the same result; "
                    "1–200 visible ASCII characters")] = None) -> str | None:
    if idempotency_key is None:
        return None
    problem = idempotency_key_problem(idempotency_key)
    if problem is not None:
        raise DomainValidationError([problem])
    return idempotency_key


Ctx = Annotated[AppContext, Depends(_ctx)]
CurrentCaller = Annotated[Caller, Depends(_caller)]
#: A regulator's caller (role ``regulator``, bound to regions); everyone else gets 403.
RegulatorCaller = Annotated[Caller, Depends(_regulator)]
#: The client's Idempotency-Key header, checked (an empty or blank key is a 422).
ClientKey = Annotated[str | None, Depends(_client_key)]
