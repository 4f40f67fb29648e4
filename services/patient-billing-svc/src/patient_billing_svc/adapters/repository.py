"""Repositories of patient-billing-svc, always inside one tenant: every query filters on tenant_id."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Select, Table, and_, bindparam, insert, select, true, update
from sqlalchemy.sql.dml import Update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from openrcm_shared.contracts import Address, PartyName
from openrcm_shared.db import constant_in_sql
from patient_billing_svc.adapters.orm import (
    dunning_steps, guarantor_accounts, ledger_entries, payer_answers, payment_plans, refund_items, statements,
    tenant_policies, visits,
)
from patient_billing_svc.domain.account import AccountStatus, Guarantor, GuarantorAccount
from patient_billing_svc.domain.dunning import DunningState, DunningStep
from patient_billing_svc.domain.ledger import (
    AdjustmentReason, AgingBucket, EntryType, Ledger, LedgerEntry, PatientShare, PaymentMethod, RemitRef,
)
from patient_billing_svc.domain.plan import PaymentPlan, PlanFrequency, PlanStatus
from patient_billing_svc.domain.policy import BillingPolicy
from patient_billing_svc.domain.refund import RefundItem, RefundStatus
from patient_billing_svc.domain.statement import IssuedStatement, StatementKind
from patient_billing_svc.domain.visit import PayerAnswer, Visit, VisitStatus

_g = guarantor_accounts.c


def _rows_where(table: Table, *columns: str) -> Select[Any]:
    """The rows of ``table`` whose tenant_id and each named column equal the bind parameters ``b_<column>``."""
    return select(table).where(*(table.c[name] == bindparam(f"b_{name}") for name in ("tenant_id", *columns)))


def _update_where_id(table: Table) -> Update:
    """UPDATE of the row with ``b_tenant_id`` and ``b_id``, setting the columns the parameters name."""
    return update(table).where(table.c.tenant_id == bindparam("b_tenant_id"), table.c.id == bindparam("b_id"))


# The statements of the per-event path (encounters and remits), built once: executed with a parameter dict
# they hit SQLAlchemy's compiled cache at once, where building them per call (``.where(... == value)``,
# ``.values(**row)``) re-created and re-keyed every clause (~20% of the service's CPU per event).
_ACCOUNT_BY_ID = _rows_where(guarantor_accounts, "id")
_ACCOUNT_BY_ID_FOR_UPDATE = _ACCOUNT_BY_ID.with_for_update()
_ACCOUNT_BY_PATIENT = _rows_where(guarantor_accounts, "patient_id")
_ACCOUNT_BY_PATIENT_FOR_UPDATE = _ACCOUNT_BY_PATIENT.with_for_update()
_INSERT_ACCOUNT = insert(guarantor_accounts)
_UPDATE_ACCOUNT = _update_where_id(guarantor_accounts)
_VISIT_BY_ENCOUNTER = _rows_where(visits, "encounter_id")
_VISIT_BY_ENCOUNTER_FOR_UPDATE = _VISIT_BY_ENCOUNTER.with_for_update()
_VISITS_OF_ACCOUNT = _rows_where(visits, "account_id").order_by(
    visits.c.service_date_from.desc(), visits.c.created_at.desc(), visits.c.id)
_INSERT_VISIT = insert(visits)
_UPDATE_VISIT = _update_where_id(visits)
_LEDGER_OF_ACCOUNT = _rows_where(ledger_entries, "account_id").order_by(ledger_entries.c.seq)
_INSERT_LEDGER_ENTRIES = insert(ledger_entries)
_OPEN_REFUND_OF_ACCOUNT = _rows_where(refund_items, "account_id").where(
    refund_items.c.status == constant_in_sql(RefundStatus.OPEN.value))
_PAYER_ANSWER_OF_REMIT_CLAIM = select(payer_answers.c.id).where(
    payer_answers.c.tenant_id == bindparam("b_tenant_id"), payer_answers.c.remit_claim_id == bindparam("b_remit_claim_id"))
_INSERT_PAYER_ANSWER = insert(payer_answers)
_PAYER_ANSWERS_OF_ACCOUNT = _rows_where(payer_answers, "account_id").order_by(payer_answers.c.received_at)


def _tenant_rows(table: Table, tenant_id: str, **equal: Any) -> Select[Any]:
    """The tenant's rows of ``table`` where each named column equals its value (a None value: no filter)."""
    query = select(table).where(table.c.tenant_id == tenant_id)
    for column, value in equal.items():
        if value is not None:
            query = query.where(table.c[column] == value)
    return query


