"""The FastAPI application: ``uvicorn api.main:app`` (or ``azx serve``)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.errors import install_error_handlers
from api.hygiene import RefuseControlCharacters
from api.ratelimit import install_rate_limits
from api.routes import archive_checks as archive_check_routes
from api.routes import calendar, documents, forms, jobs, ledger, policies, risk, verify
from api.routes import hazards as hazard_routes
from api.routes import regulator as regulator_routes
from api.routes import riskmap as riskmap_routes
from api.web import install_web
from core.settings import Settings, get_settings
from services.context import open_context
from services.render import load_annex_specs

__all__ = ["app", "create_app"]

DESCRIPTION = """
安责险事故预防技术服务文书生成与归档服务。

Insurer systems post structured JSON; the service returns the annex documents of the standards
(Shandong 附件2–6, AQ 9010.1-2025 附录A, Chengdu 附录C–E) in PDF and DOCX, and archives records
under a 5-year compliance lock. Every `/v1` call needs `Authorization: Bearer <API key>`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    load_annex_specs()  # every annex spec typed and its bind paths checked, before any request

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Opening starts the embedded store and migrates the registry: blocking work, kept off
        # the event loop, done once before any job thread or request runs.
        ctx = await anyio.to_thread.run_sync(open_context, settings)
        app.state.ctx = ctx
        ctx.start_background()  # recovery loop, job threads, housekeeping
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(ctx.close)

    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = FastAPI(title="AZX 安责险事故预防服务文书与档案", version="0.1.0",
                  description=DESCRIPTION, lifespan=lifespan)
    install_error_handlers(app)
    install_rate_limits(app, settings)  # before the routes: each route is given the check
    app.add_middleware(RefuseControlCharacters)
    app.include_router(forms.router)
    app.include_router(documents.router)
    app.include_router(verify.router)
    app.include_router(risk.router)
    app.include_router(jobs.router)
    app.include_router(hazard_routes.router)
    app.include_router(riskmap_routes.router)
    app.include_router(calendar.router)
    app.include_router(policies.router)
    app.include_router(ledger.router)
    app.include_router(archive_check_routes.router)
    install_web(app)  # the /app pages (issue 17)
    app.include_router(regulator_routes.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Alive: the process answers (say nothing about what it can reach)."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz(request: Request) -> JSONResponse:
        """Ready: the registry and the object store answer; 503 while the service cannot
        archive (a load balancer sends no work here meanwhile)."""
        state = request.app.state.ctx.readiness()
        return JSONResponse(state.as_dict(), status_code=200 if state.ready else 503)

    return app


app = create_app()
