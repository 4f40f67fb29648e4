"""The CARC catalog and classifier: group + reason code -> denial or not, category, owner, action."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openrcm_shared.contracts import Adjustment
from openrcm_shared.contracts.events import DenialCategory as Cat, Department as Dept, RecommendedAction as Act
from payments_svc.domain.carc_catalog import CARC_CATALOG, classify, denying_adjustments, non_denial_total


def adj(group: str, code: str, amount: str = "10.00") -> Adjustment:
    return Adjustment(group=group, reason_code=code, amount=Decimal(amount))


@pytest.mark.parametrize(
    ("group", "code", "is_denial", "category", "department", "action"),
    [
        ("PR", "1", False, Cat.PATIENT_RESPONSIBILITY, Dept.BILLING, Act.BILL_PATIENT),
        ("PR", "2", False, Cat.PATIENT_RESPONSIBILITY, Dept.BILLING, Act.BILL_PATIENT),
        ("PR", "3", False, Cat.PATIENT_RESPONSIBILITY, Dept.BILLING, Act.BILL_PATIENT),
        ("CO", "45", False, Cat.CONTRACTUAL, Dept.BILLING, Act.WRITE_OFF),
        ("CO", "253", False, Cat.CONTRACTUAL, Dept.BILLING, Act.WRITE_OFF),
        ("OA", "23", False, Cat.COORDINATION_OF_BENEFITS, Dept.BILLING, Act.WRITE_OFF),
        ("CO", "4", True, Cat.CODING, Dept.CODING, Act.RECODE),
        ("CO", "11", True, Cat.CODING, Dept.CODING, Act.RECODE),
        ("CO", "16", True, Cat.MISSING_INFORMATION, Dept.BILLING, Act.CORRECT_AND_RESUBMIT),
        ("OA", "18", True, Cat.DUPLICATE, Dept.BILLING, Act.WRITE_OFF),
        ("OA", "22", True, Cat.COORDINATION_OF_BENEFITS, Dept.BILLING, Act.CORRECT_AND_RESUBMIT),
        ("CO", "27", True, Cat.ELIGIBILITY, Dept.BILLING, Act.CORRECT_AND_RESUBMIT),
        ("CO", "29", True, Cat.TIMELY_FILING, Dept.BILLING, Act.APPEAL),
        ("CO", "50", True, Cat.CODING, Dept.CODING, Act.APPEAL),
        ("CO", "96", True, Cat.NON_COVERED, Dept.BILLING, Act.WRITE_OFF),
        ("CO", "97", True, Cat.CODING, Dept.CODING, Act.RECODE),
        ("CO", "109", True, Cat.ELIGIBILITY, Dept.BILLING, Act.CORRECT_AND_RESUBMIT),
        ("CO", "151", True, Cat.CODING, Dept.CODING, Act.APPEAL),
        ("CO", "167", True, Cat.CODING, Dept.CODING, Act.RECODE),
        ("CO", "197", True, Cat.AUTHORIZATION, Dept.BILLING, Act.CORRECT_AND_RESUBMIT),
        ("PI", "204", True, Cat.NON_COVERED, Dept.BILLING, Act.WRITE_OFF),
        ("CO", "234", True, Cat.CODING, Dept.CODING, Act.RECODE),
        ("CO", "236", True, Cat.CODING, Dept.CODING, Act.RECODE),
        ("CO", "252", True, Cat.MISSING_INFORMATION, Dept.BILLING, Act.CORRECT_AND_RESUBMIT),
        # The group decides: a PR adjustment is the patient's share, never a denial, whatever the code.
        ("PR", "96", False, Cat.PATIENT_RESPONSIBILITY, Dept.BILLING, Act.BILL_PATIENT),
        ("PR", "204", False, Cat.PATIENT_RESPONSIBILITY, Dept.BILLING, Act.BILL_PATIENT),
        # A correction/reversal undoes an earlier adjudication: not a new denial.
        ("CR", "50", False, Cat.OTHER, Dept.BILLING, Act.WRITE_OFF),
        # The rest of the catalog: coding-owned denials ...
        ("CO", "5", True, Cat.CODING, Dept.CODING, Act.RECODE),
        ("CO", "6", True, Cat.CODING, Dept.CODING, Act.RECODE),
        ("CO", "7", True, Cat.CODING, Dept.CODING, Act.RECODE),
        ("CO", "8", True, Cat.CODING, Dept.CODING, Act.RECODE),
        ("CO", "9", True, Cat.CODING, Dept.CODING, Act.RECODE),
        ("CO", "10", True, Cat.CODING, Dept.CODING, Act.RECODE),
        ("CO", "58", True, Cat.CODING, Dept.CODING, Act.RECODE),
        ("CO", "146", True, Cat.CODING, Dept.CODING, Act.RECODE),
        ("CO", "150", True, Cat.CODING, Dept.CODING, Act.APPEAL),
        ("CO", "181", True, Cat.CODING, Dept.CODING, Act.RECODE),
        ("CO", "182", True, Cat.CODING, Dept.CODING, Act.RECODE),
        ("CO", "B15", True, Cat.CODING, Dept.CODING, Act.RECODE),
        # ... billing-owned denials ...
        ("CO", "15", True, Cat.AUTHORIZATION, Dept.BILLING, Act.CORRECT_AND_RESUBMIT),
        ("CO", "26", True, Cat.ELIGIBILITY, Dept.BILLING, Act.CORRECT_AND_RESUBMIT),
        ("CO", "31", True, Cat.ELIGIBILITY, Dept.BILLING, Act.CORRECT_AND_RESUBMIT),
        ("CO", "39", True, Cat.AUTHORIZATION, Dept.BILLING, Act.APPEAL),
        ("PI", "49", True, Cat.NON_COVERED, Dept.BILLING, Act.WRITE_OFF),
        ("OA", "119", True, Cat.NON_COVERED, Dept.BILLING, Act.BILL_PATIENT),
        ("CO", "140", True, Cat.ELIGIBILITY, Dept.BILLING, Act.CORRECT_AND_RESUBMIT),
        ("CO", "170", True, Cat.ELIGIBILITY, Dept.BILLING, Act.CORRECT_AND_RESUBMIT),
        ("CO", "185", True, Cat.ELIGIBILITY, Dept.BILLING, Act.CORRECT_AND_RESUBMIT),
        ("CO", "198", True, Cat.AUTHORIZATION, Dept.BILLING, Act.APPEAL),
        ("CO", "200", True, Cat.ELIGIBILITY, Dept.BILLING, Act.BILL_PATIENT),
        ("CO", "226", True, Cat.MISSING_INFORMATION, Dept.BILLING, Act.CORRECT_AND_RESUBMIT),
        ("CO", "242", True, Cat.ELIGIBILITY, Dept.BILLING, Act.APPEAL),
        ("CO", "A1", True, Cat.OTHER, Dept.BILLING, Act.APPEAL),
        # ... and reductions that are not denials, in any group but PR too.
        ("CO", "24", False, Cat.CONTRACTUAL, Dept.BILLING, Act.WRITE_OFF),
        ("CO", "42", False, Cat.CONTRACTUAL, Dept.BILLING, Act.WRITE_OFF),
        ("CO", "59", False, Cat.CONTRACTUAL, Dept.BILLING, Act.WRITE_OFF),
        ("OA", "94", False, Cat.CONTRACTUAL, Dept.BILLING, Act.WRITE_OFF),
        ("CO", "131", False, Cat.CONTRACTUAL, Dept.BILLING, Act.WRITE_OFF),
        ("OA", "101", False, Cat.OTHER, Dept.BILLING, Act.WRITE_OFF),
        ("CO", "A2", False, Cat.CONTRACTUAL, Dept.BILLING, Act.WRITE_OFF),
        ("PI", "45", False, Cat.CONTRACTUAL, Dept.BILLING, Act.WRITE_OFF),
        ("PR", "45", False, Cat.PATIENT_RESPONSIBILITY, Dept.BILLING, Act.BILL_PATIENT),
        ("PR", "50", False, Cat.PATIENT_RESPONSIBILITY, Dept.BILLING, Act.BILL_PATIENT),
        # A code we do not know still reaches someone.
        ("CO", "B99", True, Cat.OTHER, Dept.BILLING, Act.APPEAL),
        ("PR", "B99", False, Cat.PATIENT_RESPONSIBILITY, Dept.BILLING, Act.BILL_PATIENT),
    ],
)
def test_group_and_reason_code_classify(group, code, is_denial, category, department, action):
    classified = classify(adj(group, code))
    assert (classified.is_denial, classified.category, classified.department, classified.action) == (
        is_denial, category, department, action
    )
    assert classified.explanation.startswith(f"{group}-{code}: ")


def test_a_negative_denial_amount_gives_money_back_and_is_no_denial():
    assert not classify(adj("CO", "50", "-10.00")).is_denial


def test_at_least_thirty_codes_are_classified_with_their_group():
    cases = test_group_and_reason_code_classify.pytestmark[0].args[1]
    assert len({code for _, code, *_ in cases if code in CARC_CATALOG}) >= 30


def test_the_required_starter_codes_are_in_the_catalog():
    required = {"1", "2", "3", "4", "11", "16", "18", "22", "27", "29", "45", "50", "96", "97", "109", "151", "167",
                "197", "204", "234", "236", "252", "253"}
    assert required <= set(CARC_CATALOG)
    assert all(entry.description and entry.guidance for entry in CARC_CATALOG.values())


def test_classifier_returns_only_the_denying_adjustments():
    adjustments = [adj("CO", "45", "30.00"), adj("PR", "1", "20.00"), adj("CO", "97", "50.00"), adj("OA", "18", "5.00")]
    assert [c.label for c in denying_adjustments(adjustments)] == ["CO-97", "OA-18"]
    assert non_denial_total(adjustments) == Decimal("50.00")
