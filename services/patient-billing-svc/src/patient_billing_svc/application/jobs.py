"""The scheduled jobs of one tenant and day, in the order they depend on each other.

Plans first (a defaulted plan stops holding dunning), then small balances (written off before they
are billed), then dunning (notices on their days), then the statement cycle. Every job is
idempotent for its day, so running them hourly, again after a crash, or in several replicas at
once issues and posts nothing twice.
"""

from __future__ import annotations

from datetime import date, datetime

from openrcm_shared.db import UnitOfWorkFactory
from patient_billing_svc.application.collections import run_dunning, write_off_small_balances
from patient_billing_svc.application.job_report import JobReport
from patient_billing_svc.application.plans import check_plans
from patient_billing_svc.application.statements import run_statement_cycle


async def run_daily_jobs(
    uows: UnitOfWorkFactory, *, tenant_id: str, as_of: date, actor: str, now: datetime,
) -> list[JobReport]:
    reports = []
    for job in (check_plans, write_off_small_balances, run_dunning, run_statement_cycle):
        reports.append(await job(uows, tenant_id=tenant_id, as_of=as_of, actor=actor, now=now))
    return reports
