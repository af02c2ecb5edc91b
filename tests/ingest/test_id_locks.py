"""Per-id locks: the same id waits, other ids do not, overlapping sets cannot deadlock."""

from __future__ import annotations

import asyncio

import pytest

from services.ingest.id_locks import IdLocks

pytestmark = pytest.mark.asyncio


async def test_a_shared_id_waits_and_an_unrelated_one_does_not() -> None:
    locks = IdLocks()
    order: list[str] = []
    release = asyncio.Event()

    async def first() -> None:
        async with locks.hold(["a", "b"]):
            order.append("first in")
            await release.wait()
            order.append("first out")

    async def shared() -> None:
        async with locks.hold(["b"]):
            order.append("shared in")

    async def unrelated() -> None:
        async with locks.hold(["c"]):
            order.append("unrelated in")

    holder = asyncio.create_task(first())
    await asyncio.sleep(0)
    waiter = asyncio.create_task(shared())
    await asyncio.wait_for(unrelated(), timeout=1.0)  # would time out behind one global lock
    assert order == ["first in", "unrelated in"]
    release.set()
    await asyncio.gather(holder, waiter)
    assert order == ["first in", "unrelated in", "first out", "shared in"]
    assert len(locks) == 0  # nothing kept for ids no longer in use


async def test_overlapping_sets_in_any_order_do_not_deadlock() -> None:
    locks = IdLocks()
    done: list[int] = []

    async def worker(n: int, ids: list[str]) -> None:
        async with locks.hold(ids):
            await asyncio.sleep(0.001)
            done.append(n)

    # Each pair would deadlock the other if locks were taken in the order given.
    sets = [["x", "y", "z"], ["z", "y", "x"], ["y", "x"], ["z", "x"]] * 5
    await asyncio.wait_for(asyncio.gather(*(worker(i, ids) for i, ids in enumerate(sets))), timeout=5.0)
    assert sorted(done) == list(range(len(sets)))
    assert len(locks) == 0


async def test_a_waiter_cancelled_in_line_gives_up_its_place() -> None:
    locks = IdLocks()
    release = asyncio.Event()

    async def hold() -> None:
        async with locks.hold(["a"]):
            await release.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    waiting = asyncio.create_task(hold())
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    release.set()
    await holder
    assert len(locks) == 0
