"""Use cases on the tenant's reference data: create, replace, delete, import (all or nothing), read.

The API checks each item's own fields; these use cases check what needs the database (a payer's
route exists, fee schedule ranges do not overlap, a route names a configured clearinghouse, a route
in use is not deleted) and answer every problem at once, storing nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from claims_svc.adapters.reference_repository import (
    BILLING_PROFILES, FEE_SCHEDULE, PAYERS, ROUTES, ReferenceKind, ReferenceStore, fee_entries_by_identity,
)
from claims_svc.domain.reference import FeeScheduleEntry, Payer, SubmissionRoute, overlapping_entries
from openrcm_shared.db import UnitOfWork, utcnow
from openrcm_shared.problems import Conflict, InvalidInput, NotFound

T = TypeVar("T")
Problem = dict[str, Any]


@dataclass(frozen=True)
class ReferenceContext:
    tenant_id: str
    clearinghouses: frozenset[str]  # connection names the service is configured with


Check = Callable[[AsyncSession, ReferenceContext, Sequence[T], Sequence[str]], Awaitable[list[Problem]]]


async def _no_check(session: AsyncSession, ctx: ReferenceContext, items: Sequence[Any],
                    pointers: Sequence[str]) -> list[Problem]:
    return []


@dataclass(frozen=True)
class ReferenceRules(Generic[T]):
    kind: ReferenceKind[T]
    check: Check[T] = _no_check
    #: Before an import: give items the keys of the rows they replace (fee schedule rows are found by content).
    identify: Callable[[AsyncSession, str, list[T]], Awaitable[list[T]]] | None = None


def problem(pointer: str, message: str, code: str) -> Problem:
    return {"pointer": pointer, "location": "body", "message": message, "code": code}


# ---------------------------------------------------------------- checks needing the database
async def _payer_routes_exist(session: AsyncSession, ctx: ReferenceContext, items: Sequence[Payer],
                              pointers: Sequence[str]) -> list[Problem]:
    wanted = {payer.route_id for payer in items if payer.route_id}
    known = {route.route_id for route in await ReferenceStore(session, ROUTES).find(ctx.tenant_id, route_id=list(wanted))}
    return [problem(f"{pointer}/route_id", "no route with this id; create it under /v1/routes first", "unknown_route")
            for payer, pointer in zip(items, pointers) if payer.route_id and payer.route_id not in known]


async def _fee_ranges_do_not_overlap(session: AsyncSession, ctx: ReferenceContext, items: Sequence[FeeScheduleEntry],
                                     pointers: Sequence[str]) -> list[Problem]:
    ids = {item.id for item in items}
    stored = [entry for entry in await ReferenceStore(session, FEE_SCHEDULE).find(
        ctx.tenant_id, procedure_code=sorted({item.procedure_code for item in items})) if entry.id not in ids]
    entries = [*items, *stored]
    problems = {}
    for a, b in overlapping_entries(entries):
        for mine, other in ((a, b), (b, a)):
            if mine < len(items) and mine not in problems:
                when = entries[other].effective_from.isoformat()
                problems[mine] = problem(f"{pointers[mine]}/effective_from",
                                         f"overlaps the entry for the same code and modifier effective {when}",
                                         "overlapping_range")
    return [problems[index] for index in sorted(problems)]


async def _clearinghouse_configured(session: AsyncSession, ctx: ReferenceContext, items: Sequence[SubmissionRoute],
                                    pointers: Sequence[str]) -> list[Problem]:
    known = ", ".join(sorted(ctx.clearinghouses)) or "none"
    return [problem(f"{pointer}/clearinghouse", f"not a configured clearinghouse connection (configured: {known})",
                    "unknown_clearinghouse")
            for route, pointer in zip(items, pointers) if route.clearinghouse not in ctx.clearinghouses]


async def _fee_ids_by_identity(session: AsyncSession, tenant_id: str,
                               items: list[FeeScheduleEntry]) -> list[FeeScheduleEntry]:
    known = await fee_entries_by_identity(session, tenant_id, sorted({item.procedure_code for item in items}))
    return [replace(item, id=known.get((item.procedure_code, item.modifier, item.effective_from), item.id))
            for item in items]


PAYER_RULES = ReferenceRules(PAYERS, check=_payer_routes_exist)
FEE_RULES = ReferenceRules(FEE_SCHEDULE, check=_fee_ranges_do_not_overlap, identify=_fee_ids_by_identity)
BILLING_PROFILE_RULES = ReferenceRules(BILLING_PROFILES)
ROUTE_RULES = ReferenceRules(ROUTES, check=_clearinghouse_configured)


# ---------------------------------------------------------------- use cases
async def _checked(uow: UnitOfWork, ctx: ReferenceContext, rules: ReferenceRules[T], items: Sequence[T],
                   pointers: Sequence[str]) -> None:
    problems = await rules.check(uow.session, ctx, items, pointers)
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s) with the {rules.kind.name} data; see `errors`.", errors=problems)


async def create(uow: UnitOfWork, ctx: ReferenceContext, rules: ReferenceRules[T], item: T) -> T:
    store = ReferenceStore(uow.session, rules.kind)
    if await store.get(ctx.tenant_id, rules.kind.key_of(item)) is not None:
        raise Conflict(f"A {rules.kind.name} with this id exists already; change it with PUT.")
    await _checked(uow, ctx, rules, [item], [""])
    await store.add(ctx.tenant_id, item, utcnow())
    await uow.commit()
    return item


async def replace_item(uow: UnitOfWork, ctx: ReferenceContext, rules: ReferenceRules[T], key: Any, item: T) -> T:
    if rules.kind.key_of(item) != key:
        raise InvalidInput("The body names another id than the path.", errors=[
            problem(f"/{rules.kind.key_column}", "differs from the id in the path", "id_mismatch")])
    store = ReferenceStore(uow.session, rules.kind)
    if await store.get(ctx.tenant_id, key, for_update=True) is None:
        raise NotFound(f"No {rules.kind.name} with that id.")
    await _checked(uow, ctx, rules, [item], [""])
    await store.replace(ctx.tenant_id, item, utcnow())
    await uow.commit()
    return item


async def delete(uow: UnitOfWork, ctx: ReferenceContext, rules: ReferenceRules[Any], key: Any) -> None:
    if rules.kind is ROUTES:
        users = await ReferenceStore(uow.session, PAYERS).find(ctx.tenant_id, route_id=key, limit=1)
        if users:
            raise Conflict("Payers still use this route; move them to another route first.")
    if not await ReferenceStore(uow.session, rules.kind).remove(ctx.tenant_id, key):
        raise NotFound(f"No {rules.kind.name} with that id.")
    await uow.commit()


async def import_items(uow: UnitOfWork, ctx: ReferenceContext, rules: ReferenceRules[T], items: list[T],
                       pointers: Sequence[str]) -> tuple[int, int]:
    """Create or replace every item, or none of them; (created, replaced)."""
    keys: dict[Any, str] = {}
    problems = []
    if rules.identify is not None:
        items = await rules.identify(uow.session, ctx.tenant_id, items)
    for item, pointer in zip(items, pointers):
        key = rules.kind.key_of(item)
        if key in keys:
            problems.append(problem(pointer, f"repeats the {rules.kind.name} of {keys[key]}", "duplicate_row"))
        keys.setdefault(key, pointer)
    problems += await rules.check(uow.session, ctx, items, pointers)
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s) in the file; nothing was imported. See `errors`.",
                           errors=problems)
    counts = await ReferenceStore(uow.session, rules.kind).upsert(ctx.tenant_id, items, utcnow())
    await uow.commit()
    return counts


async def get(uow: UnitOfWork, ctx: ReferenceContext, rules: ReferenceRules[T], key: Any) -> T:
    found = await ReferenceStore(uow.session, rules.kind).get(ctx.tenant_id, key)
    if found is None:
        raise NotFound(f"No {rules.kind.name} with that id.")
    return found


async def find(uow: UnitOfWork, ctx: ReferenceContext, rules: ReferenceRules[T], *, limit: int, offset: int,
               **equal: Any) -> list[T]:
    return await ReferenceStore(uow.session, rules.kind).find(ctx.tenant_id, limit=limit, offset=offset, **equal)
