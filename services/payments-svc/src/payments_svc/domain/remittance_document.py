"""What a payer's remittance says: the payment and the claims it pays, as posted by the API.

The same document will come from the X12 835 parser (BPR/TRN -> payment, N1*PR -> payer,
CLP -> claim, CAS -> adjustments, SVC -> line, LQ -> remark codes), so posting does not care
where a remittance came from.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from openrcm_shared.contracts import Adjustment, PayerRef, PaymentInfo

#: CLP02 claim status codes we accept.
ClaimStatusCode = Literal["1", "2", "3", "4", "19", "20", "21", "22", "23"]
CLAIM_STATUS_CODES: tuple[str, ...] = ("1", "2", "3", "4", "19", "20", "21", "22", "23")
DENIED = "4"
REVERSAL = "22"


class _Document(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ServiceLinePayment(_Document):
    """SVC loop: one service line as the payer adjudicated it."""

    line_control_number: str | None = None
    procedure_code: str
    modifiers: tuple[str, ...] = ()
    units: Decimal | None = None
    service_date: date | None = None
    charge: Decimal
    allowed: Decimal | None = None
    paid: Decimal
    adjustments: tuple[Adjustment, ...] = ()
    remark_codes: tuple[str, ...] = ()


class ClaimPayment(_Document):
    """CLP loop: the payer's answer on one claim."""

    patient_control_number: str
    status_code: ClaimStatusCode
    total_charge: Decimal
    total_paid: Decimal
    patient_responsibility_amount: Decimal | None = None
    payer_claim_control_number: str | None = None
    adjudicated_on: date | None = None
    adjustments: tuple[Adjustment, ...] = ()
    remark_codes: tuple[str, ...] = ()
    lines: tuple[ServiceLinePayment, ...] = ()

    @property
    def all_adjustments(self) -> tuple[Adjustment, ...]:
        """Claim-level CAS followed by every line's CAS."""
        return self.adjustments + tuple(a for line in self.lines for a in line.adjustments)

    @property
    def all_remark_codes(self) -> tuple[str, ...]:
        """Claim-level remark codes followed by the lines', without repeats."""
        return tuple(dict.fromkeys(self.remark_codes + tuple(c for line in self.lines for c in line.remark_codes)))


class RemittanceDocument(_Document):
    payer: PayerRef
    payment: PaymentInfo
    claims: tuple[ClaimPayment, ...]
