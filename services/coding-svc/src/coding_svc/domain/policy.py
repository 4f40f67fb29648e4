"""A tenant's coding policy: how its encounters move through the coding queue.

One per tenant; a tenant that never set one has the defaults below. The audit sampling fields are
kept here for the coding audit (they do not change the queue).

Pure domain code: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from coding_svc.domain.encounter import EncounterDocument

DEFAULT_CLAIM_MINUTES = 30
DEFAULT_FILING_DAYS = 365
DEFAULT_AUDIT_SAMPLE_PERCENT = Decimal("5")


@dataclass(frozen=True)
class CodingPolicy:
    tenant_id: str
    #: Provider-entered codes that pass every edit are released at intake instead of waiting for a coder.
    auto_release_clean_provider_codes: bool = False
    #: How long a coder's claim on an encounter lasts (each claim or re-claim starts it again).
    claim_minutes: int = DEFAULT_CLAIM_MINUTES
    #: Timely filing: days after the first date of service within which the payer accepts a claim.
    default_filing_days: int = DEFAULT_FILING_DAYS
    filing_days_by_payer: Mapping[str, int] = field(default_factory=dict)
    #: Share of each coder's releases drawn for a coding audit, in percent.
    audit_sample_percent: Decimal = DEFAULT_AUDIT_SAMPLE_PERCENT
    audit_sample_percent_by_coder: Mapping[str, Decimal] = field(default_factory=dict)
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def is_default(self) -> bool:
        return self.updated_at is None

    def filing_days(self, payer_id: str | None) -> int:
        if payer_id is None:
            return self.default_filing_days
        return self.filing_days_by_payer.get(payer_id, self.default_filing_days)

    def filing_deadline(self, document: EncounterDocument) -> date:
        """First date of service + the primary payer's filing days (self-pay: the default days)."""
        return self.filing_deadline_for(document.service_date_from, document.primary_payer_id)

    def filing_deadline_for(self, service_date_from: date, payer_id: str | None) -> date:
        return service_date_from + timedelta(days=self.filing_days(payer_id))

    def audit_sample_percent_for(self, coder: str) -> Decimal:
        return self.audit_sample_percent_by_coder.get(coder, self.audit_sample_percent)