def _status_condition(status: AccountStatus) -> ColumnElement[bool]:
    return {
        AccountStatus.PATIENT_DUE: _g.balance > 0,
        AccountStatus.INSURANCE_PENDING: _g.insurance_pending > 0,
        AccountStatus.CREDIT: _g.balance < 0,
        AccountStatus.SETTLED: and_(_g.balance == 0, _g.insurance_pending == 0),
        AccountStatus.PAYMENT_PLAN: _g.active_plan_id.is_not(None),
        AccountStatus.DISPUTED: _g.disputed.is_(true()),
        AccountStatus.COLLECTIONS: _g.dunning_step == DunningStep.COLLECTIONS.value,
    }[status]


def _aging_condition(bucket: AgingBucket, today: date) -> ColumnElement[bool]:
    """Accounts whose oldest open charge is in ``bucket`` as of ``today``."""
    youngest, oldest = bucket.age_range
    condition = _g.oldest_open_on <= today - timedelta(days=youngest)
    if oldest is not None:
        condition = and_(condition, _g.oldest_open_on >= today - timedelta(days=oldest))
    return and_(_g.balance > 0, condition)


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, tenant_id: str, account_id: uuid.UUID, *, for_update: bool = False) -> GuarantorAccount | None:
        return await self._one(_ACCOUNT_BY_ID_FOR_UPDATE if for_update else _ACCOUNT_BY_ID,
                               {"b_tenant_id": tenant_id, "b_id": account_id})

    async def find_by_patient(
        self, tenant_id: str, patient_id: str, *, for_update: bool = False
    ) -> GuarantorAccount | None:
        return await self._one(_ACCOUNT_BY_PATIENT_FOR_UPDATE if for_update else _ACCOUNT_BY_PATIENT,
                               {"b_tenant_id": tenant_id, "b_patient_id": patient_id})

    async def list(
        self, tenant_id: str, *, patient_id: str | None = None, status: AccountStatus | None = None,
        aging_bucket: AgingBucket | None = None, today: date | None = None, limit: int, offset: int,
    ) -> list[GuarantorAccount]:
        query = select(guarantor_accounts).where(guarantor_accounts.c.tenant_id == tenant_id)
        if patient_id is not None:
            query = query.where(guarantor_accounts.c.patient_id == patient_id)
        if status is not None:
            query = query.where(_status_condition(status))
        if aging_bucket is not None:
            if today is None:
                raise ValueError("aging needs the day it is computed for")
            query = query.where(_aging_condition(aging_bucket, today))
        query = query.order_by(guarantor_accounts.c.opened_at.desc(), guarantor_accounts.c.id)
        query = query.limit(limit).offset(offset)
        return [_account(row) for row in (await self._session.execute(query)).mappings()]

    async def add(self, account: GuarantorAccount, now: datetime) -> None:
        await self._session.execute(_INSERT_ACCOUNT, {**_account_row(account), "opened_at": now, "updated_at": now})

    async def save(self, account: GuarantorAccount, now: datetime) -> None:
        await self._session.execute(_UPDATE_ACCOUNT, {
            **_account_row(account), "updated_at": now, "b_tenant_id": account.tenant_id, "b_id": account.id})

    async def ids(self, tenant_id: str, *, condition: ColumnElement[bool] | None = None) -> list[uuid.UUID]:
        """Ids of the tenant's accounts (optionally only those matching ``condition``), oldest first."""
        query = select(guarantor_accounts.c.id).where(guarantor_accounts.c.tenant_id == tenant_id)
        if condition is not None:
            query = query.where(condition)
        return list((await self._session.scalars(query.order_by(guarantor_accounts.c.opened_at, _g.id))).all())

    async def owing_at_least(self, tenant_id: str, minimum: Any) -> list[uuid.UUID]:
        return await self.ids(tenant_id, condition=and_(_g.balance > 0, _g.balance >= minimum))

    async def in_dunning(self, tenant_id: str) -> list[uuid.UUID]:
        return await self.ids(tenant_id, condition=_g.dunning_step != DunningStep.NONE.value)

    async def owing_below(self, tenant_id: str, limit: Any) -> list[uuid.UUID]:
        return await self.ids(tenant_id, condition=and_(_g.balance > 0, _g.balance < limit))

    async def tenants(self) -> list[str]:
        """Every tenant with an account: the scheduled jobs run for each (the only cross-tenant query)."""
        return list((await self._session.scalars(select(guarantor_accounts.c.tenant_id).distinct())).all())

    async def _one(self, query: Select[Any], params: dict[str, Any]) -> GuarantorAccount | None:
        row = (await self._session.execute(query, params)).mappings().first()
        return _account(row) if row else None


class VisitRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find_by_encounter(
        self, tenant_id: str, encounter_id: uuid.UUID, *, for_update: bool = False
    ) -> Visit | None:
        query = _VISIT_BY_ENCOUNTER_FOR_UPDATE if for_update else _VISIT_BY_ENCOUNTER
        row = (await self._session.execute(query, {"b_tenant_id": tenant_id, "b_encounter_id": encounter_id})).mappings().first()
        return _visit(row) if row else None

    async def get(self, tenant_id: str, visit_id: uuid.UUID) -> Visit | None:
        query = select(visits).where(visits.c.tenant_id == tenant_id, visits.c.id == visit_id)
        row = (await self._session.execute(query)).mappings().first()
        return _visit(row) if row else None

    async def list_for_account(self, tenant_id: str, account_id: uuid.UUID) -> list[Visit]:
        rows = await self._session.execute(_VISITS_OF_ACCOUNT, {"b_tenant_id": tenant_id, "b_account_id": account_id})
        return [_visit(row) for row in rows.mappings()]

    async def add(self, visit: Visit, now: datetime) -> None:
        await self._session.execute(_INSERT_VISIT, {**_visit_row(visit), "created_at": now, "updated_at": now})

    async def save(self, visit: Visit, now: datetime) -> None:
        await self._session.execute(_UPDATE_VISIT, {
            **_visit_row(visit), "updated_at": now, "b_tenant_id": visit.tenant_id, "b_id": visit.id})


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def load(self, tenant_id: str, account_id: uuid.UUID) -> Ledger:
        rows = await self._session.execute(_LEDGER_OF_ACCOUNT, {"b_tenant_id": tenant_id, "b_account_id": account_id})
        return Ledger(account_id, [_entry(row) for row in rows.mappings()])

    async def add_new_entries(self, tenant_id: str, ledger: Ledger, now: datetime) -> None:
        """Insert what was posted since the ledger was loaded; existing rows are never touched."""
        if ledger.new_entries:
            await self._session.execute(_INSERT_LEDGER_ENTRIES, [_entry_row(tenant_id, e, now) for e in ledger.new_entries])
            ledger.new_entries.clear()


