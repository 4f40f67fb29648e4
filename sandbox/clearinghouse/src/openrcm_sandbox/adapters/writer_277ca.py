"""The 277CA (005010X214): the claim acknowledgement answering the claims of one 837P file. Pure.

Layout (loop ids of the TR3)::

    ST BHT*0085*08
    2000A HL*20  NM1*AY (the sandbox clearinghouse)  TRN*1 DTP*050 DTP*009
      2000B HL*21  NM1*41 (the submitter)  TRN*2 (the 837's BHT03)  STC  QTY*90/AA  AMT*YU/YY
        2000C HL*19  NM1*85 (billing provider)  TRN*1  STC  QTY*QA/QC  AMT*YU/YY       one per billing NPI
          2000D HL*PT  NM1*QC  TRN*2 (CLM01)  STC  [REF*1K payer claim number]  DTP*472   one per claim
    SE

A claim is accepted (STC A2:20:PR, action WQ) or rejected (up to three statuses in STC01, STC10 and
STC11, action U). claims-svc reads TRN*2, STC and REF*1K of each patient loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from openrcm_sandbox.adapters.reader_837p import Envelope837
from openrcm_sandbox.adapters.x12_format import text
from openrcm_shared.x12.values import d8, money
from openrcm_sandbox.domain.claims import SubmittedClaim
from openrcm_shared.x12 import GroupHeader, InterchangeHeader, InterchangeWriter

IMPLEMENTATION_277CA = "005010X214"
ACCEPTED = ("A2", "20", "PR")  # accepted for adjudication
RECEIVED = ("A1", "19")  # acknowledgement/receipt: entity acknowledges receipt of the claims
CLEARINGHOUSE_NAME = "OPENRCM SANDBOX CLEARINGHOUSE"
_ZERO = Decimal("0")


@dataclass(frozen=True)
class ClaimStatus:
    """What the front end said about one claim."""

    claim: SubmittedClaim
    statuses: tuple[tuple[str, str, str], ...]  # (category, status, entity); ACCEPTED when accepted
    payer_claim_number: str = ""  # REF*1K, for an accepted claim

    @property
    def accepted(self) -> bool:
        return self.statuses == (ACCEPTED,)


def accepted(claim: SubmittedClaim, payer_claim_number: str) -> ClaimStatus:
    return ClaimStatus(claim, (ACCEPTED,), payer_claim_number)


def rejected(claim: SubmittedClaim, statuses: Sequence[tuple[str, str, str]]) -> ClaimStatus:
    if not statuses:
        raise ValueError("a rejected claim needs at least one status")
    return ClaimStatus(claim, tuple(statuses))


def build_277ca(envelope: Envelope837, claims: Sequence[ClaimStatus], *, control_number: int, created_at: datetime,
                trace_number: str, received_on: date, sender_id: str = "") -> str:
    """One interchange holding one 277CA for ``claims`` (all from one 837P file)."""
    if not claims:
        raise ValueError("a 277CA answers at least one claim")
    ours = sender_id or envelope.receiver_id
    header = InterchangeHeader(sender_id=ours, receiver_id=envelope.sender_id,
                               sender_qualifier=envelope.receiver_qualifier or "ZZ",
                               receiver_qualifier=envelope.sender_qualifier or "ZZ",
                               usage="T" if envelope.usage == "T" else "P")
    writer = InterchangeWriter(header, control_number, created_at)
    writer.begin_group(GroupHeader("HN", sender_id or envelope.application_receiver or ours,
                                   envelope.application_sender or envelope.sender_id, IMPLEMENTATION_277CA),
                       control_number)
    writer.begin_transaction("277", 1, IMPLEMENTATION_277CA)
    add, add_composite = writer.segments.add, writer.segments.add_composite
    processed = d8(created_at.date())
    add("BHT", "0085", "08", trace_number, processed, f"{created_at:%H%M}", "TH")

    add("HL", "1", "", "20", "1")
    add("NM1", "AY", "2", CLEARINGHOUSE_NAME, "", "", "", "", "46", ours)
    add("TRN", "1", trace_number)
    add("DTP", "050", "D8", d8(received_on))
    add("DTP", "009", "D8", processed)

    add("HL", "2", "1", "21", "1")
    add("NM1", "41", "2", text(envelope.submitter_name) or envelope.sender_id, "", "", "", "", "46",
        envelope.submitter_id or envelope.sender_id)
    add("TRN", "2", envelope.reference or envelope.interchange_control_number)
    add_composite("STC", RECEIVED + ("PR",), processed, "WQ", money(_total(claims)))
    _counts(add, claims, accepted_code="90", rejected_code="AA")

    hl = 2
    by_provider: dict[str, list[ClaimStatus]] = {}
    for status in claims:
        by_provider.setdefault(status.claim.billing_provider_npi, []).append(status)
    for number, (npi, provider_claims) in enumerate(by_provider.items(), start=1):
        hl += 1
        provider_hl = hl
        first = provider_claims[0].claim
        add("HL", str(provider_hl), "2", "19", "1")
        add("NM1", "85", "2", text(first.billing_provider_name) or "BILLING PROVIDER", "", "", "", "", "XX", npi)
        add("TRN", "1", f"{trace_number}-{number}")
        add_composite("STC", RECEIVED + ("85",), "", "WQ",  # STC02 is not used at 2200C
                       money(_total(provider_claims)))
        _counts(add, provider_claims, accepted_code="QA", rejected_code="QC")
        for status in provider_claims:
            hl += 1
            claim = status.claim
            patient = claim.patient or claim.subscriber
            add("HL", str(hl), str(provider_hl), "PT")
            add("NM1", "QC", "1", text(patient.last_name) or "UNKNOWN", text(patient.first_name), "", "", "", "MI", claim.member_id)
            add("TRN", "2", claim.patient_control_number)
            statuses = list(status.statuses[:3])
            action = "WQ" if status.accepted else "U"
            add_composite("STC", statuses[0], processed, action, money(claim.total_charge), "", "", "", "", "",
                          *statuses[1:])
            if status.accepted and status.payer_claim_number:
                add("REF", "1K", status.payer_claim_number)
            first_day, last_day = claim.first_service_date, claim.last_service_date
            if first_day == last_day:
                add("DTP", "472", "D8", d8(first_day))
            else:
                add("DTP", "472", "RD8", f"{d8(first_day)}-{d8(last_day)}")
    writer.end_transaction()
    writer.end_group()
    return writer.finish()


def _total(claims: Sequence[ClaimStatus]) -> Decimal:
    return sum((status.claim.total_charge for status in claims), _ZERO)


def _counts(add, claims: Sequence[ClaimStatus], *, accepted_code: str, rejected_code: str) -> None:  # noqa: ANN001
    accepted_claims = [s for s in claims if s.accepted]
    rejected_claims = [s for s in claims if not s.accepted]
    if accepted_claims:
        add("QTY", accepted_code, str(len(accepted_claims)))
    if rejected_claims:
        add("QTY", rejected_code, str(len(rejected_claims)))
    if accepted_claims:
        add("AMT", "YU", money(_total(accepted_claims)))
    if rejected_claims:
        add("AMT", "YY", money(_total(rejected_claims)))
