"""Request dependencies as ``Annotated`` aliases: the app context and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from domain.access import Caller
from domain.envelope import idempotency_key_problem
from domain.errors import DomainValidationError
from services.context import AppContext
from services.keys import authenticate

__all__ = ["ClientKey", "Ctx", "CurrentCaller"]

_bearer = HTTPBearer(auto_error=False, description="API key: `azx keys create --tenant T --role R`")


def _ctx(request: Request) -> AppContext:
    return request.app.state.ctx  # type: ignore[no-any-return]


def _caller(request: Request,
            creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Caller:
    caller = authenticate(_ctx(request).engine, creds.credentials if creds else None)
    request.state.caller = caller
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
#: The client's Idempotency-Key header, checked (an empty or blank key is a 422).
ClientKey = Annotated[str | None, Depends(_client_key)]
