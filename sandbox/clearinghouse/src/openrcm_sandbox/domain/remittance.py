"""What a payer pays and why, in the shape of an 835 (X221A1). Pure data; adapters/writer_835 writes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Adjustment:
    """One CAS reason: group CO/PR/OA/PI, a CARC, the amount (positive reduces payment)."""

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None = None


@dataclass(frozen=True)
class LinePayment:
    """2110: SVC, DTP*472, CAS, REF*6R, AMT*B6, LQ*HE."""

    procedure_code: str
    modifiers: tuple[str, ...]
    charge: Decimal
    paid: Decimal
    units: Decimal
    service_date: date
    line_control_number: str
    allowed: Decimal | None  # AMT*B6 (None when the line was denied outright)
    adjustments: tuple[Adjustment, ...] = ()
    remark_codes: tuple[str, ...] = ()  # RARC (LQ*HE)

    @property
    def adjusted(self) -> Decimal:
        return sum((adj.amount for adj in self.adjustments), Decimal("0"))


@dataclass(frozen=True)
class ClaimPayment:
    """2100: CLP, CAS (claim level), NM1*QC, NM1*IL, MOA/LQ remarks, DTM*050, and its lines.

    Balancing (payments-svc checks it): charge - sum(claim and line adjustments) == paid.
    """

    patient_control_number: str  # CLP01
    status_code: str  # CLP02: 1 processed as primary, 2 as secondary, 4 denied, 22 reversal
    charge: Decimal  # CLP03
    paid: Decimal  # CLP04
    patient_responsibility: Decimal  # CLP05: sum of PR adjustments
    claim_filing_indicator: str  # CLP06: 12 PPO, MB Medicare B, MC Medicaid, CI commercial ...
    payer_claim_number: str  # CLP07
    frequency_code: str  # CLP09 echoes CLM05-3
    patient: tuple[str, str]  # NM1*QC last, first
    member_id: str  # NM1*QC NM109 (or NM1*IL when patient is not the subscriber)
    received_on: date  # DTM*050
    claim_adjustments: tuple[Adjustment, ...] = ()
    remark_codes: tuple[str, ...] = ()  # claim-level RARC (MOA)
    lines: tuple[LinePayment, ...] = ()


@dataclass(frozen=True)
class ProviderAdjustment:
    """PLB: a provider-level adjustment (positive reduces the payment), e.g. WO overpayment recovery, L6 interest."""

    provider_npi: str
    fiscal_period_end: date
    reason: str  # PLB03-1: WO, L6, FB, CS, 72 ...
    reference: str  # PLB03-2
    amount: Decimal


@dataclass(frozen=True)
class Payee:
    name: str
    npi: str
    tax_id: str


@dataclass(frozen=True)
class Remittance:
    """One 835 transaction: one payer's payment run to one payee (billing provider) of one tenant.

    total_paid == sum(claim.paid) - sum(plb.amount).
    """

    tenant_id: str
    payer_id: str
    payer_name: str
    payee: Payee
    payment_method: str  # BPR04: ACH, CHK, NON (nothing to pay)
    payment_date: date  # BPR16
    trace_number: str  # TRN02: EFT trace or check number
    total_paid: Decimal  # BPR02
    claims: tuple[ClaimPayment, ...] = ()
    provider_adjustments: tuple[ProviderAdjustment, ...] = field(default_factory=tuple)
