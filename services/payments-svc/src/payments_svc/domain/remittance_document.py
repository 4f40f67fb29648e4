"""What a payer's remittance says: the payment, the claims it pays and the provider-level adjustments.

One model for every source: the X12 835 mapping (``adapters.x12_835``: BPR/TRN -> payment, N1*PR ->
payer, N1*PE -> payee, CLP -> claim, CAS -> adjustments, NM1 -> names, SVC -> line, LQ -> remark
codes, PLB -> provider adjustments) and the JSON a payment poster keys in from a paper remit both
produce it, so posting does not care where a remittance came from.

A remittance is split into its header (``RemittanceHeader``: everything before the first claim), the
claims, and the provider adjustments (PLB, after the last claim), so that a file of 50,000 claims can
be read one claim at a time. ``RemittanceDocument`` is the whole of a small one in memory.

Money is ``Decimal``, dates are ``date``. Pure data: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from openrcm_shared.contracts import Adjustment, PayerRef, PaymentInfo

#: CLP02 claim status codes of 005010X221A1.
ClaimStatusCode = Literal["1", "2", "3", "4", "19", "20", "21", "22", "23", "25"]
CLAIM_STATUS_CODES: tuple[str, ...] = ("1", "2", "3", "4", "19", "20", "21", "22", "23", "25")
DENIED = "4"
REVERSAL = "22"
#: Predetermination pricing only: an estimate, no payment and nothing to post.
PREDETERMINATION = "25"

#: (qualifier, value) pairs: REF, AMT, QTY and DTM that have no field of their own.
Qualified = tuple[tuple[str, str], ...]
QualifiedAmounts = tuple[tuple[str, Decimal], ...]


class _Document(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NamedParty(_Document):
    """NM1 of a claim: QC patient, IL insured, 74 corrected patient/insured, 82 rendering provider,
    TT crossover carrier, PR corrected priority payer, GB other subscriber. Patient data (PHI)."""

    entity: str
    last_or_organization: str | None = None
    first: str | None = None
    middle: str | None = None
    suffix: str | None = None
    id_qualifier: str | None = None
    identifier: str | None = None


class ServiceLinePayment(_Document):
    """SVC loop (2110): one service line as the payer adjudicated it."""

    line_control_number: str | None = None  # REF*6R: our line item control number, echoed
    procedure_qualifier: str = "HC"  # SVC01-1: HC CPT/HCPCS, AD dental, NU revenue code, N4 NDC, ...
    procedure_code: str  # SVC01-2, the code the payer adjudicated
    modifiers: tuple[str, ...] = ()  # SVC01-3..6
    units: Decimal | None = None  # SVC05 units paid
    service_date: date | None = None  # DTM*472, or DTM*150 (period start)
    service_date_end: date | None = None  # DTM*151
    charge: Decimal  # SVC02
    allowed: Decimal | None = None  # AMT*B6
    paid: Decimal  # SVC03
    revenue_code: str | None = None  # SVC04 (institutional)
    original_procedure_qualifier: str | None = None  # SVC06-1: the code we submitted, when the payer changed it
    original_procedure_code: str | None = None  # SVC06-2
    original_modifiers: tuple[str, ...] = ()  # SVC06-3..6
    original_units: Decimal | None = None  # SVC07
    adjustments: tuple[Adjustment, ...] = ()  # CAS
    remark_codes: tuple[str, ...] = ()  # LQ*HE (RARC)
    reject_codes: tuple[str, ...] = ()  # LQ*RX (NCPDP reject reasons)
    references: Qualified = ()  # REF other than 6R
    amounts: QualifiedAmounts = ()  # AMT other than B6
    quantities: QualifiedAmounts = ()  # QTY

    @property
    def submitted_procedure_code(self) -> str:
        """The code as we sent it: SVC06 when the payer changed or bundled it, else SVC01."""
        return self.original_procedure_code or self.procedure_code


class ClaimPayment(_Document):
    """CLP loop (2100): the payer's answer on one claim."""

    patient_control_number: str  # CLP01: our CLM01
    status_code: ClaimStatusCode  # CLP02
    total_charge: Decimal  # CLP03
    total_paid: Decimal  # CLP04
    patient_responsibility_amount: Decimal | None = None  # CLP05, as reported
    claim_filing_indicator: str | None = None  # CLP06
    payer_claim_control_number: str | None = None  # CLP07
    facility_type_code: str | None = None  # CLP08
    frequency_code: str | None = None  # CLP09
    drg_code: str | None = None  # CLP11
    adjudicated_on: date | None = None
    statement_from: date | None = None  # DTM*232
    statement_to: date | None = None  # DTM*233
    received_on: date | None = None  # DTM*050
    adjustments: tuple[Adjustment, ...] = ()  # claim-level CAS
    remark_codes: tuple[str, ...] = ()  # MIA/MOA remark codes
    parties: tuple[NamedParty, ...] = ()  # NM1
    claim_adjudication: Qualified = ()  # MIA/MOA values other than remark codes, by element (e.g. MIA04)
    references: Qualified = ()  # REF
    dates: tuple[tuple[str, date], ...] = ()  # DTM other than 232/233/050
    amounts: QualifiedAmounts = ()  # AMT (AU coverage, I interest, F5 patient paid, ...)
    quantities: QualifiedAmounts = ()  # QTY
    lines: tuple[ServiceLinePayment, ...] = ()

    @property
    def all_adjustments(self) -> tuple[Adjustment, ...]:
        """Claim-level CAS followed by every line's CAS."""
        return self.adjustments + tuple(a for line in self.lines for a in line.adjustments)

    @property
    def all_remark_codes(self) -> tuple[str, ...]:
        """Claim-level remark codes followed by the lines', without repeats."""
        return tuple(dict.fromkeys(self.remark_codes + tuple(c for line in self.lines for c in line.remark_codes)))

    def party(self, entity: str) -> NamedParty | None:
        return next((p for p in self.parties if p.entity == entity), None)

    def reference(self, qualifier: str) -> str | None:
        return next((value for q, value in self.references if q == qualifier), None)


