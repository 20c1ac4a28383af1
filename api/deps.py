"""Request dependencies as ``Annotated`` aliases: the app context and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from domain.access import Caller
from services.context import AppContext
from services.keys import authenticate

__all__ = ["Ctx", "CurrentCaller"]

_bearer = HTTPBearer(auto_error=False, description="API key: `azx keys create --tenant T --role R`")


def _ctx(request: Request) -> AppContext:
    return request.app.state.ctx  # type: ignore[no-any-return]


def _caller(request: Request,
            creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Caller:
    caller = authenticate(_ctx(request).engine, creds.credentials if creds else None)
    request.state.caller = caller
    return caller


Ctx = Annotated[AppContext, Depends(_ctx)]
CurrentCaller = Annotated[Caller, Depends(_caller)]
