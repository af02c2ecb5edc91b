"""Two screener replicas; one is SIGKILLed mid-stream and the survivor takes over its partitions:
every transfer still gets exactly one decision, and a redelivered transfer keeps the decision the
dead replica had already published (read back on assignment, not re-screened)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from schemas import Action, Decision
from services.broker import ensure_topics
from services.screener.adapters.lists import excerpt_snapshot
from services.watchlists.adapters.changelog import publish
from tests.e2e.test_crash_recovery import COUNT, _screener, _workload
from tests.streams import consume_until, fresh_topics, produce

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.asyncio]


async def test_the_surviving_replica_takes_over_without_changing_a_published_decision(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    names = await fresh_topics(kafka_bootstrap)
    await ensure_topics(kafka_bootstrap, {f"t.watchlists.{names.suffix}": 1})
    await publish(kafka_bootstrap, f"t.watchlists.{names.suffix}", excerpt_snapshot())
    group = f"screener-{uuid.uuid4().hex[:6]}"
    doomed = _screener(tmp_path, kafka_bootstrap, names, group, 1)
    survivor = _screener(tmp_path, kafka_bootstrap, names, group, 2)
    records, listed = _workload()
    doomed.start()
    survivor.start()
    try:
        await produce(kafka_bootstrap, names.transfers, records)
        before = await consume_until(kafka_bootstrap, names.decisions, lambda r: len(r) >= 300, within=120)
        doomed.kill()
        assert len({r.key for r in before}) < COUNT, "the replicas finished before one could be killed"

        def all_decided(recs: list[object]) -> bool:
            return len({r.key for r in recs}) >= COUNT  # type: ignore[attr-defined]

        seen = await consume_until(kafka_bootstrap, names.decisions, all_decided, within=240)
    finally:
        survivor.stop()
        doomed.stop()
    effective: dict[str, Decision] = {}
    for decision in (Decision.model_validate_json(r.value) for r in seen):
        first = effective.setdefault(decision.transfer_id, decision)
        assert (first.decision_id, first.action, first.score) == (decision.decision_id, decision.action, decision.score)
    assert set(effective) == {f"crash-{i:05d}" for i in range(COUNT)}
    assert {t for t, d in effective.items() if d.action == Action.HOLD} == listed
    log = (tmp_path / "screener-2.log").read_text()
    assert "recalled" in log  # the survivor read back published decisions when it was assigned partitions
