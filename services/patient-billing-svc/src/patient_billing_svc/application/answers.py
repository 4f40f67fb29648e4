"""Committing a use case together with its HTTP answer when the request carries an Idempotency-Key."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from openrcm_shared import idempotency
from openrcm_shared.db import UnitOfWork
from openrcm_shared.idempotency import Claim, StoredResponse

R = TypeVar("R")

#: How the entrypoint answers a use case's result; with an Idempotency-Key it is stored with the effect.
Respond = Callable[[R], StoredResponse]


async def commit_answering(uow: UnitOfWork, result: R, claim: Claim | None, respond: Respond[R] | None) -> R:
    """Commit the use case; with a ``claim``, store ``respond(result)`` in the same transaction first."""
    if claim is not None:
        if respond is None:
            raise ValueError("an Idempotency-Key claim needs a response to store")
        await idempotency.complete(uow, claim, respond(result))
    await uow.commit()
    return result