def _account_row(account: GuarantorAccount) -> dict[str, Any]:
    guarantor = account.guarantor
    return {
        "id": account.id,
        "tenant_id": account.tenant_id,
        "patient_id": account.patient_id,
        "guarantor": {
            "name": guarantor.name.model_dump(mode="json"),
            "address": guarantor.address.model_dump(mode="json") if guarantor.address else None,
        },
        "guarantor_is_patient": guarantor.is_patient,
        "guarantor_as_of": account.guarantor_as_of,
        "balance": account.balance,
        "insurance_pending": account.insurance_pending,
        "oldest_open_on": account.oldest_open_on,
        "dunning_step": account.dunning.step.value,
        "dunning_since": account.dunning.since,
        "disputed": account.disputed,
        "disputed_on": account.disputed_on,
        "active_plan_id": account.active_plan_id,
    }


def _account(row: Any) -> GuarantorAccount:
    doc = row["guarantor"]
    return GuarantorAccount(
        id=row["id"],
        tenant_id=row["tenant_id"],
        patient_id=row["patient_id"],
        guarantor=Guarantor(
            name=PartyName.model_validate(doc["name"]),
            address=Address.model_validate(doc["address"]) if doc.get("address") else None,
            is_patient=row["guarantor_is_patient"],
        ),
        guarantor_as_of=row["guarantor_as_of"],
        balance=row["balance"],
        insurance_pending=row["insurance_pending"],
        oldest_open_on=row["oldest_open_on"],
        dunning=DunningState(DunningStep(row["dunning_step"]), row["dunning_since"]),
        disputed_on=row["disputed_on"],
        active_plan_id=row["active_plan_id"],
    )


def _visit_row(visit: Visit) -> dict[str, Any]:
    return {
        "id": visit.id,
        "tenant_id": visit.tenant_id,
        "account_id": visit.account_id,
        "encounter_id": visit.encounter_id,
        "revision": visit.revision,
        "service_date_from": visit.service_date_from,
        "service_date_to": visit.service_date_to,
        "coverage_sequences": list(visit.coverage_sequences),
        "total_charge": visit.total_charge,
        "status": visit.status.value,
        "adjudicated_on": visit.adjudicated_on,
    }


def _visit(row: Any) -> Visit:
    return Visit(
        id=row["id"],
        tenant_id=row["tenant_id"],
        account_id=row["account_id"],
        encounter_id=row["encounter_id"],
        revision=row["revision"],
        service_date_from=row["service_date_from"],
        service_date_to=row["service_date_to"],
        coverage_sequences=tuple(row["coverage_sequences"]),
        total_charge=row["total_charge"],
        status=VisitStatus(row["status"]),
        adjudicated_on=row["adjudicated_on"],
    )


def _entry_row(tenant_id: str, entry: LedgerEntry, now: datetime) -> dict[str, Any]:
    share, remit = entry.patient_share, entry.remit
    return {
        "id": entry.id,
        "tenant_id": tenant_id,
        "account_id": entry.account_id,
        "visit_id": entry.visit_id,
        "encounter_id": entry.encounter_id,
        "entry_type": entry.entry_type.value,
        "amount": entry.amount,
        "entry_date": entry.entry_date,
        "posting_key": entry.posting_key,
        "source_event_id": entry.source_event_id,
        "deductible": share.deductible if share else None,
        "coinsurance": share.coinsurance if share else None,
        "copay": share.copay if share else None,
        "other_patient_responsibility": share.other if share else None,
        "payer_id": remit.payer_id if remit else None,
        "claim_id": remit.claim_id if remit else None,
        "remit_claim_id": remit.remit_claim_id if remit else None,
        "reverses_entry_id": entry.reverses_entry_id,
        "posted_at": now,
        "seq": entry.seq,
        "method": entry.method.value if entry.method else None,
        "reference": entry.reference,
        "reason": entry.reason.value if entry.reason else None,
    }


