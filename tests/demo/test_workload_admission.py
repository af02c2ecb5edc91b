"""The demo's traffic gets through ingest's door: ids in each exchange's namespace, no event dated ahead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.demo.runner import demo_wallets
from services.demo.workload import EXCHANGES, generate, lead_time
from services.ingest.domain.admission import AdmissionRules, refusals

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
RULES = AdmissionRules(
    max_future_skew=timedelta(seconds=300),
    max_age=timedelta(days=3650),
    require_id_prefix=True,
    known_exchanges=frozenset(EXCHANGES),
)


def test_a_run_started_its_lead_time_back_is_admitted_whole() -> None:
    count = 2000  # what `aml demo --once` sends, with the planted scenarios among them
    planned = list(generate(count, demo_wallets(), start=NOW - lead_time(count), run_tag="demo-abc"))
    assert any(p.scenario for p in planned)
    refused = {p.event.transfer_id: refusals(p.event, NOW, RULES) for p in planned}
    assert {tid: r for tid, r in refused.items() if r} == {}
    assert max(p.event.occurred_at for p in planned) <= NOW


def test_a_stream_longer_than_its_lead_follows_the_clock_and_keeps_the_draws() -> None:
    # Started only a minute back, the stream would run ahead of the clock within ~300 transfers.
    start = NOW - timedelta(minutes=1)
    capped = list(generate(3000, demo_wallets(), start=start, run_tag="s", not_after=lambda: NOW))
    free = list(generate(3000, demo_wallets(), start=start, run_tag="s"))
    assert max(p.event.occurred_at for p in free) > NOW + timedelta(seconds=300)
    assert max(p.event.occurred_at for p in capped) == NOW
    assert not any(refusals(p.event, NOW, RULES) for p in capped)
    # The cap moves event times only: the same seed still gives the same transfers.
    assert [p.event.transfer_id for p in capped] == [p.event.transfer_id for p in free]
    assert [p.event.amount for p in capped] == [p.event.amount for p in free]
