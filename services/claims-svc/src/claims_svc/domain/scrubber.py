"""Claim scrubber: the rules a claim must pass before it goes to the payer. Pure domain code.

Each rule has an id, a severity, a message and a fix. An ``error`` holds the claim in the billing
work queue (status scrub_failed) until it is corrected and scrubbed again; a ``warning`` travels
with the claim and does not hold it. Messages name codes, line numbers and days, never patient data.

Rule families: ``REF-*`` the tenant's reference data the claim needs; ``REQ-*`` fields an 837P
(005010X222A1) requires; ``NPI-INVALID``; ``SUBSCRIBER-*`` consistency of patient and subscriber;
``TIMELY-FILING-*``; ``PRIOR-AUTH-MISSING``; ``DUPLICATE-CLAIM``; ``CHARGE-*``; payer-specific
rules (``MEDICARE-MBI-FORMAT``, ``MEDICARE-SECONDARY-TYPE``, ``BCBS-MEMBER-PREFIX``); and ``HOLD-PAYER-CLAIM-NUMBER`` for a
replacement or void that waits for the payer's claim number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from claims_svc.domain.reference import BillingProfile, Payer
from openrcm_shared.identifiers import npi_is_valid, procedure_code_system

if TYPE_CHECKING:
    from claims_svc.domain.claim import Claim

Severity = Literal["error", "warning"]
HOLD_PAYER_CLAIM_NUMBER = "HOLD-PAYER-CLAIM-NUMBER"
#: Days before the timely filing deadline from which a claim carries a warning.
TIMELY_FILING_WARNING_DAYS = 30
MAX_DIAGNOSES = 12
MAX_LINES = 50
MAX_POINTERS = 4
SELF = "18"
CHILD = "19"
#: Medicare Beneficiary Identifier: 11 characters; letters exclude S, L, O, I, B and Z.
_MBI_LETTER = "[AC-HJKMNP-RT-Y]"
_MBI = re.compile(rf"^[1-9]{_MBI_LETTER}[0-9AC-HJKMNP-RT-Y]\d{_MBI_LETTER}[0-9AC-HJKMNP-RT-Y]\d{_MBI_LETTER}{{2}}\d\d$")
_BCBS_PREFIX = re.compile(r"^[A-Z0-9]{3}")


@dataclass(frozen=True)
class ScrubFinding:
    rule_id: str
    severity: str
    message: str
    fix: str
    line_number: int | None = None

    @property
    def blocks(self) -> bool:
        return self.severity == "error"


@dataclass(frozen=True)
class DuplicateCandidate:
    """Another open claim of the same patient, billing provider and date of service."""

    claim_id: str
    patient_control_number: str
    services: frozenset[tuple[str, tuple[str, ...]]]  # (procedure code, modifiers) of its lines


@dataclass(frozen=True)
class ScrubContext:
    today: date
    payer: Payer | None
    billing_profile: BillingProfile | None
    route_known: bool  # the payer's route exists in the tenant's reference data
    duplicates: Sequence[DuplicateCandidate] = ()


Rule = Callable[["Claim", ScrubContext], Iterable[ScrubFinding]]


def _error(rule_id: str, message: str, fix: str, line_number: int | None = None) -> ScrubFinding:
    return ScrubFinding(rule_id, "error", message, fix, line_number)


def _warning(rule_id: str, message: str, fix: str, line_number: int | None = None) -> ScrubFinding:
    return ScrubFinding(rule_id, "warning", message, fix, line_number)


# ---------------------------------------------------------------- reference data
def reference_data(claim: Claim, ctx: ScrubContext) -> Iterable[ScrubFinding]:
    if ctx.payer is None:
        yield _error("REF-PAYER-UNKNOWN", f"Payer {claim.payer.payer_id} is not in the tenant's payer list.",
                     "Add the payer (POST /v1/payers or the CSV import), then scrub the claim again.")
    elif ctx.payer.route_id is None or not ctx.route_known:
        yield _error("REF-PAYER-NO-ROUTE", f"Payer {claim.payer.payer_id} has no clearinghouse route.",
                     "Give the payer a route_id of a route in /v1/routes, then scrub the claim again.")
    if ctx.billing_profile is None:
        yield _error("REF-BILLING-PROFILE-MISSING", f"No billing provider profile for NPI {claim.billing_provider_npi}.",
                     "Add the billing provider profile (POST /v1/billing-profiles), then scrub the claim again.")


# ---------------------------------------------------------------- what an 837P requires
def required_fields(claim: Claim, ctx: ScrubContext) -> Iterable[ScrubFinding]:
    fix_in_ehr = "Correct it in the EHR and release the encounter again, or correct the claim (POST /v1/claims/{id}/corrections)."
    if claim.patient.address is None:
        yield _error("REQ-PATIENT-ADDRESS", "The patient's address is missing (2010BA/2010CA N3, N4).", fix_in_ehr)
    if not claim.member_id.strip():
        yield _error("REQ-MEMBER-ID", "The subscriber's member id is missing (2010BA NM109).", fix_in_ehr)
    if not claim.place_of_service:
        yield _error("REQ-PLACE-OF-SERVICE", "The place of service is missing (CLM05-1).", fix_in_ehr)
    if not 1 <= len(claim.diagnoses) <= MAX_DIAGNOSES:
        yield _error("REQ-DIAGNOSES", f"A claim has 1 to {MAX_DIAGNOSES} diagnoses; this one has {len(claim.diagnoses)}.",
                     fix_in_ehr)
    if not 1 <= len(claim.lines) <= MAX_LINES:
        yield _error("REQ-LINES", f"A claim has 1 to {MAX_LINES} service lines; this one has {len(claim.lines)}.",
                     "Split the encounter into several claims in the EHR.")
    for line in claim.lines:
        pointers = line.diagnosis_pointers
        if not 1 <= len(pointers) <= MAX_POINTERS or not all(1 <= p <= len(claim.diagnoses) for p in pointers):
            yield _error("REQ-DIAGNOSIS-POINTERS",
                         f"Line {line.line_number} ({line.procedure_code}) needs 1 to {MAX_POINTERS} diagnosis "
                         f"pointers, each to one of the claim's {len(claim.diagnoses)} diagnoses.",
                         fix_in_ehr, line.line_number)
    coverage = claim.coverage
    if coverage is not None and coverage.relationship_to_subscriber != SELF:
        subscriber = coverage.subscriber
        if not subscriber.name.last.strip():
            yield _error("REQ-SUBSCRIBER-NAME", "The subscriber's name is missing (2010BA NM103).", fix_in_ehr)
    for role, provider, npi in (("rendering", claim.rendering_provider, claim.rendering_provider_npi),
                                ("referring", claim.referring_provider, None)):
        npi = npi or (provider.npi if provider else None)
        if npi is None or (role == "rendering" and npi == claim.billing_provider_npi):
            continue
        if provider is None or provider.name is None:
            yield _error(f"REQ-{role.upper()}-NAME", f"The {role} provider {npi} has no name (2310 NM1).", fix_in_ehr)


def npi_check_digits(claim: Claim, ctx: ScrubContext) -> Iterable[ScrubFinding]:
    npis = [("billing", claim.billing_provider_npi), ("rendering", claim.rendering_provider_npi),
            ("referring", claim.referring_provider.npi if claim.referring_provider else None)]
    for role, npi in npis:
        if npi is not None and not npi_is_valid(npi):
            yield _error("NPI-INVALID", f"The {role} provider NPI {npi} fails its check digit.",
                         "Look the NPI up in NPPES and correct it where it was entered (EHR or billing profile).")


def subscriber_consistency(claim: Claim, ctx: ScrubContext) -> Iterable[ScrubFinding]:
    coverage = claim.coverage
    if coverage is None:
        return
    patient, subscriber = claim.patient, coverage.subscriber
    same_name = (subscriber.name.last.strip().upper() == patient.name.last.strip().upper()
                 and (subscriber.name.first or "").strip().upper() == (patient.name.first or "").strip().upper())
    fix = "Check the coverage in the EHR: who holds the policy and the patient's relationship to them."
    if coverage.relationship_to_subscriber == SELF:
        if not same_name:
            yield _error("SUBSCRIBER-MISMATCH", "The patient is the subscriber (relationship 18) but the names differ.", fix)
        elif subscriber.date_of_birth is not None and subscriber.date_of_birth != patient.date_of_birth:
            yield _error("SUBSCRIBER-MISMATCH",
                         "The patient is the subscriber (relationship 18) but the dates of birth differ.", fix)
    elif same_name and subscriber.date_of_birth == patient.date_of_birth:
        yield _warning("SUBSCRIBER-SAME-AS-PATIENT",
                       f"Relationship {coverage.relationship_to_subscriber} names a subscriber with the patient's "
                       "name and date of birth.", fix)
    elif (coverage.relationship_to_subscriber == CHILD and subscriber.date_of_birth is not None
          and subscriber.date_of_birth >= patient.date_of_birth):
        yield _warning("SUBSCRIBER-YOUNGER-THAN-CHILD",
                       "The patient is the subscriber's child (19) but is not younger than the subscriber.", fix)


def timely_filing(claim: Claim, ctx: ScrubContext) -> Iterable[ScrubFinding]:
    if ctx.payer is None:
        return
    deadline = ctx.payer.filing_deadline(claim.service_date_from)
    days_left = (deadline - ctx.today).days
    if days_left < 0:
        yield _error("TIMELY-FILING-OVERDUE",
                     f"The payer's {ctx.payer.timely_filing_days}-day filing limit passed {-days_left} day(s) ago "
                     f"({deadline.isoformat()}).",
                     "Send it only with proof of timely filing (an earlier acceptance report) or a payer exception; "
                     "otherwise close the claim and write the balance off.")
    elif days_left <= TIMELY_FILING_WARNING_DAYS:
        yield _warning("TIMELY-FILING-SOON",
                       f"{days_left} day(s) left to file with this payer (deadline {deadline.isoformat()}).",
                       "Work this claim first.")


def prior_authorization(claim: Claim, ctx: ScrubContext) -> Iterable[ScrubFinding]:
    if ctx.payer is None or claim.prior_authorization_number:
        return
    for line in claim.lines:
        if ctx.payer.requires_prior_auth(line.procedure_code):
            yield _error("PRIOR-AUTH-MISSING",
                         f"Payer {ctx.payer.payer_id} requires prior authorization for {line.procedure_code} "
                         f"(line {line.line_number}) and the claim carries none (REF*G1).",
                         "Get the authorization number from the payer portal or the referral, then correct the claim.",
                         line.line_number)


def duplicate_claim(claim: Claim, ctx: ScrubContext) -> Iterable[ScrubFinding]:
    services = frozenset((line.procedure_code, line.modifiers) for line in claim.lines)
    for other in ctx.duplicates:
        if other.services == services:
            yield _error("DUPLICATE-CLAIM",
                         f"Claim {other.patient_control_number} already bills the same patient, provider, date and "
                         "procedures.",
                         "Close one of the two; if both services really happened, mark the repeat with modifier 76, "
                         "77 or 59 in the EHR.")


def charges(claim: Claim, ctx: ScrubContext) -> Iterable[ScrubFinding]:
    """Every line needs a positive charge (SV102); only CPT Category II codes (####F) bill at 0.00."""
    for line in claim.lines:
        where = f"Line {line.line_number} ({line.procedure_code})"
        if line.charge is None:
            yield _error("CHARGE-MISSING", f"{where} has no charge and the fee schedule has none for it.",
                         "Add the code to the fee schedule (or send the charge from the EHR), then scrub the claim again.",
                         line.line_number)
        elif line.charge < 0:
            yield _error("CHARGE-NEGATIVE", f"{where} has a negative charge.",
                         "Correct the fee schedule entry or the EHR charge.", line.line_number)
        elif line.charge == 0 and not line.procedure_code.endswith("F"):
            yield _error("CHARGE-ZERO", f"{where} has a zero charge.",
                         "Add the code's charge to the fee schedule; only CPT Category II codes bill at 0.00.",
                         line.line_number)


def payer_rules(claim: Claim, ctx: ScrubContext) -> Iterable[ScrubFinding]:
    payer = ctx.payer
    if payer is None:
        return
    member_id = claim.member_id.strip().upper()
    if payer.is_medicare and not _MBI.match(member_id):
        yield _error("MEDICARE-MBI-FORMAT", "The Medicare member id is not a Medicare Beneficiary Identifier (11 characters).",
                     "Take the MBI from the patient's Medicare card or the MAC's look-up tool; HICNs are no longer accepted.")
    if payer.is_medicare and claim.coverage_sequence != "primary" and not (
        claim.coverage is not None and claim.coverage.insurance_type_code
    ):
        yield _error("MEDICARE-SECONDARY-TYPE",
                     "Medicare is not the primary payer here, but the coverage does not say why (Medicare Secondary "
                     "Payer type, SBR05); Medicare rejects such claims.",
                     "Have the EHR send the coverage's insurance_type_code (e.g. 12 working aged, 43 disability, "
                     "47 other liability) from the MSP questionnaire, then correct the encounter.")
    if payer.claim_filing_indicator == "BL" and not _BCBS_PREFIX.match(member_id):
        yield _warning("BCBS-MEMBER-PREFIX", "Blue Cross Blue Shield member ids start with a three-character prefix.",
                       "Copy the member id with its prefix from the card.")
    for line in claim.lines:
        if procedure_code_system(line.procedure_code) is None:
            yield _error("PROCEDURE-CODE-FORMAT", f"Line {line.line_number}: {line.procedure_code} is neither CPT nor HCPCS.",
                         "Correct the code in coding-svc.", line.line_number)


def payer_claim_number(claim: Claim, ctx: ScrubContext) -> Iterable[ScrubFinding]:
    if claim.frequency_code != "1" and not claim.original_payer_claim_number:
        kind = "replacement" if claim.frequency_code == "7" else "void"
        yield _error(HOLD_PAYER_CLAIM_NUMBER,
                     f"This {kind} (frequency {claim.frequency_code}) needs the payer's claim number of the claim it "
                     "corrects (REF*F8), and no 277CA or remittance has given it yet.",
                     "Nothing to do: it is sent by itself once the payer's acknowledgement or remittance names the "
                     "claim number; if the payer rejects the original, it is sent as a new original.")


#: Rules for every claim, in the order their findings are listed.
ALL_RULES: tuple[Rule, ...] = (
    reference_data, required_fields, npi_check_digits, subscriber_consistency, timely_filing, prior_authorization,
    duplicate_claim, charges, payer_rules, payer_claim_number,
)
#: A void cancels what the payer has: only what the 837P needs to find that claim is checked.
VOID_RULES: tuple[Rule, ...] = (reference_data, required_fields, npi_check_digits, payer_claim_number)


def scrub(claim: Claim, ctx: ScrubContext) -> list[ScrubFinding]:
    rules = VOID_RULES if claim.frequency_code == "8" else ALL_RULES
    return [finding for rule in rules for finding in rule(claim, ctx)]