def _entry(row: Any) -> LedgerEntry:
    share = (
        PatientShare(
            deductible=row["deductible"], coinsurance=row["coinsurance"], copay=row["copay"],
            other=row["other_patient_responsibility"],
        )
        if row["deductible"] is not None
        else None
    )
    remit = (
        RemitRef(payer_id=row["payer_id"], claim_id=row["claim_id"], remit_claim_id=row["remit_claim_id"])
        if row["remit_claim_id"] is not None
        else None
    )
    return LedgerEntry(
        id=row["id"],
        account_id=row["account_id"],
        entry_type=EntryType(row["entry_type"]),
        amount=row["amount"],
        entry_date=row["entry_date"],
        posting_key=row["posting_key"],
        source_event_id=row["source_event_id"],
        visit_id=row["visit_id"],
        encounter_id=row["encounter_id"],
        patient_share=share,
        remit=remit,
        reverses_entry_id=row["reverses_entry_id"],
        seq=row["seq"],
        method=PaymentMethod(row["method"]) if row["method"] else None,
        reference=row["reference"],
        reason=AdjustmentReason(row["reason"]) if row["reason"] else None,
    )


class PayerAnswerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_once(self, tenant_id: str, account_id: uuid.UUID, answer: PayerAnswer, now: datetime) -> bool:
        """Record a payer's answer unless it is already recorded (a remit re-published under a new event id)."""
        exists = await self._session.scalar(
            _PAYER_ANSWER_OF_REMIT_CLAIM, {"b_tenant_id": tenant_id, "b_remit_claim_id": answer.remit_claim_id})
        if exists is not None:
            return False
        await self._session.execute(_INSERT_PAYER_ANSWER, {
            "id": uuid.uuid4(), "tenant_id": tenant_id, "account_id": account_id,
            "remit_claim_id": answer.remit_claim_id, "visit_id": answer.visit_id, "payer_id": answer.payer_id,
            "payer_name": answer.payer_name, "coverage_sequence": answer.coverage_sequence, "outcome": answer.outcome,
            "total_charge": answer.total_charge, "total_paid": answer.total_paid,
            "patient_share": answer.patient_share, "adjudicated_on": answer.adjudicated_on, "received_at": now,
        })
        return True

    async def list_for_account(self, tenant_id: str, account_id: uuid.UUID) -> list[PayerAnswer]:
        rows = await self._session.execute(_PAYER_ANSWERS_OF_ACCOUNT, {"b_tenant_id": tenant_id, "b_account_id": account_id})
        return [
            PayerAnswer(
                remit_claim_id=r["remit_claim_id"], visit_id=r["visit_id"], payer_id=r["payer_id"],
                payer_name=r["payer_name"], coverage_sequence=r["coverage_sequence"], outcome=r["outcome"],
                total_charge=r["total_charge"], total_paid=r["total_paid"], patient_share=r["patient_share"],
                adjudicated_on=r["adjudicated_on"],
            )
            for r in rows.mappings()
        ]


def _statement(row: Any) -> IssuedStatement:
    return IssuedStatement(
        id=row["id"], account_id=row["account_id"], kind=StatementKind(row["kind"]),
        statement_date=row["statement_date"], due_date=row["due_date"], amount_due=row["amount_due"],
        pay_now=row["pay_now"], trigger=row["trigger"], content=row["content"], issued_at=row["issued_at"],
    )


class StatementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, tenant_id: str, statement: IssuedStatement, *, issued_by: str) -> None:
        await self._session.execute(insert(statements).values(
            id=statement.id, tenant_id=tenant_id, account_id=statement.account_id, kind=statement.kind.value,
            statement_date=statement.statement_date, due_date=statement.due_date, amount_due=statement.amount_due,
            pay_now=statement.pay_now, trigger=statement.trigger, content=statement.content,
            issued_at=statement.issued_at, issued_by=issued_by,
        ))

    async def issued(self, tenant_id: str, account_id: uuid.UUID, statement_date: date, kind: StatementKind) -> bool:
        query = _tenant_rows(statements, tenant_id, account_id=account_id, statement_date=statement_date, kind=kind)
        return (await self._session.execute(query.limit(1))).first() is not None

    async def get(self, tenant_id: str, statement_id: uuid.UUID) -> IssuedStatement | None:
        row = (await self._session.execute(_tenant_rows(statements, tenant_id, id=statement_id))).mappings().first()
        return _statement(row) if row else None

    async def list(
        self, tenant_id: str, *, account_id: uuid.UUID | None, date_from: date | None, date_to: date | None,
        kind: StatementKind | None, limit: int, offset: int,
    ) -> list[IssuedStatement]:
        t = statements.c
        query = _tenant_rows(statements, tenant_id, account_id=account_id, kind=kind)
        if date_from is not None:
            query = query.where(t.statement_date >= date_from)
        if date_to is not None:
            query = query.where(t.statement_date <= date_to)
        query = query.order_by(t.statement_date.desc(), t.issued_at.desc(), t.id).limit(limit).offset(offset)
        return [_statement(row) for row in (await self._session.execute(query)).mappings()]


class DunningRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self, tenant_id: str, account_id: uuid.UUID, step: str, on: date, patient_due: Any,
        statement_id: uuid.UUID | None, now: datetime,
    ) -> None:
        await self._session.execute(insert(dunning_steps).values(
            id=uuid.uuid4(), tenant_id=tenant_id, account_id=account_id, step=step, on_date=on,
            patient_due=patient_due, statement_id=statement_id, recorded_at=now,
        ))

    async def history(self, tenant_id: str, account_id: uuid.UUID) -> list[dict[str, Any]]:
        t = dunning_steps.c
        query = (
            select(t.step, t.on_date, t.patient_due, t.statement_id)
            .where(t.tenant_id == tenant_id, t.account_id == account_id)
            .order_by(t.on_date, t.recorded_at)
        )
        return [dict(row) for row in (await self._session.execute(query)).mappings()]


class PlanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, plan: PaymentPlan, now: datetime) -> None:
        await self._session.execute(insert(payment_plans).values(**_plan_row(plan), created_at=now, updated_at=now))

    async def save(self, plan: PaymentPlan, now: datetime) -> None:
        t = payment_plans.c
        await self._session.execute(
            update(payment_plans).where(t.tenant_id == plan.tenant_id, t.id == plan.id)
            .values(**_plan_row(plan), updated_at=now)
        )

    async def get(self, tenant_id: str, plan_id: uuid.UUID) -> PaymentPlan | None:
        return await self._first(_tenant_rows(payment_plans, tenant_id, id=plan_id))

    async def active_for_account(self, tenant_id: str, account_id: uuid.UUID) -> PaymentPlan | None:
        return await self._first(_tenant_rows(payment_plans, tenant_id, account_id=account_id,
                                              status=PlanStatus.ACTIVE))

    async def list(
        self, tenant_id: str, *, account_id: uuid.UUID | None = None, status: PlanStatus | None = None,
        limit: int = 200, offset: int = 0,
    ) -> list[PaymentPlan]:
        t = payment_plans.c
        query = _tenant_rows(payment_plans, tenant_id, account_id=account_id, status=status)
        query = query.order_by(t.created_at.desc(), t.id).limit(limit).offset(offset)
        return [_plan(row) for row in (await self._session.execute(query)).mappings()]

    async def active_ids(self, tenant_id: str) -> list[uuid.UUID]:
        t = payment_plans.c
        query = select(t.id).where(t.tenant_id == tenant_id, t.status == PlanStatus.ACTIVE.value).order_by(t.created_at)
        return list((await self._session.scalars(query)).all())

    async def _first(self, query: Select[Any]) -> PaymentPlan | None:
        row = (await self._session.execute(query)).mappings().first()
        return _plan(row) if row else None


def _plan_row(plan: PaymentPlan) -> dict[str, Any]:
    return {
        "id": plan.id, "tenant_id": plan.tenant_id, "account_id": plan.account_id, "total": plan.total,
        "installment_amount": plan.installment_amount, "frequency": plan.frequency.value,
        "first_due_on": plan.first_due_on, "created_on": plan.created_on, "status": plan.status.value,
        "missed_installments": plan.missed_installments, "ended_on": plan.ended_on,
    }


