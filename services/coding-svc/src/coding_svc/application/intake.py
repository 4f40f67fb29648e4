"""Use case: an EHR submits an encounter (alone, or as one item of a bulk request)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError

from coding_svc.adapters.repository import EncounterRepository
from coding_svc.application.releases import record_release
from coding_svc.domain.edits.engine import EditEngine
from coding_svc.domain.encounter import Encounter, EncounterAlreadyCoded, EncounterDocument, EncounterStatus, Release
from coding_svc.domain.policy import CodingPolicy
from coding_svc.domain.work_queue import codes_under_edit
from openrcm_shared import idempotency
from openrcm_shared.db import UnitOfWork, utcnow
from openrcm_shared.idempotency import Claim, StoredResponse
from openrcm_shared.problems import Conflict


@dataclass(frozen=True)
class SubmitEncounter:
    tenant_id: str
    actor: str
    document: EncounterDocument


class IntakeOutcome(StrEnum):
    CREATED = "created"
    UNCHANGED = "unchanged"
    AMENDED = "amended"


@dataclass(frozen=True)
class IntakeResult:
    encounter: Encounter
    outcome: IntakeOutcome

    @property
    def created(self) -> bool:
        return self.outcome == IntakeOutcome.CREATED


#: How the entrypoint answers a result; with an Idempotency-Key it is stored with the effect.
Respond = Callable[[IntakeResult], StoredResponse]


class EncounterCodedConflict(Conflict):
    type_slug = "encounter-already-coded"
    title = "The encounter is already coded and cannot be amended"

    def __init__(self, exc: EncounterAlreadyCoded) -> None:
        coded_on = exc.coded_at.date().isoformat() if exc.coded_at else "an earlier date"
        if exc.status == EncounterStatus.REWORK:
            state = (f"This encounter was coded on {coded_on} as revision {exc.revision} and is now in rework "
                     "after a coding denial")
        else:
            state = f"This encounter was coded on {coded_on} as revision {exc.revision}"
        super().__init__(
            f"{state}, so a changed document can no longer amend it. Corrections to a coded encounter are "
            f"made by the practice's coding team in coding-svc, who release them as revision {exc.revision + 1}; "
            "billing then sends a replacement claim. Send the change to the coding team instead of resending "
            "the encounter; a different visit needs its own external_encounter_id.",
            encounter_id=str(exc.encounter_id), encounter_status=exc.status.value, revision=exc.revision,
            coded_at=exc.coded_at.isoformat() if exc.coded_at else None,
        )


async def submit_encounter(
    uow: UnitOfWork, command: SubmitEncounter, engine: EditEngine, *, claim: Claim | None = None,
    respond: Respond | None = None,
) -> IntakeResult:
    """Store a new encounter, amend one not coded yet, or recognise a resend; one transaction.

    Keyed by (tenant, source system, external encounter id): the same document again changes nothing
    (also when identical requests race: the loser of the insert race starts over and finds the
    winner's row); a changed one amends the encounter while it awaits coding (the superseded document
    goes to the version history) and is refused with 409 once it is coded.

    The edits run on the provider's codes, if the document carries any, and their findings are kept
    on the encounter. It is released at once (EncounterCoded via the outbox) only when the tenant's
    policy auto-releases clean provider codes and the edits find no error; otherwise it waits in the
    coding queue.

    With an Idempotency-Key ``claim``, ``respond(result)`` is stored in the same transaction.
    """
    if claim is not None and respond is None:
        raise ValueError("an Idempotency-Key claim needs a response to store")
    for attempt in (1, 2):
        try:
            result = await _submit_once(uow, command, engine)
            if claim is not None and respond is not None:
                await idempotency.complete(uow, claim, respond(result))
            await uow.commit()
            return result
        except IntegrityError:
            # A concurrent request inserted the same encounter first: start over, it now exists.
            await uow.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def _submit_once(uow: UnitOfWork, command: SubmitEncounter, engine: EditEngine) -> IntakeResult:
    repo = EncounterRepository(uow.session)
    doc = command.document
    # Locked: two amendments of one encounter apply one after the other. The tenant's policy comes in
    # the same round trip (a resend does not need it; reading it anyway is cheaper than another trip).
    existing, policy = await repo.find_by_external_id_with_policy(
        command.tenant_id, doc.source_system, doc.external_encounter_id
    )
    now = utcnow()
    release: Release | None = None
    if existing is None:
        encounter = Encounter.receive(command.tenant_id, doc, now=now, actor=command.actor)
        release = _check_provider_codes(encounter, engine, policy, now)
        # Written by the commit with the release record, event and audit entry: one round trip.
        repo.add_at_commit(uow, encounter, now)
        outcome = IntakeOutcome.CREATED
    elif existing.is_same_document(doc):
        encounter, outcome = existing, IntakeOutcome.UNCHANGED
    else:
        encounter = existing
        try:
            superseded = encounter.amend(doc, now=now, actor=command.actor)
        except EncounterAlreadyCoded as exc:
            raise EncounterCodedConflict(exc) from None
        release = _check_provider_codes(encounter, engine, policy, now)
        await repo.add_superseded_version(encounter, superseded, now)
        await repo.save(encounter, now)
        outcome = IntakeOutcome.AMENDED
    if release is not None:
        await record_release(uow, encounter, release, from_status=EncounterStatus.AWAITING_CODING)
    uow.audit(
        tenant_id=command.tenant_id, actor=command.actor,
        action={IntakeOutcome.CREATED: "create", IntakeOutcome.AMENDED: "amend", IntakeOutcome.UNCHANGED: "resend"}[outcome],
        entity_type="encounter", entity_id=encounter.id,
        details={"status": encounter.status.value, "revision": encounter.revision, "version": encounter.version,
                 "auto_released": release is not None},
    )
    return IntakeResult(encounter, outcome)


def _check_provider_codes(encounter: Encounter, engine: EditEngine, policy: CodingPolicy, now: datetime) -> Release | None:
    """Run the edits on the working codes (if any) and keep the findings; release them when the policy
    allows and nothing blocks."""
    encounter.filing_deadline = policy.filing_deadline(encounter.document)
    if encounter.codes.is_empty:
        encounter.record_findings(None)
        return None
    report = engine.run(codes_under_edit(encounter))
    encounter.record_findings(report)
    if not policy.auto_release_clean_provider_codes:
        return None
    return encounter.auto_release(report, now=now)
