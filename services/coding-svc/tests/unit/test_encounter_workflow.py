"""The coding workflow's state machine: claims, drafts, releases, queries, rework (no I/O)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from coding_svc.domain.edits.engine import EditEngine, EditReport
from coding_svc.domain.edits.findings import Finding, Severity
from coding_svc.domain.edits.lines import LineEdits
from coding_svc.domain.encounter import (
    ClaimedByAnother, ClaimExpired, ClaimNotHeld, CodeSet, Encounter, EncounterAlreadyCoded, EncounterDocument,
    EncounterStatus, NotWorkable, ProcedureLine, ReleaseBlocked,
)
from coding_svc.domain.physician_query import InvalidAnswer, PhysicianQuery, QueryNotOpen, QueryStatus, aging_bucket
from coding_svc.domain.policy import CodingPolicy
from coding_svc.domain.work_queue import QueueItem, codes_under_edit
from openrcm_shared.contracts import Adjustment, DenialRaised, PayerRef
from openrcm_shared.contracts.events import AdjustmentGroup, DenialCategory, Department, RecommendedAction

DOS = date(2026, 10, 5)
T0 = datetime(2026, 10, 8, 9, 0, tzinfo=timezone.utc)
ENGINE = EditEngine([LineEdits()])


def line(code: str = "99213", pointers: tuple[int, ...] = (1,)) -> ProcedureLine:
    return ProcedureLine(procedure_code=code, code_system="CPT", modifiers=(), units=Decimal(1),
                         diagnosis_pointers=pointers, service_date=DOS, charge=Decimal("100.00"))


def document(*, diagnoses: tuple[str, ...] = ("E119",), lines: tuple[ProcedureLine, ...] = (line(),),
             payer: str | None = "ACME01") -> EncounterDocument:
    coverages = [] if payer is None else [{
        "sequence": "primary", "payer_id": payer, "payer_name": "Acme", "member_id": "M1",
        "relationship_to_subscriber": "18", "subscriber": {"name": {"last": "Doe"}},
    }]
    return EncounterDocument.model_validate({
        "source_system": "ehr", "external_encounter_id": "E1",
        "patient": {"patient_id": "MRN1", "name": {"last": "Doe"}, "date_of_birth": "1980-01-01", "sex": "F"},
        "coverages": coverages, "billing_provider": {"npi": "1234567893", "organization_name": "Clinic"},
        "rendering_provider": {"npi": "1245319599", "name": {"last": "Okafor"}}, "referring_provider": None,
        "facility_name": None, "place_of_service": "11", "service_date_from": DOS, "service_date_to": DOS,
        "prior_authorization_number": None, "diagnoses": list(diagnoses), "lines": [l.model_dump() for l in lines],
    })


def encounter(**doc) -> Encounter:  # type: ignore[no-untyped-def]
    return Encounter.receive("t1", document(**doc), now=T0, actor="ehr")


def report(enc: Encounter, codes: CodeSet | None = None) -> EditReport:
    return ENGINE.run(codes_under_edit(enc, codes))


def warning_only() -> EditReport:
    return EditReport((Finding("advice.note", Severity.WARNING, "note", "none"),))


def denial(department: Department = Department.CODING) -> DenialRaised:
    return DenialRaised(
        denial_id=uuid.uuid4(), remittance_id=uuid.uuid4(), remit_claim_id=uuid.uuid4(), claim_id=uuid.uuid4(),
        encounter_id=uuid.uuid4(), patient_control_number="PCN1", payer=PayerRef(payer_id="ACME01", name="Acme"),
        level="claim", adjustments=[Adjustment(group=AdjustmentGroup.CONTRACTUAL, reason_code="50", amount=Decimal("10"))],
        denied_amount=Decimal("10"), category=DenialCategory.CODING, owning_department=department,
        recommended_action=RecommendedAction.RECODE, explanation="Not medically necessary.",
    )


# ---------------------------------------------------------------- claims

def test_working_codes_start_as_the_providers_and_the_document_stays_as_sent():
    enc = encounter()
    assert enc.codes == CodeSet(diagnoses=("E119",), lines=(line(),)) and enc.codes_by is None
    enc.claim("ann", now=T0, minutes=30)
    enc.save_draft("ann", CodeSet(diagnoses=("I10",), lines=(line(),)), warning_only(), now=T0)
    assert enc.document.diagnoses == ("E119",) and enc.codes.diagnoses == ("I10",) and enc.codes_by == "ann"


def test_one_coder_at_a_time_and_the_holder_may_claim_again_to_extend():
    enc = encounter()
    enc.claim("ann", now=T0, minutes=30)
    with pytest.raises(ClaimedByAnother) as refused:
        enc.claim("bob", now=T0 + timedelta(minutes=29), minutes=30)
    assert refused.value.details["claimed_by"] == "ann"
    enc.claim("ann", now=T0 + timedelta(minutes=20), minutes=30)
    assert enc.assignment is not None
    assert enc.assignment.claimed_at == T0  # work started at the first claim
    assert enc.assignment.expires_at == T0 + timedelta(minutes=50)


def test_an_expired_claim_can_be_taken_by_anyone_and_the_old_holder_is_refused():
    enc = encounter()
    enc.claim("ann", now=T0, minutes=30)
    later = T0 + timedelta(minutes=31)
    with pytest.raises(ClaimExpired):
        enc.save_draft("ann", enc.codes, report(enc), now=later)
    enc.claim("bob", now=later, minutes=30)
    assert enc.claimed_by(later) == "bob" and enc.assignment and enc.assignment.claimed_at == later
    with pytest.raises(ClaimedByAnother):
        enc.release("ann", report(enc), now=later)


def test_drafts_and_releases_need_the_claim():
    enc = encounter()
    with pytest.raises(ClaimNotHeld):
        enc.save_draft("ann", enc.codes, report(enc), now=T0)
    with pytest.raises(ClaimNotHeld):
        enc.release("ann", report(enc), now=T0)


def test_giving_back():
    enc = encounter()
    assert enc.give_back("ann", now=T0) is False
    enc.claim("ann", now=T0, minutes=30)
    with pytest.raises(ClaimedByAnother):
        enc.give_back("bob", now=T0)
    assert enc.give_back("ann", now=T0) is True and enc.assignment is None


def test_coded_encounters_are_not_workable():
    enc = encounter()
    enc.claim("ann", now=T0, minutes=30)
    enc.release("ann", report(enc), now=T0)
    with pytest.raises(NotWorkable) as refused:
        enc.claim("bob", now=T0, minutes=30)
    assert refused.value.details["encounter_status"] == "coded"


# ---------------------------------------------------------------- release

def test_a_clean_release_codes_the_encounter_from_the_working_codes():
    enc = encounter()
    enc.claim("ann", now=T0, minutes=30)
    enc.save_draft("ann", CodeSet(diagnoses=("I10", "E119"), lines=(line(pointers=(1, 2)),)), report(enc), now=T0)
    done = T0 + timedelta(minutes=5)
    release = enc.release("ann", report(enc), now=done)
    assert (enc.status, enc.revision, enc.coded_at, enc.assignment) == (EncounterStatus.CODED, 1, done, None)
    assert [d.code for d in release.event.diagnoses] == ["I10", "E119"]
    assert release.event.service_lines[0].diagnosis_pointers == [1, 2]
    assert (release.coder, release.work_started_at, release.auto_released, release.revision) == ("ann", T0, False, 1)


def test_an_edit_error_blocks_the_release_and_keeps_the_findings():
    enc = encounter()
    enc.claim("ann", now=T0, minutes=30)
    bad = CodeSet(diagnoses=("E119",), lines=(line(pointers=(3,)),))
    enc.save_draft("ann", bad, report(enc, bad), now=T0)  # a draft is saved whatever the edits find
    assert [f.edit_id for f in enc.findings] == ["line.pointer_unknown"]
    with pytest.raises(ReleaseBlocked) as blocked:
        enc.release("ann", report(enc), now=T0)
    assert [f.edit_id for f in blocked.value.findings] == ["line.pointer_unknown"]
    assert (enc.status, enc.revision) == (EncounterStatus.AWAITING_CODING, 0)
    assert enc.claimed_by(T0) == "ann"


def test_warnings_do_not_block_and_are_kept_with_the_release():
    enc = encounter()
    enc.claim("ann", now=T0, minutes=30)
    release = enc.release("ann", warning_only(), now=T0)
    assert [f.edit_id for f in release.warnings] == ["advice.note"]


def test_no_codes_cannot_be_released():
    enc = encounter(diagnoses=(), lines=())
    enc.claim("ann", now=T0, minutes=30)
    with pytest.raises(ReleaseBlocked):
        enc.release("ann", report(enc), now=T0)


def test_auto_release_only_of_untouched_clean_provider_codes():
    assert encounter().auto_release(report(encounter()), now=T0) is not None
    bad = encounter(lines=(line(pointers=(2,)),))
    assert bad.auto_release(report(bad), now=T0) is None and bad.status == EncounterStatus.AWAITING_CODING
    claimed = encounter()
    claimed.claim("ann", now=T0, minutes=30)
    assert claimed.auto_release(report(claimed), now=T0) is None
    released = encounter().auto_release(report(encounter()), now=T0)
    assert released is not None and released.auto_released and released.coder is None


# ---------------------------------------------------------------- amendments

def test_an_amendment_replaces_provider_codes_but_not_a_coders_draft():
    enc = encounter()
    enc.amend(document(diagnoses=("I10",)), now=T0, actor="ehr")
    assert enc.codes.diagnoses == ("I10",)
    enc.claim("ann", now=T0, minutes=30)
    enc.save_draft("ann", CodeSet(diagnoses=("E785",), lines=(line(),)), warning_only(), now=T0)
    enc.amend(document(diagnoses=("Z00",)), now=T0, actor="ehr")
    assert enc.codes.diagnoses == ("E785",) and enc.version == 3


def test_an_encounter_waiting_for_a_query_can_be_amended_until_it_is_released():
    enc = encounter()
    enc.claim("ann", now=T0, minutes=30)
    enc.await_query("ann", now=T0)
    enc.amend(document(diagnoses=("I10",)), now=T0, actor="ehr")
    assert enc.version == 2
    enc.resume_after_query(EncounterStatus.AWAITING_CODING, "ann", now=T0, minutes=30)
    enc.release("ann", report(enc), now=T0)
    with pytest.raises(EncounterAlreadyCoded):
        enc.amend(document(diagnoses=("Z00",)), now=T0, actor="ehr")


# ---------------------------------------------------------------- queries

def test_a_query_parks_the_encounter_and_the_answer_returns_it_to_the_asker():
    enc = encounter()
    enc.claim("ann", now=T0, minutes=30)
    resume = enc.await_query("ann", now=T0)
    assert (resume, enc.status, enc.assignment) == (EncounterStatus.AWAITING_CODING, EncounterStatus.QUERY_PENDING, None)
    with pytest.raises(NotWorkable):
        enc.claim("bob", now=T0, minutes=30)
    answered = T0 + timedelta(days=3)
    enc.resume_after_query(resume, "ann", now=answered, minutes=30)
    assert enc.status == EncounterStatus.AWAITING_CODING and enc.claimed_by(answered) == "ann"
    with pytest.raises(ClaimedByAnother):
        enc.claim("bob", now=answered, minutes=30)


def test_only_the_holder_asks():
    enc = encounter()
    with pytest.raises(ClaimNotHeld):
        enc.await_query("ann", now=T0)


def test_query_answers_fit_the_question():
    free = PhysicianQuery.ask(tenant_id="t1", encounter_id=uuid.uuid4(), provider_npi="1245319599", asked_by="ann",
                              question="Type of diabetes?", options=None, resume_status=EncounterStatus.AWAITING_CODING,
                              now=T0)
    with pytest.raises(InvalidAnswer):
        free.record_answer(answer=None, chosen_option=None, by="ehr", now=T0)
    with pytest.raises(InvalidAnswer):
        free.record_answer(answer="x", chosen_option="Type 2", by="ehr", now=T0)
    choice = PhysicianQuery.ask(tenant_id="t1", encounter_id=uuid.uuid4(), provider_npi="1245319599", asked_by="ann",
                                question="Type?", options=("Type 1", "Type 2"), resume_status=EncounterStatus.REWORK,
                                now=T0)
    with pytest.raises(InvalidAnswer) as wrong:
        choice.record_answer(answer=None, chosen_option="Type 3", by="ehr", now=T0)
    assert wrong.value.pointer == "/chosen_option"
    choice.record_answer(answer="see note", chosen_option="Type 2", by="ehr", now=T0 + timedelta(days=9))
    assert choice.status == QueryStatus.ANSWERED and choice.age_days(T0 + timedelta(days=40)) == 9
    with pytest.raises(QueryNotOpen):
        choice.withdraw(by="ann", now=T0)


@pytest.mark.parametrize(("days", "bucket"), [(0, "0-2"), (2, "0-2"), (3, "3-7"), (7, "3-7"), (8, "8-14"),
                                              (14, "8-14"), (15, "15+"), (400, "15+")])
def test_aging_buckets(days, bucket):
    assert aging_bucket(days) == bucket


# ---------------------------------------------------------------- rework

def test_a_coding_denial_reopens_in_rework_and_the_corrected_release_is_revision_2():
    enc = encounter()
    enc.auto_release(report(enc), now=T0)
    first = denial()
    assert enc.reopen_for_denial(first) and enc.status == EncounterStatus.REWORK
    assert enc.reopen_for_denial(first) is False  # the same denial again
    assert enc.open_rework_reasons[0]["reason_codes"] == ["CO-50"]
    enc.claim("ann", now=T0, minutes=30)
    release = enc.release("ann", report(enc), now=T0)
    assert release.revision == 2 and release.event.revision == 2 and enc.open_rework_reasons == []
    assert enc.rework_reasons[0]["resolved_in_revision"] == 2


def test_denials_that_are_not_coding_work_change_nothing():
    enc = encounter()
    assert enc.reopen_for_denial(denial()) is False  # never released
    enc.auto_release(report(enc), now=T0)
    assert enc.reopen_for_denial(denial(Department.BILLING)) is False and enc.status == EncounterStatus.CODED


def test_a_denial_during_a_rework_query_keeps_the_encounter_waiting():
    enc = encounter()
    enc.auto_release(report(enc), now=T0)
    enc.reopen_for_denial(denial())
    enc.claim("ann", now=T0, minutes=30)
    resume = enc.await_query("ann", now=T0)
    assert enc.reopen_for_denial(denial()) and enc.status == EncounterStatus.QUERY_PENDING
    assert resume == EncounterStatus.REWORK and len(enc.open_rework_reasons) == 2


# ---------------------------------------------------------------- policy and queue

def test_filing_deadline_by_primary_payer_and_queue_figures():
    policy = CodingPolicy("t1", default_filing_days=365, filing_days_by_payer={"ACME01": 90})
    assert policy.filing_deadline(document()) == DOS + timedelta(days=90)
    assert policy.filing_deadline(document(payer="OTHER")) == DOS + timedelta(days=365)
    assert policy.filing_deadline(document(payer=None)) == DOS + timedelta(days=365)
    enc = encounter(lines=(line(pointers=(2,)),))
    enc.filing_deadline = policy.filing_deadline(enc.document)
    enc.record_findings(report(enc))
    item = QueueItem(enc, T0 + timedelta(days=10))
    assert (item.days_left, item.age_days, item.error_count, item.warning_count) == (
        (DOS + timedelta(days=90) - (T0 + timedelta(days=10)).date()).days, 10, 1, 0)
    assert policy.audit_sample_percent_for("ann") == Decimal(5)
