"""Use cases of physician queries: a coder asks, the provider answers through the EHR, or the coder
withdraws; and the query lists coding managers and EHRs read."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from coding_svc.adapters.repository import EncounterRepository, PolicyRepository, QueryRepository
from coding_svc.application.coding_work import CoderAction, load_encounter
from coding_svc.application.queries import commit_listing
from coding_svc.domain.physician_query import InvalidAnswer, PhysicianQuery, QueryStatus
from openrcm_shared.db import UnitOfWork, utcnow
from openrcm_shared.problems import InvalidInput, NotFound


@dataclass(frozen=True)
class AskQuery:
    action: CoderAction
    question: str
    options: tuple[str, ...] | None
    provider_npi: str | None  # None: the encounter's rendering provider (else its billing provider)


@dataclass(frozen=True)
class AnswerQuery:
    tenant_id: str
    actor: str
    query_id: uuid.UUID
    answer: str | None
    chosen_option: str | None


async def ask_query(uow: UnitOfWork, command: AskQuery) -> PhysicianQuery:
    """The claim holder asks; the encounter waits in query_pending, unclaimed, until the answer."""
    action = command.action
    encounter = await load_encounter(uow, action.tenant_id, action.encounter_id)
    doc = encounter.document
    npi = command.provider_npi or (doc.rendering_provider or doc.billing_provider).npi
    now = utcnow()
    resume = encounter.await_query(action.coder, now=now)
    query = PhysicianQuery.ask(
        tenant_id=action.tenant_id, encounter_id=encounter.id, provider_npi=npi, asked_by=action.coder,
        question=command.question, options=command.options, resume_status=resume, now=now,
    )
    await QueryRepository(uow.session).add(query)
    await EncounterRepository(uow.session).save(encounter, now)
    uow.audit(
        tenant_id=action.tenant_id, actor=action.coder, action="ask_query", entity_type="encounter",
        entity_id=encounter.id, details={"query_id": str(query.id), "provider_npi": npi},
    )
    await uow.commit()
    return query


async def answer_query(uow: UnitOfWork, command: AnswerQuery) -> PhysicianQuery:
    """The provider's answer: the encounter goes back to its queue, claimed again by the coder who asked."""

    def answer(query: PhysicianQuery, now: datetime) -> str:
        try:
            query.record_answer(answer=command.answer, chosen_option=command.chosen_option, by=command.actor, now=now)
        except InvalidAnswer as exc:
            raise InvalidInput(
                "The answer does not fit the query; see `errors`.",
                errors=[{"pointer": exc.pointer, "location": "body", "message": exc.message, "code": "invalid"}],
            ) from None
        return query.asked_by

    return await _close(uow, command.tenant_id, command.actor, command.query_id, answer, "answer_query")


async def withdraw_query(uow: UnitOfWork, *, tenant_id: str, coder: str, query_id: uuid.UUID) -> PhysicianQuery:
    """A coder takes the question back: the encounter returns to its queue, claimed by that coder."""

    def withdraw(query: PhysicianQuery, now: datetime) -> str:
        query.withdraw(by=coder, now=now)
        return coder

    return await _close(uow, tenant_id, coder, query_id, withdraw, "withdraw_query")


#: Closes an open query (answer or withdrawal) and names the coder the encounter goes back to.
CloseQuery = Callable[[PhysicianQuery, datetime], str]


async def _close(
    uow: UnitOfWork, tenant_id: str, actor: str, query_id: uuid.UUID, close: CloseQuery, what: str
) -> PhysicianQuery:
    queries = QueryRepository(uow.session)
    found = await queries.get(tenant_id, query_id)
    if found is None:
        raise NotFound("No query with that id.")
    # Lock order everywhere: the encounter, then its query.
    encounter = await load_encounter(uow, tenant_id, found.encounter_id)
    query = await queries.get(tenant_id, query_id, for_update=True)
    assert query is not None
    now = utcnow()
    back_to = close(query, now)
    policy = await PolicyRepository(uow.session).get(tenant_id)
    encounter.resume_after_query(query.resume_status, back_to, now=now, minutes=policy.claim_minutes)
    await queries.save(query)
    await EncounterRepository(uow.session).save(encounter, now)
    uow.audit(
        tenant_id=tenant_id, actor=actor, action=what, entity_type="encounter", entity_id=encounter.id,
        details={"query_id": str(query.id), "status": encounter.status.value, "claimed_by": back_to},
    )
    await uow.commit()
    return query


async def get_query(uow: UnitOfWork, *, tenant_id: str, actor: str, query_id: uuid.UUID) -> PhysicianQuery:
    query = await QueryRepository(uow.session).get(tenant_id, query_id)
    if query is None:
        raise NotFound("No query with that id.")
    uow.audit(tenant_id=tenant_id, actor=actor, action="read", entity_type="physician_query", entity_id=query_id)
    await uow.commit()
    return query


async def list_queries(
    uow: UnitOfWork, *, tenant_id: str, actor: str, status: QueryStatus | None, provider_npi: str | None,
    encounter_id: uuid.UUID | None = None, limit: int, offset: int,
) -> list[PhysicianQuery]:
    found = await QueryRepository(uow.session).list(
        tenant_id, status=status, provider_npi=provider_npi, encounter_id=encounter_id, limit=limit, offset=offset
    )
    await commit_listing(uow, tenant_id=tenant_id, actor=actor, entity_type="physician_query", ids=(q.id for q in found))
    return found
