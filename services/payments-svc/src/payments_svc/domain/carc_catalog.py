"""Claim adjustment reason codes (CARC): what each one means for us, and who has to act on it.

A starter catalog with our own short descriptions (not the code list's official wording). For each
code: whether it denies payment, the denial category, the department that owns the fix, and the
recommended next step. The group code changes the meaning of the same reason code:

* ``PR`` (patient responsibility) is never a denial: the patient owes it (``PR-1`` deductible,
  ``PR-96`` non-covered service the patient agreed to pay, ...).
* ``CR`` (correction and reversal) is never a denial: it undoes or corrects an earlier adjudication.
* ``CO``/``OA``/``PI`` take the meaning from the catalog; ``CO-45`` and ``CO-253`` are contractual.

A code we do not know, in a group other than PR or CR, is treated as a denial owned by billing so
that someone looks at it rather than it disappearing silently.

Pure domain code: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from openrcm_shared.contracts import Adjustment
from openrcm_shared.contracts.events import AdjustmentGroup, DenialCategory, Department, RecommendedAction


@dataclass(frozen=True)
class CarcEntry:
    code: str
    description: str
    is_denial: bool
    category: DenialCategory
    department: Department
    action: RecommendedAction
    guidance: str


def _entry(
    code: str, description: str, category: DenialCategory, department: Department, action: RecommendedAction,
    guidance: str, *, is_denial: bool = True,
) -> CarcEntry:
    return CarcEntry(code, description, is_denial, category, department, action, guidance)


_C, _B = Department.CODING, Department.BILLING
_Cat, _Act = DenialCategory, RecommendedAction

CARC_CATALOG: Mapping[str, CarcEntry] = {
    e.code: e
    for e in (
        # Patient responsibility and contractual amounts: expected reductions, not denials.
        _entry("1", "deductible the patient owes", _Cat.PATIENT_RESPONSIBILITY, _B, _Act.BILL_PATIENT,
               "Bill the patient for the deductible.", is_denial=False),
        _entry("2", "coinsurance the patient owes", _Cat.PATIENT_RESPONSIBILITY, _B, _Act.BILL_PATIENT,
               "Bill the patient for the coinsurance.", is_denial=False),
        _entry("3", "copayment the patient owes", _Cat.PATIENT_RESPONSIBILITY, _B, _Act.BILL_PATIENT,
               "Bill the patient for the copayment (unless collected at the visit).", is_denial=False),
        _entry("23", "already covered by what a prior payer paid or allowed", _Cat.COORDINATION_OF_BENEFITS, _B,
               _Act.WRITE_OFF, "Nothing to collect from this payer for this amount.", is_denial=False),
        _entry("45", "charge above the contracted fee or maximum allowable", _Cat.CONTRACTUAL, _B, _Act.WRITE_OFF,
               "Write off the contractual difference; the patient may not be billed for it.", is_denial=False),
        _entry("253", "federal sequestration reduction", _Cat.CONTRACTUAL, _B, _Act.WRITE_OFF,
               "Write off the sequestration reduction.", is_denial=False),
        # Coding-owned denials: the codes on the claim do not hold up.
        _entry("4", "procedure code does not fit the modifier, or a required modifier is missing", _Cat.CODING, _C,
               _Act.RECODE, "Coding reviews the modifiers and sends a corrected claim."),
        _entry("5", "procedure code or bill type does not fit the place of service", _Cat.CODING, _C, _Act.RECODE,
               "Coding checks the place of service against the procedure and corrects the claim."),
        _entry("11", "diagnosis does not support the procedure", _Cat.CODING, _C, _Act.RECODE,
               "Coding checks the documentation for a diagnosis that supports the procedure and corrects the claim."),
        _entry("50", "payer does not consider the service medically necessary", _Cat.CODING, _C, _Act.APPEAL,
               "Coding reviews the documentation and diagnosis coding; recode if a more specific diagnosis applies, "
               "otherwise appeal with the medical records."),
        _entry("97", "paid as part of another service already adjudicated (bundled)", _Cat.CODING, _C, _Act.RECODE,
               "Coding checks whether the service was distinct (a modifier such as 59 or XS may apply) and corrects "
               "the claim; otherwise it stays bundled."),
        _entry("146", "diagnosis code not valid for the date of service", _Cat.CODING, _C, _Act.RECODE,
               "Coding replaces the diagnosis with one valid on the date of service."),
        _entry("151", "documentation does not support this many services or this frequency", _Cat.CODING, _C,
               _Act.APPEAL, "Coding reviews units and frequency against the documentation; correct or appeal."),
        _entry("167", "diagnosis is not covered", _Cat.CODING, _C, _Act.RECODE,
               "Coding checks whether a covered, documented diagnosis was missed; otherwise billing follows up."),
        _entry("181", "procedure code not valid on the date of service", _Cat.CODING, _C, _Act.RECODE,
               "Coding replaces the procedure code with one valid on the date of service."),
        _entry("182", "modifier missing or not valid on the date of service", _Cat.CODING, _C, _Act.RECODE,
               "Coding corrects the modifier and sends a corrected claim."),
        _entry("234", "procedure is not paid separately", _Cat.CODING, _C, _Act.RECODE,
               "Coding checks the bundling and modifiers; usually not separately billable."),
        _entry("236", "procedure or modifier combination not compatible with another procedure that day (NCCI)",
               _Cat.CODING, _C, _Act.RECODE,
               "Coding checks the NCCI pair; add a modifier only when the documentation supports a distinct service."),
        # Billing-owned denials: claim data, eligibility, authorization, filing.
        _entry("16", "claim lacks information or has submission or billing errors", _Cat.MISSING_INFORMATION, _B,
               _Act.CORRECT_AND_RESUBMIT, "Billing reads the remark codes, adds the missing data and resubmits."),
        _entry("18", "exact duplicate of a claim or service already processed", _Cat.DUPLICATE, _B, _Act.WRITE_OFF,
               "Billing checks the original claim's status; close this duplicate unless the service was really "
               "repeated (then correct and resubmit)."),
        _entry("22", "another payer may be primary (coordination of benefits)", _Cat.COORDINATION_OF_BENEFITS, _B,
               _Act.CORRECT_AND_RESUBMIT, "Billing confirms the coverage order, bills the primary payer first, "
               "then resubmits here with its payment."),
        _entry("26", "services before the coverage started", _Cat.ELIGIBILITY, _B, _Act.CORRECT_AND_RESUBMIT,
               "Billing verifies eligibility for the date of service and bills the right payer or the patient."),
        _entry("27", "services after the coverage ended", _Cat.ELIGIBILITY, _B, _Act.CORRECT_AND_RESUBMIT,
               "Billing verifies eligibility for the date of service and bills the right payer or the patient."),
        _entry("29", "the time limit for filing has expired", _Cat.TIMELY_FILING, _B, _Act.APPEAL,
               "Billing appeals with proof of timely filing (e.g. clearinghouse acceptance); otherwise write off."),
        _entry("31", "patient cannot be identified as our insured", _Cat.ELIGIBILITY, _B, _Act.CORRECT_AND_RESUBMIT,
               "Billing checks member id, name and date of birth against the card and resubmits."),
        _entry("96", "non-covered charge", _Cat.NON_COVERED, _B, _Act.WRITE_OFF,
               "Write off, unless the patient signed an advance notice (then rebill with the right modifier)."),
        _entry("109", "not covered by this payer; send to the correct payer", _Cat.ELIGIBILITY, _B,
               _Act.CORRECT_AND_RESUBMIT, "Billing finds the responsible payer and submits the claim there."),
        _entry("197", "precertification, authorization or notification missing", _Cat.AUTHORIZATION, _B,
               _Act.CORRECT_AND_RESUBMIT, "Billing adds the authorization number if one exists and resubmits; "
               "otherwise request a retro-authorization or appeal."),
        _entry("204", "service not covered under the patient's current benefit plan", _Cat.NON_COVERED, _B,
               _Act.WRITE_OFF, "Write off, unless the patient agreed in writing to pay for it."),
        _entry("252", "an attachment or other documentation is required", _Cat.MISSING_INFORMATION, _B,
               _Act.CORRECT_AND_RESUBMIT, "Billing sends the requested documentation (see the remark codes)."),
        # More coding-owned denials.
        _entry("6", "procedure or revenue code does not fit the patient's age", _Cat.CODING, _C, _Act.RECODE,
               "Coding checks the code against the patient's age and the documentation."),
        _entry("7", "procedure or revenue code does not fit the patient's sex", _Cat.CODING, _C, _Act.RECODE,
               "Coding checks the code against the patient's sex and the documentation."),
        _entry("8", "procedure code does not fit the provider type or specialty", _Cat.CODING, _C, _Act.RECODE,
               "Coding checks the code against the rendering provider's taxonomy."),
        _entry("9", "diagnosis does not fit the patient's age", _Cat.CODING, _C, _Act.RECODE,
               "Coding checks the diagnosis against the patient's age."),
        _entry("10", "diagnosis does not fit the patient's sex", _Cat.CODING, _C, _Act.RECODE,
               "Coding checks the diagnosis against the patient's sex."),
        _entry("58", "treatment in an inappropriate or invalid place of service", _Cat.CODING, _C, _Act.RECODE,
               "Coding checks the place of service against the documentation and the procedure."),
        _entry("150", "documentation does not support this level of service", _Cat.CODING, _C, _Act.APPEAL,
               "Coding reviews the E/M level against the documentation; down-code or appeal with the records."),
        _entry("B15", "needs a qualifying service or procedure not received or adjudicated", _Cat.CODING, _C,
               _Act.RECODE, "Coding checks for the primary procedure this add-on code depends on."),
        # More billing-owned denials.
        _entry("15", "the authorization number is missing, invalid or does not apply", _Cat.AUTHORIZATION, _B,
               _Act.CORRECT_AND_RESUBMIT, "Billing adds the right authorization number and resubmits."),
        _entry("24", "covered by a capitation agreement or managed care plan", _Cat.CONTRACTUAL, _B, _Act.WRITE_OFF,
               "Write off: the service is paid under the capitation agreement.", is_denial=False),
        _entry("39", "authorization was denied", _Cat.AUTHORIZATION, _B, _Act.APPEAL,
               "Billing appeals with the medical records or bills the patient if they agreed in writing."),
        _entry("49", "routine or preventive exam not covered", _Cat.NON_COVERED, _B, _Act.WRITE_OFF,
               "Write off, or bill the patient if they agreed in writing; check the preventive coding first."),
        _entry("119", "the benefit maximum for this period has been reached", _Cat.NON_COVERED, _B, _Act.BILL_PATIENT,
               "Bill the patient or the next payer: the plan's benefit is used up."),
        _entry("140", "patient and insured health identification numbers and names do not match", _Cat.ELIGIBILITY,
               _B, _Act.CORRECT_AND_RESUBMIT, "Billing corrects the member id or names from the card and resubmits."),
        _entry("170", "payment denied when performed or billed by this type of provider", _Cat.ELIGIBILITY, _B,
               _Act.CORRECT_AND_RESUBMIT, "Billing checks the rendering and billing provider on the claim."),
        _entry("185", "the rendering provider is not eligible to perform the service", _Cat.ELIGIBILITY, _B,
               _Act.CORRECT_AND_RESUBMIT, "Billing checks the rendering provider's credentialing with the payer."),
        _entry("198", "precertification or authorization exceeded", _Cat.AUTHORIZATION, _B, _Act.APPEAL,
               "Billing requests an extension of the authorization or appeals."),
        _entry("200", "expenses incurred during a lapse in coverage", _Cat.ELIGIBILITY, _B, _Act.BILL_PATIENT,
               "Billing verifies the coverage dates; bill the patient or the right payer."),
        _entry("226", "information requested from the provider was not provided or was insufficient",
               _Cat.MISSING_INFORMATION, _B, _Act.CORRECT_AND_RESUBMIT,
               "Billing sends the requested information (see the remark codes)."),
        _entry("242", "services not provided by network or primary care providers", _Cat.ELIGIBILITY, _B, _Act.APPEAL,
               "Billing checks network status and referrals; appeal if a referral existed."),
        _entry("A1", "claim or service denied (see the remark codes)", _Cat.OTHER, _B, _Act.APPEAL,
               "Billing reads the remark codes to find the reason and decides whether to correct or appeal."),
        # More expected reductions: not denials.
        _entry("59", "processed under the multiple or concurrent procedure rules", _Cat.CONTRACTUAL, _B,
               _Act.WRITE_OFF, "Write off the multiple-procedure reduction.", is_denial=False),
        _entry("94", "processed in excess of charges", _Cat.CONTRACTUAL, _B, _Act.WRITE_OFF,
               "No action: the payer adjusted above the charge.", is_denial=False),
        _entry("42", "charges exceed the fee schedule or maximum allowable", _Cat.CONTRACTUAL, _B, _Act.WRITE_OFF,
               "Write off the difference.", is_denial=False),
        _entry("131", "claim-specific negotiated discount", _Cat.CONTRACTUAL, _B, _Act.WRITE_OFF,
               "Write off the negotiated discount.", is_denial=False),
        _entry("101", "predetermination: anticipated payment upon completion of services", _Cat.OTHER, _B,
               _Act.WRITE_OFF, "No action until the service is performed and billed.", is_denial=False),
        _entry("A2", "contractual adjustment", _Cat.CONTRACTUAL, _B, _Act.WRITE_OFF,
               "Write off the contractual adjustment.", is_denial=False),
    )
}

_UNKNOWN_DENIAL = "a reason code not in our catalog"
_UNKNOWN_GUIDANCE = "Billing looks the code up in the payer's remittance advice and decides whether to appeal."


@dataclass(frozen=True)
class ClassifiedAdjustment:
    """One CAS entry read through the catalog."""

    adjustment: Adjustment
    is_denial: bool
    category: DenialCategory
    department: Department
    action: RecommendedAction
    description: str
    guidance: str

    @property
    def label(self) -> str:
        return f"{self.adjustment.group.value}-{self.adjustment.reason_code}"

    @property
    def explanation(self) -> str:
        return f"{self.label}: {self.description}. {self.guidance}"


def classify(adjustment: Adjustment) -> ClassifiedAdjustment:
    group, entry = adjustment.group, CARC_CATALOG.get(adjustment.reason_code)
    description = entry.description if entry else _UNKNOWN_DENIAL

    if group == AdjustmentGroup.PATIENT_RESPONSIBILITY:
        return ClassifiedAdjustment(
            adjustment, False, DenialCategory.PATIENT_RESPONSIBILITY, Department.BILLING,
            RecommendedAction.BILL_PATIENT, f"patient responsibility ({description})", "Bill the patient.",
        )
    if group == AdjustmentGroup.CORRECTION:
        return ClassifiedAdjustment(
            adjustment, False, DenialCategory.OTHER, Department.BILLING, RecommendedAction.WRITE_OFF,
            f"correction or reversal of an earlier adjudication ({description})",
            "No action: it corrects a prior payment.",
        )
    if entry is None:
        return ClassifiedAdjustment(
            adjustment, adjustment.amount > 0, DenialCategory.OTHER, Department.BILLING, RecommendedAction.APPEAL,
            _UNKNOWN_DENIAL, _UNKNOWN_GUIDANCE,
        )
    # A negative amount gives money back (it undoes an earlier reduction): never a denial.
    return ClassifiedAdjustment(
        adjustment, entry.is_denial and adjustment.amount > 0, entry.category, entry.department, entry.action,
        entry.description, entry.guidance,
    )


def denying_adjustments(adjustments: Iterable[Adjustment]) -> list[ClassifiedAdjustment]:
    """The adjustments that deny payment, each with its category, owner, action and explanation."""
    return [c for c in map(classify, adjustments) if c.is_denial]


def non_denial_total(adjustments: Iterable[Adjustment]) -> Decimal:
    """What the payer was entitled to take off: contractual, patient share, prior payer, corrections."""
    return sum((c.adjustment.amount for c in map(classify, adjustments) if not c.is_denial), Decimal("0.00"))
