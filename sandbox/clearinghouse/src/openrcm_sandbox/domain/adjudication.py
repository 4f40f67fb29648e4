"""Adjudication: what a sandbox payer pays on a claim its front end accepted, and why. Pure (state in memory).

Claims are adjudicated one at a time in arrival order; lines in claim order. The member's
accumulators (deductible and out-of-pocket met, per payer and calendar year of the service date)
move as lines are paid, so the next claim sees what the last one used.

Order of the rules:
1. Claim level, first match wins: eligibility (CO-27), timely filing (CO-29), duplicate (CO-18).
   A denied claim is CLP02 4 and every line carries its whole charge as that CO adjustment, so the
   claim and each line balance (charge - adjustments == paid == 0).
2. Line level, first match wins: prior authorization missing (CO-197, N54), medical necessity
   (CO-50, N115), bundled column 2 (CO-97, M15), unlisted procedure without a rate (CO-96, N59).
   A denied line has no allowed amount and its whole charge in the CO adjustment. A claim whose
   lines are all denied is CLP02 4.
3. Paid lines: allowed = min(charge, rate x units) (or the contract's percent of charge for a
   procedure without a rate); CO-45 = charge - allowed; then the patient's share: copay (PR-3),
   deductible (PR-1), coinsurance (PR-2), each capped so the year's out-of-pocket never exceeds the
   plan's maximum; paid = allowed - patient share.

Secondary claims (SBR01 S or T with the other payer's 2320/2430): the payer applies the claim- and
line-level rules of its own contract, then pays what the earlier payer left to the patient, at most
its own allowed minus what the earlier payer paid. Simplification: the secondary payer takes no
deductible, copay or coinsurance of its own and does not move its accumulators. Adjustments: the part
of the earlier payer's patient responsibility the secondary does not cover stays PR with the earlier
payer's reason (e.g. PR-1); everything else (what the earlier payer paid or wrote off) is OA-23.
Without 2430 line data (SVD), the earlier payer's claim-level payment and PR adjustments are spread
over the lines in proportion to their charges. A claim marked secondary without any 2320 loop has
nothing to coordinate with: it is adjudicated like a primary claim, but reported as CLP02 2.

Replacements (frequency 7, REF*F8 = the payer claim number) and voids (8): if the original was
processed (not denied), it is reversed (CLP02 22, every amount negated, the original's payer claim
number) and its accumulator changes are taken back; a replacement is then adjudicated afresh under a
new payer claim number. A void or replacement of a denied or unknown claim reverses nothing.

Duplicates: a frequency-1 claim with the same tenant, payer, member, patient, service dates,
procedure codes and charges as a live claim already adjudicated (one not itself denied as a
duplicate, not replaced or voided) is denied CO-18, whatever its patient control number.

Payer claim numbers (CLP07) are the payer id plus ten digits of a SHA-256 over the seed, tenant,
payer, patient control number, frequency and attempt: the same inputs in the same order give the
same numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from openrcm_sandbox.domain.claims import SubmittedClaim, SubmittedLine
from openrcm_sandbox.domain.contracts import Member, PayerContract, Plan, SandboxConfig
from openrcm_sandbox.domain.money import ZERO, cents, percent_of
from openrcm_sandbox.domain.remittance import Adjustment, ClaimPayment, LinePayment

# CLP02
PROCESSED_AS = {"P": "1", "S": "2", "T": "3"}
DENIED = "4"
REVERSAL = "22"
# Claim frequency (CLM05-3)
ORIGINAL = "1"
REPLACEMENT = "7"
VOID = "8"
# CARCs
ELIGIBILITY = "27"
TIMELY_FILING = "29"
DUPLICATE = "18"
PRIOR_AUTHORIZATION = "197"
MEDICAL_NECESSITY = "50"
BUNDLED = "97"
UNLISTED = "96"
CONTRACTUAL = "45"
DEDUCTIBLE = "1"
COINSURANCE = "2"
COPAY = "3"
OTHER_PAYER_COVERED = "23"
BUNDLING_EXEMPT_MODIFIERS = frozenset({"59", "XE", "XS", "XP", "XU"})


@dataclass(frozen=True)
class Accumulators:
    deductible_met: Decimal
    out_of_pocket_met: Decimal


@dataclass(frozen=True)
class _LineDenial:
    reason: str
    remark: str


@dataclass(frozen=True)
class _AccumulatorChange:
    year: int
    deductible: Decimal
    out_of_pocket: Decimal


@dataclass
class _Adjudicated:
    """A claim the payer remembers: for replacements, voids and duplicates."""

    payer_id: str
    member_id: str
    signature: tuple[object, ...] | None  # None when it cannot make a later claim a duplicate
    payment: ClaimPayment | None = None  # set once adjudicated
    accumulator_changes: list[_AccumulatorChange] = field(default_factory=list)
    superseded: bool = False  # replaced or voided


class Adjudicator:
    def __init__(self, config: SandboxConfig, seed: int) -> None:
        self._config = config
        self._seed = seed
        self._accumulators: dict[tuple[str, str, int], Accumulators] = {}
        self._by_claim_number: dict[tuple[str, str, str], _Adjudicated] = {}
        self._live_signatures: dict[tuple[object, ...], _Adjudicated] = {}
        self._issued_numbers: set[str] = set()
        self._attempts: dict[str, int] = {}

    # --- queries -------------------------------------------------------------------------------------

    def accumulators(self, payer_id: str, member_id: str, year: int) -> Accumulators:
        """The member's deductible and out-of-pocket met for the calendar year (KeyError: unknown payer or member).

        The contract's starting figures count as the member's year-to-date for every year the sandbox sees.
        """
        key = (payer_id, member_id, year)
        if key in self._accumulators:
            return self._accumulators[key]
        member = self._config.payers[payer_id].members[member_id]
        return Accumulators(deductible_met=member.deductible_met, out_of_pocket_met=member.out_of_pocket_met)

    # --- adjudication --------------------------------------------------------------------------------

    def adjudicate(self, claim: SubmittedClaim) -> list[ClaimPayment]:
        """The 835 claim payments this claim produces (it passed the front end already).

        An original: [payment]. A replacement of a processed claim: [reversal, payment]. A void:
        [reversal], or [] when nothing had been processed.
        """
        contract = self._config.payers[claim.payer_id]
        payments: list[ClaimPayment] = []
        if claim.frequency_code in (REPLACEMENT, VOID):
            original = self._by_claim_number.get((claim.tenant_id, claim.payer_id, claim.payer_claim_number.strip()))
            if original is not None and not original.superseded:
                original.superseded = True
                if original.signature is not None and self._live_signatures.get(original.signature) is original:
                    del self._live_signatures[original.signature]
                if original.payment is not None and original.payment.status_code != DENIED:
                    payments.append(self._reverse(original))
            if claim.frequency_code == VOID:
                return payments
        payments.append(self._adjudicate_afresh(claim, contract))
        return payments

    def _adjudicate_afresh(self, claim: SubmittedClaim, contract: PayerContract) -> ClaimPayment:
        member = contract.members[claim.member_id]
        claim_number = self._next_claim_number(claim)
        signature = _signature(claim)
        record = _Adjudicated(payer_id=claim.payer_id, member_id=claim.member_id, signature=signature)
        denial = self._claim_denial(claim, contract, member, signature)
        if denial is not None:
            payment = _denied_claim(claim, contract, claim_number, denial)
        else:
            payment = self._processed_claim(claim, contract, member, claim_number, record)
        record.payment = payment
        if denial == DUPLICATE:
            record.signature = None
        else:
            self._live_signatures[signature] = record
        self._by_claim_number[(claim.tenant_id, claim.payer_id, claim_number)] = record
        return payment

    def _claim_denial(self, claim: SubmittedClaim, contract: PayerContract, member: Member,
                      signature: tuple[object, ...]) -> str | None:
        for line in claim.lines:
            last_day = line.service_date_to or line.service_date
            if not (member.eligible_on(line.service_date) and member.eligible_on(last_day)):
                return ELIGIBILITY
        if (claim.received_on - claim.last_service_date).days > contract.timely_filing_days:
            return TIMELY_FILING
        if claim.frequency_code == ORIGINAL and signature in self._live_signatures:
            return DUPLICATE
        return None

    def _processed_claim(self, claim: SubmittedClaim, contract: PayerContract, member: Member,
                         claim_number: str, record: _Adjudicated) -> ClaimPayment:
        secondary = claim.responsibility in ("S", "T") and bool(claim.other_payers)
        prior_paid, prior_patient = _prior_payer_shares(claim) if secondary else ([], [])
        lines: list[LinePayment] = []
        for index, line in enumerate(claim.lines):
            denial = _line_denial(claim, line, contract)
            if denial is not None:
                lines.append(_denied_line(line, denial.reason, denial.remark))
                continue
            allowed = _allowed(line, contract)
            assert allowed is not None  # _line_denial denies lines without one
            if secondary:
                lines.append(_secondary_line(line, allowed, prior_paid[index], prior_patient[index]))
            else:
                plan = contract.plan_of(member)
                lines.append(self._primary_line(claim.payer_id, member, plan, line, allowed, record))
        all_denied = all(line.allowed is None for line in lines)
        status = DENIED if all_denied else PROCESSED_AS.get(claim.responsibility, PROCESSED_AS["P"])
        return _claim_payment(claim, contract, claim_number, status, lines,
                              difference_reason=("CO", CONTRACTUAL))

    def _primary_line(self, payer_id: str, member: Member, plan: Plan, line: SubmittedLine, allowed: Decimal,
                      record: _Adjudicated) -> LinePayment:
        year = line.service_date.year
        accumulators = self.accumulators(payer_id, member.member_id, year)
        out_of_pocket_left = (None if plan.out_of_pocket_max is None
                              else max(ZERO, plan.out_of_pocket_max - accumulators.out_of_pocket_met))

        def capped(amount: Decimal) -> Decimal:
            nonlocal out_of_pocket_left
            if out_of_pocket_left is None:
                return amount
            amount = min(amount, out_of_pocket_left)
            out_of_pocket_left -= amount
            return amount

        copay = capped(min(plan.copays.get(line.procedure_code.upper(), ZERO), allowed))
        deductible_left = max(ZERO, plan.deductible - accumulators.deductible_met)
        deductible = capped(min(deductible_left, allowed - copay))
        coinsurance = capped(percent_of(allowed - copay - deductible, plan.coinsurance_percent))
        patient_share = copay + deductible + coinsurance
        self._accumulators[(payer_id, member.member_id, year)] = Accumulators(
            deductible_met=accumulators.deductible_met + deductible,
            out_of_pocket_met=accumulators.out_of_pocket_met + patient_share,
        )
        record.accumulator_changes.append(_AccumulatorChange(year, deductible, patient_share))
        adjustments = [
            Adjustment("CO", CONTRACTUAL, line.charge - allowed),
            Adjustment("PR", COPAY, copay),
            Adjustment("PR", DEDUCTIBLE, deductible),
            Adjustment("PR", COINSURANCE, coinsurance),
        ]
        return LinePayment(
            procedure_code=line.procedure_code,
            modifiers=line.modifiers,
            charge=cents(line.charge),
            paid=allowed - patient_share,
            units=line.units,
            service_date=line.service_date,
            line_control_number=line.line_control_number,
            allowed=allowed,
            adjustments=tuple(adj for adj in adjustments if adj.amount != 0),
        )

    def _reverse(self, original: _Adjudicated) -> ClaimPayment:
        for change in original.accumulator_changes:
            key = (original.payer_id, original.member_id, change.year)
            current = self.accumulators(*key)
            self._accumulators[key] = Accumulators(
                deductible_met=current.deductible_met - change.deductible,
                out_of_pocket_met=current.out_of_pocket_met - change.out_of_pocket,
            )
        assert original.payment is not None
        return reversal_of(original.payment)

    def _next_claim_number(self, claim: SubmittedClaim) -> str:
        base = f"{self._seed}:{claim.tenant_id}:{claim.payer_id}:{claim.patient_control_number}:{claim.frequency_code}"
        attempt = self._attempts.get(base, 0)
        while True:
            digest = hashlib.sha256(f"{base}:{attempt}".encode()).hexdigest()
            number = f"{claim.payer_id}{int(digest, 16) % 10**10:010d}"
            attempt += 1
            if number not in self._issued_numbers:
                break
        self._attempts[base] = attempt
        self._issued_numbers.add(number)
        return number


def reversal_of(payment: ClaimPayment) -> ClaimPayment:
    """The 835 reversal of a processed claim: CLP02 22, every amount negated, the same payer claim number."""
    return replace(
        payment,
        status_code=REVERSAL,
        charge=-payment.charge,
        paid=-payment.paid,
        patient_responsibility=-payment.patient_responsibility,
        claim_adjustments=_negated(payment.claim_adjustments),
        lines=tuple(
            replace(line, charge=-line.charge, paid=-line.paid,
                    allowed=None if line.allowed is None else -line.allowed,
                    adjustments=_negated(line.adjustments))
            for line in payment.lines
        ),
    )


def _negated(adjustments: tuple[Adjustment, ...]) -> tuple[Adjustment, ...]:
    return tuple(replace(adj, amount=-adj.amount) for adj in adjustments)


# --- rules ---------------------------------------------------------------------------------------------


def _signature(claim: SubmittedClaim) -> tuple[object, ...]:
    patient = claim.patient or claim.subscriber
    services = sorted(
        (line.service_date.isoformat(), (line.service_date_to or line.service_date).isoformat(),
         line.procedure_code.upper(), str(cents(line.charge)))
        for line in claim.lines
    )
    return (claim.tenant_id, claim.payer_id, claim.member_id, patient.last_name.upper(), patient.first_name.upper(),
            patient.birth_date, tuple(services))


def _line_denial(claim: SubmittedClaim, line: SubmittedLine, contract: PayerContract) -> _LineDenial | None:
    procedure = line.procedure_code.upper()
    if procedure in contract.prior_authorization and not claim.prior_authorization.strip():
        return _LineDenial(PRIOR_AUTHORIZATION, "N54")
    supporting = contract.medical_necessity.get(procedure)
    if supporting:
        pointed = [claim.diagnoses[pointer - 1].replace(".", "").upper()
                   for pointer in line.diagnosis_pointers if 1 <= pointer <= len(claim.diagnoses)]
        if not any(diagnosis.startswith(prefix) for diagnosis in pointed for prefix in supporting):
            return _LineDenial(MEDICAL_NECESSITY, "N115")
    modifiers = {modifier.upper() for modifier in line.modifiers}
    if not modifiers & BUNDLING_EXEMPT_MODIFIERS:
        for column_1, column_2 in contract.bundled_pairs:
            if procedure == column_2 and any(
                other is not line and other.procedure_code.upper() == column_1
                and other.service_date == line.service_date
                for other in claim.lines
            ):
                return _LineDenial(BUNDLED, "M15")
    if _allowed(line, contract) is None:
        return _LineDenial(UNLISTED, "N59")
    return None


def _allowed(line: SubmittedLine, contract: PayerContract) -> Decimal | None:
    """What the contract allows for the line (never above its charge), or None when it has no price for it."""
    charge = cents(line.charge)
    rate = contract.rate(line.procedure_code.upper(), tuple(modifier.upper() for modifier in line.modifiers))
    if rate is not None:
        return min(charge, cents(rate * line.units))
    if contract.unlisted_percent_of_charge is not None:
        return min(charge, percent_of(charge, contract.unlisted_percent_of_charge))
    return None


def _denied_line(line: SubmittedLine, reason: str, remark: str | None) -> LinePayment:
    return LinePayment(
        procedure_code=line.procedure_code,
        modifiers=line.modifiers,
        charge=cents(line.charge),
        paid=ZERO,
        units=line.units,
        service_date=line.service_date,
        line_control_number=line.line_control_number,
        allowed=None,
        adjustments=(Adjustment("CO", reason, cents(line.charge)),),
        remark_codes=(remark,) if remark else (),
    )


def _denied_claim(claim: SubmittedClaim, contract: PayerContract, claim_number: str, reason: str) -> ClaimPayment:
    lines = [_denied_line(line, reason, None) for line in claim.lines]
    return _claim_payment(claim, contract, claim_number, DENIED, lines, difference_reason=("CO", reason))


def _claim_payment(claim: SubmittedClaim, contract: PayerContract, claim_number: str, status: str,
                   lines: Sequence[LinePayment], difference_reason: tuple[str, str]) -> ClaimPayment:
    charge = cents(claim.total_charge)
    # CLM02 should equal the sum of the lines; if it does not, the difference is adjusted at the claim
    # level so that the claim still balances.
    difference = charge - sum((line.charge for line in lines), ZERO)
    claim_adjustments = (Adjustment(difference_reason[0], difference_reason[1], difference),) if difference else ()
    patient = claim.patient or claim.subscriber
    return ClaimPayment(
        patient_control_number=claim.patient_control_number,
        status_code=status,
        charge=charge,
        paid=sum((line.paid for line in lines), ZERO),
        patient_responsibility=sum(
            (adj.amount for line in lines for adj in line.adjustments if adj.group == "PR"), ZERO),
        claim_filing_indicator=contract.claim_filing_indicator,
        payer_claim_number=claim_number,
        frequency_code=claim.frequency_code,
        patient=(patient.last_name, patient.first_name),
        member_id=claim.member_id,
        received_on=claim.received_on,
        claim_adjustments=claim_adjustments,
        lines=tuple(lines),
    )


# --- secondary -----------------------------------------------------------------------------------------


def _prior_payer_shares(claim: SubmittedClaim) -> tuple[list[Decimal], list[list[Adjustment]]]:
    """Per line: what the earlier payer(s) paid, and the patient responsibility (PR) they left."""
    charges = [cents(line.charge) for line in claim.lines]
    spread_paid = _spread(sum((payer.paid for payer in claim.other_payers), ZERO), charges)
    claim_level_pr = [adj for payer in claim.other_payers for adj in payer.claim_adjustments if adj.group == "PR"]
    spread_pr: list[list[Adjustment]] = [[] for _ in claim.lines]
    for adj in claim_level_pr:
        for index, amount in enumerate(_spread(adj.amount, charges)):
            if amount:
                spread_pr[index].append(Adjustment("PR", adj.reason, amount))
    paid: list[Decimal] = []
    patient: list[list[Adjustment]] = []
    for index, line in enumerate(claim.lines):
        if line.prior_paid is not None:  # 2430 present: it is the line's whole story
            paid.append(cents(line.prior_paid))
            patient.append([adj for adj in line.prior_adjustments if adj.group == "PR"])
        else:
            paid.append(spread_paid[index])
            patient.append(spread_pr[index])
    return paid, patient


def _spread(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """total split in proportion to weights, to the cent; the last share takes the rounding."""
    if not weights:
        return []
    weight_sum = sum(weights, ZERO)
    if weight_sum == 0:
        return [cents(total)] + [ZERO] * (len(weights) - 1)
    shares = [cents(total * weight / weight_sum) for weight in weights[:-1]]
    return shares + [cents(total) - sum(shares, ZERO)]


def _secondary_line(line: SubmittedLine, allowed: Decimal, prior_paid: Decimal,
                    prior_patient: list[Adjustment]) -> LinePayment:
    charge = cents(line.charge)
    left_to_patient: dict[str, Decimal] = {}  # by PR reason, in the earlier payer's order
    for adj in prior_patient:
        left_to_patient[adj.reason] = left_to_patient.get(adj.reason, ZERO) + cents(adj.amount)
    patient_left = sum(left_to_patient.values(), ZERO)
    paid = max(ZERO, min(patient_left, allowed - prior_paid))
    # The secondary covers the earlier payer's PR in its order; what it does not cover stays PR.
    to_cover = paid
    still_patient: list[Adjustment] = []
    for reason, amount in left_to_patient.items():
        covered = max(ZERO, min(amount, to_cover))
        to_cover -= covered
        if amount - covered:
            still_patient.append(Adjustment("PR", reason, amount - covered))
    other_payer_covered = charge - paid - sum((adj.amount for adj in still_patient), ZERO)
    adjustments = ([Adjustment("OA", OTHER_PAYER_COVERED, other_payer_covered)] if other_payer_covered else [])
    return LinePayment(
        procedure_code=line.procedure_code,
        modifiers=line.modifiers,
        charge=charge,
        paid=paid,
        units=line.units,
        service_date=line.service_date,
        line_control_number=line.line_control_number,
        allowed=allowed,
        adjustments=tuple(adjustments + still_patient),
    )

