"""claims-svc events about a submitted claim's acknowledgement, version 1.

ClaimSubmitted lives in ``events.py``; these follow it once the payer's acknowledgement (277CA) or
the clearinghouse's (999) arrives. Reasons are in plain English with the fix, and carry the X12
codes they came from; never patient data.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from openrcm_shared.contracts.envelope import EventContract
from openrcm_shared.contracts.events import PayerRef, _Part


class RejectionReason(_Part):
    source: Literal["999", "277CA"] = Field(description="The acknowledgement that rejected the claim.")
    code: str = Field(description="The X12 codes, e.g. 'A7:562:85' (277CA STC01) or 'IK5:R:5' (999).")
    description: str = Field(description="What is wrong, in plain English.")
    suggested_fix: str = Field(description="What the biller should correct before resubmitting.")


class ClaimAccepted(EventContract):
    event_type = "ClaimAccepted"
    event_version = 1
    domain = "claims"
    topic_name = "claim-accepted"

    claim_id: uuid.UUID
    encounter_id: uuid.UUID
    patient_control_number: str
    payer: PayerRef
    payer_claim_control_number: str | None = Field(default=None, description="REF*1K of the 277CA, when given.")
    status_code: str = Field(description="The 277CA STC01 that accepted it, e.g. 'A2:20'.")
    accepted_at: datetime

    def aggregate_id(self) -> str:
        return str(self.claim_id)


class ClaimRejected(EventContract):
    event_type = "ClaimRejected"
    event_version = 1
    domain = "claims"
    topic_name = "claim-rejected"

    claim_id: uuid.UUID
    encounter_id: uuid.UUID
    patient_control_number: str
    payer: PayerRef
    reasons: list[RejectionReason] = Field(min_length=1)
    rejected_at: datetime

    def aggregate_id(self) -> str:
        return str(self.claim_id)
