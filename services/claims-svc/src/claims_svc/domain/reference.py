"""A tenant's billing reference data: payers, the fee schedule, billing provider profiles and the
clearinghouse routes claims travel by. Pure domain code: no FastAPI, SQLAlchemy or Kafka.

Claims read it twice: when a claim is built (charges, prior authorization, timely filing, scrubber)
and when a batch is written (billing provider, payer and route as the 837P names them). A change to
reference data therefore reaches every claim not yet sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from claims_svc.domain.x12.model_837p import Address, Receiver, Submitter
from openrcm_shared.x12 import InterchangeHeader

#: SBR09 claim filing indicator codes (005010X222A1).
CLAIM_FILING_INDICATORS = {
    "11": "other non-federal programs", "12": "preferred provider organization (PPO)",
    "13": "point of service (POS)", "14": "exclusive provider organization (EPO)",
    "15": "indemnity insurance", "16": "health maintenance organization (HMO) Medicare risk",
    "17": "dental maintenance organization", "AM": "automobile medical", "BL": "Blue Cross/Blue Shield",
    "CH": "CHAMPUS (TRICARE)", "CI": "commercial insurance", "DS": "disability", "FI": "federal employees program",
    "HM": "health maintenance organization", "LM": "liability medical", "MA": "Medicare Part A",
    "MB": "Medicare Part B", "MC": "Medicaid", "OF": "other federal program", "TV": "Title V",
    "VA": "Veterans Affairs plan", "WC": "workers' compensation", "ZZ": "mutually defined",
}
MEDICARE = frozenset({"MA", "MB"})


@dataclass(frozen=True)
class Payer:
    """One payer the tenant bills, as its clearinghouse route knows it."""

    payer_id: str  # the id the clearinghouse knows the payer by (2010BB NM109)
    name: str
    claim_filing_indicator: str  # SBR09
    timely_filing_days: int  # days after the date of service within which the payer must receive the claim
    prior_auth_procedures: frozenset[str] = frozenset()
    route_id: str | None = None
    address: Address | None = None
    appeal_days: int = 180  # days after a denial within which the payer takes an appeal
    follow_up_days: int = 30  # days without news from the payer after which a claim needs A/R follow-up

    def requires_prior_auth(self, procedure_code: str) -> bool:
        return procedure_code in self.prior_auth_procedures

    def filing_deadline(self, date_of_service: date) -> date:
        return date_of_service + timedelta(days=self.timely_filing_days)

    @property
    def is_medicare(self) -> bool:
        return self.claim_filing_indicator in MEDICARE


@dataclass(frozen=True)
class FeeScheduleEntry:
    """The practice's charge for one procedure code (and modifier, "" for none) over a date range."""

    id: uuid.UUID
    procedure_code: str
    modifier: str
    charge: Decimal
    effective_from: date
    effective_to: date | None = None  # inclusive; None: open-ended

    def in_effect(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def overlaps(self, other: FeeScheduleEntry) -> bool:
        """Same code and modifier with date ranges that share a day."""
        if (self.procedure_code, self.modifier) != (other.procedure_code, other.modifier):
            return False
        self_end, other_end = self.effective_to or date.max, other.effective_to or date.max
        return self.effective_from <= other_end and other.effective_from <= self_end


class FeeSchedule:
    """The entries of a tenant's fee schedule for the codes one claim bills."""

    def __init__(self, entries: Iterable[FeeScheduleEntry]) -> None:
        self._entries = list(entries)

    def charge_for(self, procedure_code: str, modifiers: Sequence[str], units: Decimal, on: date) -> Decimal | None:
        """Charge of a line: the entry for the first of its modifiers that has one, else the plain entry, times units."""
        in_effect = {e.modifier: e for e in self._entries if e.procedure_code == procedure_code and e.in_effect(on)}
        for modifier in (*modifiers, ""):
            entry = in_effect.get(modifier)
            if entry is not None:
                return (entry.charge * units).quantize(Decimal("0.01"))
        return None


def overlapping_entries(entries: Sequence[FeeScheduleEntry]) -> list[tuple[int, int]]:
    """Index pairs of entries whose ranges overlap (same code and modifier): a charge must be unambiguous."""
    found = []
    by_key: dict[tuple[str, str], list[int]] = {}
    for index, entry in enumerate(entries):
        by_key.setdefault((entry.procedure_code, entry.modifier), []).append(index)
    for indexes in by_key.values():
        for a_pos, a in enumerate(indexes):
            found += [(a, b) for b in indexes[a_pos + 1:] if entries[a].overlaps(entries[b])]
    return found


@dataclass(frozen=True)
class BillingProfile:
    """The billing entity for one billing NPI, as payers know it (2010AA, 2010AB)."""

    npi: str
    organization_name: str
    tax_id: str  # EIN, 9 digits without dash
    address: Address  # a street address with ZIP+4
    taxonomy: str = ""
    pay_to_address: Address | None = None


@dataclass(frozen=True)
class SubmissionRoute:
    """How claims to the payers on this route travel: which clearinghouse connection, and the envelope ids."""

    route_id: str
    clearinghouse: str  # the name of a connection in the CLEARINGHOUSES setting
    submitter: Submitter
    receiver: Receiver
    interchange: InterchangeHeader
    application_sender_code: str
    application_receiver_code: str
