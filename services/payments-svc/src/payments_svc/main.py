from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from openrcm_shared.contracts import DenialRaised, RemitReceived
from openrcm_shared.runtime import ServiceDefinition, build_app, cancel_and_wait
from payments_svc import SERVICE_NAME
from payments_svc.config import Settings, get_settings
from payments_svc.entrypoints.api import reconciliation
from payments_svc.entrypoints.api.routes import router
from payments_svc.entrypoints.api.schemas import RemittanceIn
from payments_svc.entrypoints.consumer import HANDLERS
from payments_svc.entrypoints.drop_watcher import DropWatcher

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

DEFINITION = ServiceDefinition(
    name=SERVICE_NAME,
    version="0.1.0",
    description="Remittances and payment posting, matched to submitted claims; denials classified and routed. "
    "Emits RemitReceived and DenialRaised.",
    migrations_dir=MIGRATIONS_DIR,
    routers=[router, reconciliation.router],
    produces=[RemitReceived, DenialRaised],
    handlers=HANDLERS,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = build_app(DEFINITION, settings)
    _document_request_bodies(app)
    if settings.era_drop_directory:
        _watch_drop_directory(app, Path(settings.era_drop_directory), settings.era_drop_poll_seconds)
    return app


def _watch_drop_directory(app: FastAPI, root: Path, poll_seconds: float) -> None:
    """Run the drop-directory watcher beside the service's own tasks, started and stopped with them."""
    service_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_lifespan(app):
            watcher = DropWatcher(root, app.state.runtime.uow_factory, poll_seconds=poll_seconds)
            app.state.drop_watcher = watcher
            task = asyncio.create_task(watcher.run(), name=f"{SERVICE_NAME}-drop-watcher")
            try:
                yield
            finally:
                await cancel_and_wait([task])

    app.router.lifespan_context = lifespan


def _document_request_bodies(app: FastAPI) -> None:
    """POST /v1/remittances reads its body itself (JSON, X12 or multipart): put the JSON body's schema in the
    OpenAPI components that its request body refers to."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            body = RemittanceIn.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(body.pop("$defs", {}))
            components["RemittanceIn"] = body
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
