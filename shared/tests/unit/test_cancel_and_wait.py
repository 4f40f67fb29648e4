"""Background tasks stop at shutdown even when one cancellation is swallowed."""

from __future__ import annotations

import asyncio

from openrcm_shared.runtime import cancel_and_wait


async def test_a_task_that_swallows_one_cancellation_is_cancelled_again():
    swallowed = []

    async def stubborn() -> None:
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed.append(1)  # what asyncio.wait_for does on 3.11 when a result races the cancel

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await asyncio.wait_for(cancel_and_wait([task]), timeout=10)
    assert task.cancelled() and swallowed == [1]


async def test_finished_and_failed_tasks_are_fine():
    async def fails() -> None:
        raise RuntimeError("boom")

    done = asyncio.create_task(asyncio.sleep(0))
    failed = asyncio.create_task(fails())
    await asyncio.sleep(0.01)
    await cancel_and_wait([done, failed])
    assert done.done() and failed.done()
