"""``Annotated`` dependencies the patient-billing routes share: who may do what, the clock."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from openrcm_shared.auth import Role, TenantContext, require_roles
from patient_billing_svc.clock import Clock

#: Patient billing staff, practice admins and billers read accounts, statements, plans and refund items.
CanRead = Annotated[
    TenantContext, Depends(require_roles(Role.PATIENT_ACCOUNTS, Role.BILLER, Role.PRACTICE_ADMIN))
]
#: Patient billing staff and practice admins post payments, adjustments, plans, refunds, statements and jobs.
CanWork = Annotated[TenantContext, Depends(require_roles(Role.PATIENT_ACCOUNTS, Role.PRACTICE_ADMIN))]
#: Only practice admins change the tenant's billing policy.
CanAdminister = Annotated[TenantContext, Depends(require_roles(Role.PRACTICE_ADMIN))]


def _clock(request: Request) -> Clock:
    return request.app.state.clock


ClockDep = Annotated[Clock, Depends(_clock)]

PROBLEM = {"content": {"application/problem+json": {}}}