def _plan(row: Any) -> PaymentPlan:
    return PaymentPlan(
        id=row["id"], tenant_id=row["tenant_id"], account_id=row["account_id"], total=row["total"],
        installment_amount=row["installment_amount"], frequency=PlanFrequency(row["frequency"]),
        first_due_on=row["first_due_on"], created_on=row["created_on"], status=PlanStatus(row["status"]),
        missed_installments=row["missed_installments"], ended_on=row["ended_on"],
    )


class RefundRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def open_for_account(self, tenant_id: str, account_id: uuid.UUID) -> RefundItem | None:
        rows = await self._session.execute(_OPEN_REFUND_OF_ACCOUNT, {"b_tenant_id": tenant_id, "b_account_id": account_id})
        row = rows.mappings().first()
        return _refund(row) if row else None

    async def get(self, tenant_id: str, item_id: uuid.UUID) -> RefundItem | None:
        return await self._first(_tenant_rows(refund_items, tenant_id, id=item_id))

    async def upsert(self, item: RefundItem, now: datetime, *, new: bool) -> None:
        t = refund_items.c
        values = {
            "id": item.id, "tenant_id": item.tenant_id, "account_id": item.account_id, "amount": item.amount,
            "status": item.status.value, "created_on": item.created_on, "resolved_on": item.resolved_on,
            "refund_entry_id": item.refund_entry_id, "updated_at": now,
        }
        if new:
            await self._session.execute(insert(refund_items).values(**values))
        else:
            await self._session.execute(
                update(refund_items).where(t.tenant_id == item.tenant_id, t.id == item.id).values(**values)
            )

    async def list(
        self, tenant_id: str, *, status: RefundStatus | None, account_id: uuid.UUID | None, limit: int, offset: int,
    ) -> list[RefundItem]:
        t = refund_items.c
        query = _tenant_rows(refund_items, tenant_id, status=status, account_id=account_id)
        query = query.order_by(t.created_on, t.id).limit(limit).offset(offset)
        return [_refund(row) for row in (await self._session.execute(query)).mappings()]

    async def _first(self, query: Select[Any]) -> RefundItem | None:
        row = (await self._session.execute(query)).mappings().first()
        return _refund(row) if row else None


def _refund(row: Any) -> RefundItem:
    return RefundItem(
        id=row["id"], tenant_id=row["tenant_id"], account_id=row["account_id"], amount=row["amount"],
        status=RefundStatus(row["status"]), created_on=row["created_on"], resolved_on=row["resolved_on"],
        refund_entry_id=row["refund_entry_id"],
    )


_POLICY: TypeAdapter[BillingPolicy] = TypeAdapter(BillingPolicy)


class PolicyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, tenant_id: str) -> BillingPolicy:
        """The tenant's policy, or the defaults when it never set one."""
        doc = await self._session.scalar(
            select(tenant_policies.c.policy).where(tenant_policies.c.tenant_id == tenant_id)
        )
        return BillingPolicy() if doc is None else _POLICY.validate_python(doc)

    async def put(self, tenant_id: str, policy: BillingPolicy, *, actor: str, now: datetime) -> None:
        doc = _POLICY.dump_python(policy, mode="json")
        t = tenant_policies.c
        updated = await self._session.execute(
            update(tenant_policies).where(t.tenant_id == tenant_id).values(policy=doc, updated_at=now, updated_by=actor)
        )
        if updated.rowcount == 0:  # type: ignore[attr-defined]
            try:
                async with self._session.begin_nested():
                    await self._session.execute(insert(tenant_policies).values(
                        tenant_id=tenant_id, policy=doc, updated_at=now, updated_by=actor,
                    ))
            except IntegrityError:  # another request set the tenant's first policy meanwhile: last one wins
                await self._session.execute(
                    update(tenant_policies).where(t.tenant_id == tenant_id)
                    .values(policy=doc, updated_at=now, updated_by=actor)
                )
