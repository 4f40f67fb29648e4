from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from claims_svc import SERVICE_NAME
from claims_svc.adapters.clearinghouse import connect
from claims_svc.config import Settings, get_settings
from claims_svc.entrypoints.api.routes import router
from claims_svc.entrypoints.consumer import HANDLERS
from claims_svc.entrypoints.worker import ClearinghouseWorker
from openrcm_shared.contracts import ClaimAccepted, ClaimRejected, ClaimSubmitted
from openrcm_shared.runtime import ServiceDefinition, build_app, cancel_and_wait

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

DEFINITION = ServiceDefinition(
    name=SERVICE_NAME,
    version="0.2.0",
    description="Payers, fee schedules and billing profiles per tenant; claims from coded encounters, scrubbed, "
    "batched per clearinghouse route as 837P and acknowledged by 999/277CA; the billing work and denial queues. "
    "Emits ClaimSubmitted, ClaimAccepted, ClaimRejected.",
    migrations_dir=MIGRATIONS_DIR,
    routers=[router],
    produces=[ClaimSubmitted, ClaimAccepted, ClaimRejected],
    handlers=HANDLERS,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = build_app(DEFINITION, settings)
    platform_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """The platform's lifespan, plus the clearinghouse connections and (if configured) the periodic worker."""
        async with platform_lifespan(app):
            app.state.clearinghouses = connect(settings.clearinghouse_connections())
            worker = None
            if settings.batch_interval_seconds > 0:
                worker = asyncio.create_task(ClearinghouseWorker(
                    app.state.runtime.uow_factory, app.state.clearinghouses,
                    interval_seconds=settings.batch_interval_seconds, max_claims=settings.batch_max_claims,
                ).run(), name=f"{SERVICE_NAME}-clearinghouse-worker")
            try:
                yield
            finally:
                if worker is not None:
                    await cancel_and_wait([worker])
                for adapter in app.state.clearinghouses.values():
                    await adapter.close()

    app.router.lifespan_context = lifespan
    return app
