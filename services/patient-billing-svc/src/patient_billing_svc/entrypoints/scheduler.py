"""The background loop that runs the scheduled jobs (plans, small balances, dunning, statement cycle).

Every ``BILLING_JOBS_INTERVAL_SECONDS`` it runs the day's jobs for every tenant with an account.
The jobs are idempotent for their day, so several replicas running the loop, or a loop that runs
hourly, issue and post nothing twice. It lives here rather than in shared/runtime.py until the
platform has a periodic-task hook; ``create_app`` wraps the shared lifespan to start and stop it.
"""

from __future__ import annotations

import asyncio
import logging

from openrcm_shared.db import UnitOfWorkFactory
from patient_billing_svc import SERVICE_NAME
from patient_billing_svc.adapters.repository import AccountRepository
from patient_billing_svc.application.jobs import run_daily_jobs
from patient_billing_svc.clock import Clock

log = logging.getLogger(__name__)

ACTOR = f"{SERVICE_NAME}:scheduler"


async def run_jobs_once(uows: UnitOfWorkFactory, clock: Clock) -> int:
    """The day's jobs for every tenant; returns how many tenants' jobs failed (each is logged)."""
    async with uows() as uow:
        tenants = await AccountRepository(uow.session).tenants()
    failed = 0
    for tenant_id in tenants:
        try:
            reports = await run_daily_jobs(uows, tenant_id=tenant_id, as_of=clock.today(), actor=ACTOR,
                                           now=clock.now())
            log.info("scheduled jobs ran", extra={"tenant_id": tenant_id,
                                                  "outcomes": {r.job: r.outcomes for r in reports}})
        except Exception:
            failed += 1
            log.exception("scheduled jobs failed; the next run tries again", extra={"tenant_id": tenant_id})
    return failed


async def run_jobs_periodically(uows: UnitOfWorkFactory, clock: Clock, interval_seconds: float) -> None:
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            await run_jobs_once(uows, clock)
        except Exception:  # the database is down: try again next interval
            log.warning("scheduled jobs could not start; retrying next interval", exc_info=True)
