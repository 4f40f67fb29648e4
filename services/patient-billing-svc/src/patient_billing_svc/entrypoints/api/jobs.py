"""Admin endpoints that run the scheduled jobs for the caller's tenant (the background loop runs them too).

Every job is idempotent for its day. ``as_of`` defaults to today and may not be in the future, so a
job can be re-run for a missed day but never run ahead of the calendar.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query

from openrcm_shared.problems import InvalidInput
from openrcm_shared.runtime import UnitOfWorkFactoryDep
from patient_billing_svc.application.collections import run_dunning, write_off_small_balances
from patient_billing_svc.application.jobs import run_daily_jobs
from patient_billing_svc.application.plans import check_plans
from patient_billing_svc.application.statements import run_statement_cycle
from patient_billing_svc.entrypoints.api.dependencies import PROBLEM, CanWork, ClockDep
from patient_billing_svc.entrypoints.api.schemas import JobReportOut

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


class Job(StrEnum):
    """The jobs run by ``POST /v1/jobs/{job}`` (the statement run and the daily run have routes of their own)."""

    DUNNING = "dunning"
    PAYMENT_PLANS = "payment-plans"
    SMALL_BALANCE_WRITE_OFF = "small-balance-write-off"


_JOBS = {Job.DUNNING: run_dunning, Job.PAYMENT_PLANS: check_plans,
         Job.SMALL_BALANCE_WRITE_OFF: write_off_small_balances}

AsOf = Annotated[date | None, Query(description="The day to run for (default today; never in the future).")]


def _day(as_of: date | None, today: date) -> date:
    if as_of is not None and as_of > today:
        raise InvalidInput("1 field(s) are invalid; see `errors`.", errors=[
            {"pointer": "/as_of", "location": "query", "message": "is in the future", "code": "future_date"}
        ])
    return as_of or today


@router.post("/daily", response_model=list[JobReportOut], summary="Every job of the day, in order",
             description="Payment plans, small-balance write-off, dunning, statement run (on cycle days).",
             responses={422: {"description": "as_of in the future.", **PROBLEM}})
async def post_daily(ctx: CanWork, uows: UnitOfWorkFactoryDep, clock: ClockDep, as_of: AsOf = None
                     ) -> list[JobReportOut]:
    reports = await run_daily_jobs(uows, tenant_id=ctx.tenant_id, as_of=_day(as_of, clock.today()),
                                   actor=ctx.actor, now=clock.now())
    return [JobReportOut.of(r) for r in reports]


@router.post("/statement-run", response_model=JobReportOut,
             summary="Statement cycle: one statement per guarantor owing at least the minimum",
             description="Runs on the tenant's cycle days only, unless `on_demand=true`. Re-running it for the same "
             "day issues nothing twice.", responses={422: {"description": "as_of in the future.", **PROBLEM}})
async def post_statement_run(
    ctx: CanWork, uows: UnitOfWorkFactoryDep, clock: ClockDep, as_of: AsOf = None, on_demand: bool = False,
) -> JobReportOut:
    report = await run_statement_cycle(uows, tenant_id=ctx.tenant_id, as_of=_day(as_of, clock.today()),
                                       actor=ctx.actor, now=clock.now(), on_demand=on_demand)
    return JobReportOut.of(report)


@router.post("/{job}", response_model=JobReportOut, summary="Run one job: dunning, payment-plans, "
             "small-balance-write-off", responses={422: {"description": "as_of in the future.", **PROBLEM}})
async def post_job(job: Job, ctx: CanWork, uows: UnitOfWorkFactoryDep, clock: ClockDep, as_of: AsOf = None
                   ) -> JobReportOut:
    report = await _JOBS[job](uows, tenant_id=ctx.tenant_id, as_of=_day(as_of, clock.today()), actor=ctx.actor,
                              now=clock.now())
    return JobReportOut.of(report)
