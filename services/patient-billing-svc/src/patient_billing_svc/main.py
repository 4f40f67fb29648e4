from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from openrcm_shared.contracts import PatientPaymentReceived, StatementIssued
from openrcm_shared.runtime import ServiceDefinition, build_app, cancel_and_wait
from patient_billing_svc import SERVICE_NAME
from patient_billing_svc.clock import Clock, SystemClock
from patient_billing_svc.config import Settings, get_settings
from patient_billing_svc.entrypoints.api import jobs, plans, policy, refunds, routes, statements
from patient_billing_svc.entrypoints.consumer import HANDLERS
from patient_billing_svc.entrypoints.scheduler import run_jobs_periodically

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

DEFINITION = ServiceDefinition(
    name=SERVICE_NAME,
    version="0.1.0",
    description="Guarantor accounts, the patient ledger, patient payments, refunds, statements, dunning and "
    "payment plans, from EncounterCoded and RemitReceived.",
    migrations_dir=MIGRATIONS_DIR,
    routers=[routes.router, refunds.router, statements.router, plans.router, jobs.router, policy.router],
    produces=[StatementIssued, PatientPaymentReceived],
    handlers=HANDLERS,
)


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = build_app(DEFINITION, settings)
    app.state.clock = clock or SystemClock()
    shared_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """The shared lifespan (database, relay, consumer), plus the scheduled-jobs loop."""
        async with shared_lifespan(app):
            jobs = None
            if settings.billing_jobs_interval_seconds > 0:
                jobs = asyncio.create_task(
                    run_jobs_periodically(app.state.runtime.uow_factory, app.state.clock,
                                          settings.billing_jobs_interval_seconds),
                    name=f"{SERVICE_NAME}-scheduled-jobs",
                )
            try:
                yield
            finally:
                if jobs is not None:
                    await cancel_and_wait([jobs])

    app.router.lifespan_context = lifespan
    return app
