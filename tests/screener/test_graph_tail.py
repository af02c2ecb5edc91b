"""Two replicas in one group: a fan-in whose senders sit on the other replica's partitions is still seen."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from faststream import FastStream

from schemas import Action, Decision
from services.screener.adapters.lists import load_watchlist
from services.screener.bootstrap import build_app
from tests.screener.crafted import stream
from tests.screener.stream_settings import screener_settings
from tests.streams import consume_until, fresh_topics

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio]


def _owned(app: FastStream) -> set[int]:
    subscriber: Any = next(iter(app.broker.subscribers))  # type: ignore[union-attr]
    consumer = subscriber.consumer
    return {tp.partition for tp in consumer.assignment()} if consumer is not None else set()


async def _balanced(apps: list[FastStream], within: float = 60.0) -> list[set[int]]:
    """Wait until the group has settled with both replicas owning two partitions each."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        owned = [_owned(app) for app in apps]
        if all(len(o) == 2 for o in owned) and set().union(*owned) == {0, 1, 2, 3}:
            return owned
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"the group did not settle: {owned}")
        await asyncio.sleep(0.2)


@pytest.mark.parametrize("tail", [True, False], ids=["tail", "own-partitions-only"])
async def test_the_replica_screening_the_last_sender_sees_the_whole_fan_in(kafka_bootstrap: str, tail: bool) -> None:
    names = await fresh_topics(kafka_bootstrap)
    settings = screener_settings(kafka_bootstrap, names, graph_tail=tail)
    apps = [build_app(settings, load_watchlist()), build_app(settings, load_watchlist())]
    for app in apps:
        await app.start()
    try:
        first, second = await _balanced(apps)
        fan_in = [e for e in stream() if e.beneficiary.account_id == "collector"]
        # The first five senders go to one replica's partitions, the sixth (which completes the
        # fan-in) to the other's: only a replica that reads every partition can see all six.
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
        await producer.start()
        try:
            for n, event in enumerate(fan_in):
                partition = sorted(second)[n % 2] if n < len(fan_in) - 1 else min(first)
                await producer.send_and_wait(
                    names.transfers, event.model_dump_json().encode(), key=event.partition_key, partition=partition
                )
        finally:
            await producer.stop()
        records = await consume_until(kafka_bootstrap, names.decisions, lambda r: len(r) >= len(fan_in))
    finally:
        for app in apps:
            await app.stop()
    decisions = {d.transfer_id: d for d in (Decision.model_validate_json(r.value) for r in records)}
    last = decisions[fan_in[-1].transfer_id]
    if tail:
        assert last.action == Action.FLAG
        (reason,) = [r for r in last.reasons if r.rule_id == "graph.fan_in"]
        assert set(reason.subjects) >= {e.originator.account_id for e in fan_in}
    else:
        # The control: without the tail the same transfer is screened blind to five of its six senders.
        assert last.action == Action.ALLOW and last.reasons == ()
