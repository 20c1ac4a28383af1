"""The web pages under ``/app``: sign-in with an API key, the forms for technicians, the records
for auditors. Server-rendered HTML that works without script; the few scripts (a draft kept on the
device, the QR scanner) and every style are files served from ``/app/static``; a strict Content-Security-Policy on every ``/app`` response."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.web.routes import router

__all__ = ["CSP", "install_web"]

STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "templates" / "web" / "static"

#: Nothing from elsewhere, no inline script or style (scripts only as files served here), forms
#: post only here, no framing. ``data:`` images: photo thumbnails and the PDF preview.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
_HEADERS = [(b"content-security-policy", CSP.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"permissions-policy", b"camera=(self), microphone=(), geolocation=()")]


class WebPageHeaders:
    """Adds the security headers to every response under ``/app`` (pages, redirects, files)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == "/app" or path.startswith("/app/")):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in _HEADERS if k not in names]
                if not path.startswith("/app/static/"):
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


def install_web(app: FastAPI) -> None:
    """Mount the pages, their static files and their headers on ``app``."""
    app.include_router(router)
    app.mount("/app/static", StaticFiles(directory=STATIC_DIR), name="web-static")
    app.add_middleware(WebPageHeaders)
