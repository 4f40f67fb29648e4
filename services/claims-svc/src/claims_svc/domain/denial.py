"""The billing department's denial work queue. Pure domain code.

payments-svc decides who owns a denial; billing works the billing-owned ones here, coding-svc
reopens the encounter for coding-owned ones.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from openrcm_shared.contracts import DenialRaised
from openrcm_shared.contracts.events import Department


class DenialStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class BillingDenial:
    id: uuid.UUID
    tenant_id: str
    denial_id: uuid.UUID  # payments-svc's id of the denial: one queue item per denial
    claim_id: uuid.UUID
    level: str
    line_control_number: str | None
    procedure_code: str | None
    category: str
    reason_codes: tuple[str, ...]  # CAS group and CARC, e.g. CO-16
    remark_codes: tuple[str, ...]
    recommended_action: str
    explanation: str
    denied_amount: Decimal
    status: DenialStatus
    received_at: datetime

    @classmethod
    def queue_item(cls, tenant_id: str, denial: DenialRaised, *, received_at: datetime) -> "BillingDenial | None":
        """The work item for a billing-owned denial; None when the denial is coding's to work."""
        if denial.owning_department != Department.BILLING:
            return None
        return cls(
            id=uuid.uuid4(), tenant_id=tenant_id, denial_id=denial.denial_id, claim_id=denial.claim_id,
            level=denial.level, line_control_number=denial.line_control_number, procedure_code=denial.procedure_code,
            category=denial.category.value,
            reason_codes=tuple(f"{a.group.value}-{a.reason_code}" for a in denial.adjustments),
            remark_codes=tuple(denial.remark_codes), recommended_action=denial.recommended_action.value,
            explanation=denial.explanation, denied_amount=denial.denied_amount, status=DenialStatus.OPEN,
            received_at=received_at,
        )
