"""Two screener replicas; one is SIGKILLed mid-stream and the survivor takes over its partitions:
every transfer still gets exactly one decision, and a redelivered transfer keeps the decision the
dead replica had already published (read back on assignment, not re-screened)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from schemas import Action
from tests.e2e.support import COUNT, all_decided, one_decision_each, publish_lists, screener_process, workload
from tests.streams import consume_until, fresh_topics, produce

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.asyncio]


async def test_the_surviving_replica_takes_over_without_changing_a_published_decision(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    names = await fresh_topics(kafka_bootstrap)
    await publish_lists(kafka_bootstrap, names)
    group = f"screener-{uuid.uuid4().hex[:6]}"
    doomed = screener_process(tmp_path, kafka_bootstrap, names, group, 1)
    survivor = screener_process(tmp_path, kafka_bootstrap, names, group, 2)
    records, listed = workload()
    doomed.start()
    survivor.start()
    try:
        await produce(kafka_bootstrap, names.transfers, records)
        before = await consume_until(kafka_bootstrap, names.decisions, lambda r: len(r) >= 300, within=120)
        doomed.kill()
        assert len({r.key for r in before}) < COUNT, "the replicas finished before one could be killed"

        seen = await consume_until(kafka_bootstrap, names.decisions, all_decided, within=240)
    finally:
        survivor.stop()
        doomed.stop()
    effective = one_decision_each(seen)
    assert set(effective) == {f"crash-{i:05d}" for i in range(COUNT)}
    assert {t for t, d in effective.items() if d.action == Action.HOLD} == listed
    log = (tmp_path / "screener-2.log").read_text()
    assert "recalled" in log  # the survivor read back published decisions when it was assigned partitions
