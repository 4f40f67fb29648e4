"""The 835 (005010X221A1) of one :class:`Remittance`: one interchange, one transaction set. Pure.

Layout::

    ST BPR TRN DTM*405
    1000A N1*PR N3 N4 REF*2U PER*BL          the payer (REF*2U: the payer id claims-svc sent in 2010BB)
    1000B N1*PE (XX NPI) REF*TJ              the payee (billing provider)
    2000 LX*1
      2100 CLP CAS NM1*QC MOA DTM*050        one per claim
        2110 SVC DTM*472 CAS REF*6R AMT*B6 LQ*HE   one per line
    PLB                                      provider-level adjustments
    SE

A payer in the sandbox has no bank, tax id or street address in its contract, so the ones an 835
needs (BPR DFI and account numbers, TRN03 "1" + EIN, N3/N4) are made up deterministically from the
payer and payee ids: the same ids always give the same numbers. Negative amounts (a reversal,
CLP02 22) are written as they are; a payment is never negative (payment_run carries a shortfall as
a forward balance), so BPR03 is always C.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime

from openrcm_sandbox.adapters.x12_format import text
from openrcm_shared.x12.values import d8, decimal_text, money
from openrcm_sandbox.domain.remittance import Adjustment, ClaimPayment, LinePayment, ProviderAdjustment, Remittance
from openrcm_shared.x12 import GroupHeader, InterchangeHeader, InterchangeWriter

IMPLEMENTATION_835 = "005010X221A1"
MAX_ADJUSTMENTS_PER_CAS = 6
MAX_ADJUSTMENTS_PER_PLB = 6
MAX_REMARKS_PER_MOA = 5
PAYER_ADDRESS = ("100 SANDBOX WAY", "TESTVILLE", "MN", "554010000")
PAYER_CONTACT = ("SANDBOX EDI SUPPORT", "TE", "8005550100")

Add = Callable[..., None]


def build_835(remittance: Remittance, *, control_number: int, created_at: datetime) -> str:
    """The 835 interchange for ``remittance``, numbered ``control_number`` (ISA13, GS06; ST02 is 0001)."""
    if remittance.total_paid < 0:
        raise ValueError("an 835 pays a positive amount or nothing; carry a shortfall as a forward balance (PLB FB)")
    payer_id, npi = remittance.payer_id, remittance.payee.npi
    header = InterchangeHeader(sender_id=payer_id[:15], receiver_id=npi[:15])
    writer = InterchangeWriter(header, control_number, created_at)
    writer.begin_group(GroupHeader("HP", payer_id, npi, IMPLEMENTATION_835), control_number)
    writer.begin_transaction("835", 1, IMPLEMENTATION_835)
    add, add_composite = writer.segments.add, writer.segments.add_composite
    _financial(add, remittance)
    add("TRN", "1", remittance.trace_number, "1" + _digits(f"payer-ein:{payer_id}", 9))
    add("DTM", "405", d8(remittance.payment_date))
    add("N1", "PR", text(remittance.payer_name) or payer_id)
    street, city, state, postal = PAYER_ADDRESS
    add("N3", street)
    add("N4", city, state, postal)
    add("REF", "2U", payer_id)
    add("PER", "BL", *PAYER_CONTACT)
    payee = remittance.payee
    add("N1", "PE", text(payee.name) or npi, "XX", npi)
    if payee.tax_id:
        add("REF", "TJ", payee.tax_id)
    if remittance.claims:
        add("LX", "1")
        for claim in remittance.claims:
            _claim(add, add_composite, claim)
    _provider_adjustments(add_composite, remittance.provider_adjustments)
    writer.end_transaction()
    writer.end_group()
    # X221A1 marks ST03 "not used"; the envelope writer always writes it, and dropping it changes no count.
    return writer.finish().replace(f"ST*835*0001*{IMPLEMENTATION_835}~", "ST*835*0001~", 1)


def _financial(add: Add, remittance: Remittance) -> None:
    amount = money(remittance.total_paid)
    day = d8(remittance.payment_date)
    method = remittance.payment_method
    if method == "NON" or remittance.total_paid == 0:
        add("BPR", "H", amount, "C", "NON", *[""] * 11, day)
    elif method == "ACH":
        payer, payee = remittance.payer_id, remittance.payee.npi
        add("BPR", "I", amount, "C", "ACH", "CCP", "01", _routing(f"payer-bank:{payer}"), "DA",
            _digits(f"payer-account:{payer}", 10), "1" + _digits(f"payer-ein:{payer}", 9), "",
            "01", _routing(f"payee-bank:{payee}"), "DA", _digits(f"payee-account:{payee}", 12), day)
    else:  # CHK: the trace number is the check number
        add("BPR", "C", amount, "C", "CHK", *[""] * 11, day)


def _claim(add: Add, add_composite: Add, claim: ClaimPayment) -> None:
    add("CLP", claim.patient_control_number, claim.status_code, money(claim.charge), money(claim.paid),
        money(claim.patient_responsibility) if claim.patient_responsibility else "", claim.claim_filing_indicator,
        claim.payer_claim_number, "", claim.frequency_code)
    _adjustments(add, claim.claim_adjustments)
    last, first = claim.patient
    add("NM1", "QC", "1", text(last) or "UNKNOWN", text(first), "", "", "", "MI", claim.member_id)
    remarks = list(claim.remark_codes)
    while remarks:
        add("MOA", "", "", *remarks[:MAX_REMARKS_PER_MOA])
        remarks = remarks[MAX_REMARKS_PER_MOA:]
    add("DTM", "050", d8(claim.received_on))
    for line in claim.lines:
        _line(add, add_composite, line)


def _line(add: Add, add_composite: Add, line: LinePayment) -> None:
    add_composite("SVC", ("HC", line.procedure_code, *line.modifiers), money(line.charge), money(line.paid), "",
                  decimal_text(line.units))
    add("DTM", "472", d8(line.service_date))
    _adjustments(add, line.adjustments)
    if line.line_control_number:
        add("REF", "6R", line.line_control_number)
    if line.allowed is not None:
        add("AMT", "B6", money(line.allowed))
    for remark in line.remark_codes:
        add("LQ", "HE", remark)


def _adjustments(add: Add, adjustments: Sequence[Adjustment]) -> None:
    """One CAS per group code in first-seen order, at most six reason/amount/quantity triplets each."""
    by_group: dict[str, list[Adjustment]] = {}
    for adjustment in adjustments:
        by_group.setdefault(adjustment.group, []).append(adjustment)
    for group, items in by_group.items():
        for start in range(0, len(items), MAX_ADJUSTMENTS_PER_CAS):
            triplets: list[str] = []
            for item in items[start:start + MAX_ADJUSTMENTS_PER_CAS]:
                triplets += (item.reason, money(item.amount),
                             "" if item.quantity is None else decimal_text(item.quantity))
            add("CAS", group, *triplets)


def _provider_adjustments(add_composite: Add, adjustments: Sequence[ProviderAdjustment]) -> None:
    """PLB per (provider, fiscal period end), at most six adjustments each."""
    groups: dict[tuple[str, object], list[ProviderAdjustment]] = {}
    for adjustment in adjustments:
        groups.setdefault((adjustment.provider_npi, adjustment.fiscal_period_end), []).append(adjustment)
    for (npi, period_end), items in groups.items():
        for start in range(0, len(items), MAX_ADJUSTMENTS_PER_PLB):
            elements: list[object] = []
            for item in items[start:start + MAX_ADJUSTMENTS_PER_PLB]:
                elements += ((item.reason, item.reference) if item.reference else item.reason, money(item.amount))
            add_composite("PLB", npi, d8(items[0].fiscal_period_end), *elements)


def _digits(seed: str, count: int) -> str:
    """``count`` digits derived from ``seed`` (stable across runs and machines)."""
    value = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    return f"{value % 10**count:0{count}d}"


def _routing(seed: str) -> str:
    """A nine-digit ABA routing number with a valid check digit."""
    first8 = _digits(seed, 8)
    weights = (3, 7, 1, 3, 7, 1, 3, 7)
    total = sum(int(d) * w for d, w in zip(first8, weights))
    return first8 + str((10 - total % 10) % 10)
