"""What the sandbox says must mean something to the services that read it.

* Every front-end rejection the sandbox answers in a 277CA is one claims-svc explains (category,
  status and entity it knows) and counts as rejected.
* Every denial rule of the README ends in an 835 whose CARC payments-svc's catalog knows and routes
  to the department the README names (coding or billing).
* An 835 line carries the REF*6R claims-svc sent, so payments-svc can match lines.
"""

from __future__ import annotations

from datetime import date

import pytest

from claims_svc.domain.rejections import CATEGORIES, ENTITIES, STATUS_CODES, is_accepted_277, is_rejected_277, rejections_277
from claims_svc.domain.x12.acknowledgments import parse_277ca
from claims_svc.domain.x12.model_837p import Payer, PersonName, Provider
from openrcm_shared.contracts.events import Department
from payments_svc.adapters.x12_835 import parse_835
from payments_svc.domain.carc_catalog import CARC_CATALOG, denying_adjustments


async def claim_acknowledgments(sandbox, content: str, name: str = "b.x12"):
    await sandbox.receive("tenant-a", content, file_name=name)
    answers = [r for r in await sandbox.responses() if r.kind == "277CA"]
    return {ack.patient_control_number: ack for answer in answers for ack in parse_277ca(answer.content)}


async def test_every_front_end_rejection_is_explained_by_claims_svc(sandbox, claims_svc_837) -> None:
    b = claims_svc_837
    claims = [
        b.claim("UNKNOWN-PAYER", payer=Payer("Nobody Health", "NOPE1")),
        b.claim("UNKNOWN-MEMBER", member_id="SBX999999"),
        b.claim("BAD-BILLING-NPI", billing_provider=b.replace(b.billing, npi="1234567890")),
        b.claim("BAD-RENDERING-NPI", rendering_provider=Provider("1245319590", PersonName("Welby", "Marcus"))),
        b.claim("FUTURE-DATE", b.line("99213", service_date=date(2026, 12, 5), line_control_number="F-1")),
        b.claim("OK"),
    ]
    acks = await claim_acknowledgments(sandbox, b.build(*claims))
    expected = {"UNKNOWN-PAYER": ("A3", "26", "PR"), "UNKNOWN-MEMBER": ("A7", "33", "IL"),
                "BAD-BILLING-NPI": ("A7", "562", "85"), "BAD-RENDERING-NPI": ("A7", "562", "82"),
                "FUTURE-DATE": ("A7", "187", None)}
    for pcn, (category, status, entity) in expected.items():
        ack = acks[pcn]
        assert is_rejected_277(ack), pcn
        (code,) = ack.statuses
        assert (code.category, code.status) == (category, status), pcn
        assert category in CATEGORIES and status in STATUS_CODES, pcn
        if entity is not None:
            assert code.entity == entity and entity in ENTITIES, pcn
        (explained,) = rejections_277(ack)
        assert f"claim status code {status}" not in explained.description, pcn  # a known code, in plain English
    assert is_accepted_277(acks["OK"]) and acks["OK"].payer_claim_control_number


DENIALS = [
    # (README rule, claim builder, CARC, owner)
    ("medical necessity", lambda b: b.claim("MEDNEC", b.line("83036", "40.00", line_control_number="M-1"),
                                            diagnoses=("J069",)), "50", Department.CODING),
    ("bundled pair", lambda b: b.claim("BUNDLE", b.line("99213", line_control_number="U-1"),
                                       b.line("36415", "10.00", line_control_number="U-2")), "97", Department.CODING),
    ("prior authorization", lambda b: b.claim("PRIORAUTH", b.line("72148", "600.00", line_control_number="P-1")),
     "197", Department.BILLING),
    ("timely filing", lambda b: b.claim("TIMELY", b.line("99213", service_date=date(2026, 8, 1),
                                                         line_control_number="T-1")), "29", Department.BILLING),
    ("eligibility", lambda b: b.claim("ELIG", member_id="SBX100002"), "27", Department.BILLING),
]


@pytest.mark.parametrize("rule, make, carc, owner", DENIALS, ids=[d[0] for d in DENIALS])
async def test_each_denial_reaches_payments_svc_with_its_owner(sandbox, claims_svc_837, rule, make, carc,
                                                               owner) -> None:
    await sandbox.receive("tenant-a", claims_svc_837.build(make(claims_svc_837)), file_name="d.x12")
    (era,) = await sandbox.run_payments()
    parsed = parse_835(era.path.read_text())
    assert parsed.errors == []
    (claim,) = parsed.documents[0].claims
    denials = denying_adjustments(claim.all_adjustments)
    assert [d.adjustment.reason_code for d in denials] == [carc], rule
    assert carc in CARC_CATALOG and denials[0].department == owner, rule


async def test_a_duplicate_is_denied_co_18_for_billing(sandbox, claims_svc_837) -> None:
    b = claims_svc_837
    await sandbox.receive("tenant-a", b.build(b.claim("FIRST")), file_name="one.x12")
    await sandbox.receive("tenant-a", b.build(b.claim("AGAIN"), reference="BATCH0002"), file_name="two.x12")
    (era,) = await sandbox.run_payments()
    first, again = parse_835(era.path.read_text()).documents[0].claims
    assert denying_adjustments(first.all_adjustments) == []
    (duplicate,) = denying_adjustments(again.all_adjustments)
    assert duplicate.adjustment.reason_code == "18" and duplicate.department == Department.BILLING


async def test_835_lines_echo_claims_svc_line_control_numbers(sandbox, claims_svc_837) -> None:
    b = claims_svc_837
    content = b.build(b.claim("LINES", b.line("99213", line_control_number="L-1"),
                              b.line("83036", "40.00", line_control_number="L-2")))
    await sandbox.receive("tenant-a", content, file_name="l.x12")
    (era,) = await sandbox.run_payments()
    (claim,) = parse_835(era.path.read_text()).documents[0].claims
    assert [line.line_control_number for line in claim.lines] == ["L-1", "L-2"]
    assert claim.patient_control_number == "LINES"
