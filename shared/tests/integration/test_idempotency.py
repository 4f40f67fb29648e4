"""Idempotency-Key claims, replays, conflicts and expiry against real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import Column, MetaData, String, Table, Uuid, func, insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from openrcm_shared import idempotency
from openrcm_shared.db import UnitOfWorkFactory, create_engine, idempotency_keys, platform_metadata, utcnow
from openrcm_shared.idempotency import (
    Claim, IdempotencyKeyInProgress, IdempotencyKeyReused, IdempotentRequest, Replay, StoredResponse,
    request_fingerprint,
)

effects_metadata = MetaData()
effects = Table("test_idem_effects", effects_metadata, Column("id", Uuid, primary_key=True), Column("note", String(40)))


@pytest.fixture
async def engine(postgres_url):
    engine = create_engine(postgres_url)
    async with engine.begin() as connection:
        await connection.run_sync(platform_metadata.create_all)
        await connection.run_sync(effects_metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def uows(engine) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(async_sessionmaker(engine, expire_on_commit=False))


def request(body: object = None, *, key: str = "key-1", client: str = "ehr-1", tenant: str = "t1") -> IdempotentRequest:
    body = {"amount": "10.00"} if body is None else body
    return IdempotentRequest(tenant, client, key, request_fingerprint("POST", "/v1/things", body))


async def _count(engine, table) -> int:  # type: ignore[no-untyped-def]
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)))


async def run_once(uows: UnitOfWorkFactory, req: IdempotentRequest, note: str = "done") -> StoredResponse:
    """A use case: one effect and its stored response, in one transaction."""
    async with uows() as uow:
        outcome = await idempotency.begin(uow, req)
        if isinstance(outcome, Replay):
            return outcome
        thing = uuid.uuid4()
        await uow.session.execute(insert(effects).values(id=thing, note=note))
        response = StoredResponse(201, {"id": str(thing)}, {"Location": f"/v1/things/{thing}"})
        await idempotency.complete(uow, outcome, response)
        await uow.commit()
        return response


def test_fingerprint_is_canonical_and_covers_method_path_and_body():
    assert request_fingerprint("post", "/a", {"x": 1, "y": [1, 2]}) == request_fingerprint("POST", "/a", {"y": [1, 2], "x": 1})
    assert request_fingerprint("POST", "/a", {"x": 1}) != request_fingerprint("PUT", "/a", {"x": 1})
    assert request_fingerprint("POST", "/a", {"x": 1}) != request_fingerprint("POST", "/b", {"x": 1})
    assert request_fingerprint("POST", "/a", {"x": 1}) != request_fingerprint("POST", "/a", {"x": 2})


async def test_a_retry_gets_the_first_response_replayed_and_no_second_effect(engine, uows):
    first = await run_once(uows, request())
    again = await run_once(uows, request())
    assert isinstance(again, Replay) and not isinstance(first, Replay)
    assert (again.status, again.body, dict(again.headers)) == (first.status, first.body, dict(first.headers))
    assert again.to_response().headers["idempotent-replayed"] == "true"
    assert await _count(engine, effects) == 1


async def test_same_key_with_a_different_body_is_refused_with_422(engine, uows):
    await run_once(uows, request({"amount": "10.00"}))
    with pytest.raises(IdempotencyKeyReused) as caught:
        await run_once(uows, request({"amount": "99.00"}))
    assert caught.value.status == 422
    assert await _count(engine, effects) == 1


async def test_a_retry_while_the_first_runs_gets_409_and_a_different_body_still_422(uows):
    async with uows() as first:
        claim = await idempotency.begin(first, request())
        assert isinstance(claim, Claim)
        # The claim is committed at once: another request sees it while the first is still running.
        async with uows() as retry:
            with pytest.raises(IdempotencyKeyInProgress) as caught:
                await idempotency.begin(retry, request())
            assert caught.value.status == 409
        async with uows() as other:
            with pytest.raises(IdempotencyKeyReused):
                await idempotency.begin(other, request({"amount": "1.00"}))


async def test_keys_are_scoped_to_tenant_and_client(engine, uows):
    await run_once(uows, request(client="ehr-1", tenant="t1"))
    other_client = await run_once(uows, request({"amount": "5.00"}, client="ehr-2", tenant="t1"))
    other_tenant = await run_once(uows, request({"amount": "6.00"}, client="ehr-1", tenant="t2"))
    assert not isinstance(other_client, Replay) and not isinstance(other_tenant, Replay)
    assert await _count(engine, effects) == 3


async def test_a_failed_attempt_releases_the_key_and_leaves_no_effect(engine, uows):
    async with uows() as uow:
        claim = await idempotency.begin(uow, request())
        assert isinstance(claim, Claim)
        with pytest.raises(RuntimeError):
            async with idempotency.released_on_failure(uow, claim):
                await uow.session.execute(insert(effects).values(id=uuid.uuid4(), note="half"))
                await idempotency.complete(uow, claim, StoredResponse(201, {}))
                raise RuntimeError("the use case failed before committing")
    assert await _count(engine, idempotency_keys) == 0
    assert await _count(engine, effects) == 0
    retried = await run_once(uows, request())  # the client may retry with the same key
    assert retried.status == 201 and not isinstance(retried, Replay)
    assert await _count(engine, effects) == 1


async def test_an_expired_key_can_be_used_again_even_for_another_request(engine, uows):
    await run_once(uows, request({"amount": "10.00"}))
    later = utcnow() + timedelta(hours=24, seconds=1)
    async with uows() as uow:
        claim = await idempotency.begin(uow, request({"amount": "20.00"}), now=later)
        assert isinstance(claim, Claim) and claim.started_at == later
    async with engine.connect() as connection:
        row = (await connection.execute(select(idempotency_keys))).mappings().one()
    assert row["status"] == "in_progress" and row["response_body"] is None
    assert row["expires_at"] == later + timedelta(hours=24)


async def test_a_key_is_kept_for_24_hours(uows):
    first = await run_once(uows, request())
    async with uows() as uow:
        replay = await idempotency.begin(uow, request(), now=utcnow() + timedelta(hours=23, minutes=59))
    assert isinstance(replay, Replay) and replay.body == first.body


async def test_an_abandoned_claim_is_taken_over_and_the_stale_attempt_cannot_commit(engine, uows):
    async with uows() as stale:
        old_claim = await idempotency.begin(stale, request())
        assert isinstance(old_claim, Claim)
        # Its process stalls; after stale_after a retry takes the key over and completes.
        async with uows() as retry:
            new_claim = await idempotency.begin(retry, request(), now=utcnow() + timedelta(minutes=3))
            assert isinstance(new_claim, Claim)
            await retry.session.execute(insert(effects).values(id=uuid.uuid4(), note="retry"))
            await idempotency.complete(retry, new_claim, StoredResponse(201, {"by": "retry"}))
            await retry.commit()
        await stale.session.execute(insert(effects).values(id=uuid.uuid4(), note="stale"))
        with pytest.raises(IdempotencyKeyInProgress):
            await idempotency.complete(stale, old_claim, StoredResponse(201, {"by": "stale"}))
    async with engine.connect() as connection:
        notes = (await connection.execute(select(effects.c.note))).scalars().all()
    assert notes == ["retry"]


async def test_twenty_concurrent_claims_one_wins_the_rest_get_409(uows):
    async def attempt() -> object:
        async with uows() as uow:
            try:
                return await idempotency.begin(uow, request())
            except IdempotencyKeyInProgress as exc:
                return exc

    outcomes = await asyncio.gather(*(attempt() for _ in range(20)))
    assert sum(isinstance(o, Claim) for o in outcomes) == 1
    assert sum(isinstance(o, IdempotencyKeyInProgress) for o in outcomes) == 19


async def test_twenty_concurrent_runs_make_one_effect(engine, uows):
    async def attempt() -> object:
        try:
            return await run_once(uows, request())
        except IdempotencyKeyInProgress as exc:
            return exc

    outcomes = await asyncio.gather(*(attempt() for _ in range(20)))
    answered = [o for o in outcomes if isinstance(o, StoredResponse)]
    assert sum(not isinstance(o, Replay) for o in answered) == 1
    assert len({str(o.body) for o in answered}) == 1
    assert all(isinstance(o, (StoredResponse, IdempotencyKeyInProgress)) for o in outcomes)
    assert await _count(engine, effects) == 1


async def test_purge_removes_only_expired_keys(engine, uows):
    await run_once(uows, request(key="old"))
    await run_once(uows, request(key="new"))
    async with uows() as uow:
        await uow.session.execute(
            idempotency_keys.update().where(idempotency_keys.c.key == "old").values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await uow.commit()
    async with uows() as uow:
        assert await idempotency.purge_expired(uow.session) == 1
    async with engine.connect() as connection:
        assert (await connection.execute(select(idempotency_keys.c.key))).scalars().all() == ["new"]
