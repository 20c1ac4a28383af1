"""Refuse control characters in a request's path and query before any route sees them.

A NUL byte cannot be stored or compared by PostgreSQL (a search parameter ``?insured=%00``
would be a 500), and no record ID, policy number or name contains a control or bidi character:
such a request is a 422 naming the parameter, on every route alike.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.errors import DomainValidationError, Problem, error_body
from domain.jsonvalue import text_problem

__all__ = ["RefuseControlCharacters"]


class RefuseControlCharacters:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problems = _problems(scope)
            if problems:
                body = error_body(DomainValidationError(problems)).as_dict()
                await JSONResponse(body, status_code=422)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _problems(scope: Scope) -> list[Problem]:
    problems: list[Problem] = []
    found = text_problem(scope.get("path", ""), ("path",))
    if found is not None:
        problems.append(found)
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True, errors="replace"):
        for text in (name, value):
            found = text_problem(text, ("query", name.encode("unicode_escape").decode()))
            if found is not None:
                problems.append(found)
                break
    return problems