class ProviderAdjustment(_Document):
    """One adjustment of a PLB segment (a PLB carries up to six).

    A positive amount reduces the payment (e.g. WO overpayment recovery, L6 interest owed back),
    a negative one adds to it. ``reference`` (PLB03-2) often names the claim it concerns.
    """

    provider_id: str  # PLB01
    fiscal_period_end: date | None = None  # PLB02
    reason_code: str  # PLB03-1: WO, FB, L6, CS, 72, J1, ...
    reference: str | None = None  # PLB03-2
    amount: Decimal


#: PLB reasons that take back money paid earlier for a claim.
TAKEBACK_REASONS = frozenset({"WO", "FB", "72"})


class PayeeRef(_Document):
    """N1*PE: who is paid (NPI ``XX``, tax id ``FI``, ...)."""

    name: str
    id_qualifier: str | None = None
    identifier: str | None = None


class RemittanceHeader(_Document):
    """Everything a remittance says before its first claim."""

    payer: PayerRef
    payment: PaymentInfo  # BPR02/BPR04/BPR16 and TRN02
    credit_debit: Literal["C", "D"] = "C"  # BPR03: D when the payer takes money back
    handling_code: str | None = None  # BPR01: I remittance+payment, H notification only, ...
    originating_company_id: str | None = None  # TRN03
    payee: PayeeRef | None = None
    production_date: date | None = None  # DTM*405
    transaction_control_number: str | None = None  # ST02

    @property
    def signed_amount(self) -> Decimal:
        """What moves to the provider: the BPR02 amount, negative for a debit."""
        return -self.payment.amount if self.credit_debit == "D" else self.payment.amount


class RemittanceDocument(RemittanceHeader):
    """A whole remittance in memory (JSON from a payment poster, or a small 835 in tests)."""

    claims: tuple[ClaimPayment, ...]
    provider_adjustments: tuple[ProviderAdjustment, ...] = ()

    @property
    def header(self) -> RemittanceHeader:
        return RemittanceHeader(**{name: getattr(self, name) for name in RemittanceHeader.model_fields})


def provider_adjustment_total(adjustments: Iterable[ProviderAdjustment]) -> Decimal:
    return sum((a.amount for a in adjustments), Decimal("0.00"))
