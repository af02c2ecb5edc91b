"""The handler's batch logic without a broker: recalled decisions and other partitions' transfers."""

from types import SimpleNamespace

from faststream.kafka import KafkaBroker

from schemas import Action, TransferEvent
from schemas.common import utc_now
from services.screener.adapters.graph_tail import GraphTail
from services.screener.adapters.lists import load_watchlist
from services.screener.bootstrap import build_context, load_policy
from services.screener.domain.arrivals import Arrivals
from services.screener.domain.decide import screen
from services.screener.domain.rules import ScreeningContext
from services.screener.domain.watchlist import WatchlistSnapshot
from services.screener.handlers import TransferHandler
from tests.factories import transfer_json
from tests.screener.crafted import stream


def test_a_redelivered_transfer_keeps_its_published_decision_and_the_graph_still_learns_it() -> None:
    policy = load_policy()
    context = build_context(policy, load_watchlist())
    redelivered, fresh = transfer_json(transfer_id="redelivered"), transfer_json(transfer_id="fresh")
    # What the dead replica published: a hold that screening it again now would not give.
    down = ScreeningContext(watchlist=WatchlistSnapshot.unavailable("lists down"))
    published = screen(TransferEvent.model_validate_json(redelivered), down, policy, utc_now())
    assert published.action == Action.HOLD
    handler = TransferHandler(KafkaBroker(), context, policy, "decisions", "dlq", recalled={"redelivered": published})

    now = utc_now()
    transfers, holds, rejected = handler.parse([SimpleNamespace(value=redelivered), SimpleNamespace(value=fresh)], now)
    decisions = holds + handler.screen_all(transfers, now)

    assert rejected == []
    by_id = {d.transfer_id: d for d in decisions}
    assert by_id["redelivered"] == published
    assert by_id["fresh"].action == Action.ALLOW
    assert handler.recalled == {}  # used once: a later duplicate is screened like any transfer
    assert context.graph is not None
    assert {key for _, _, key in context.graph.edge_keys()} == {"redelivered", "fresh"}


def test_other_partitions_transfers_enter_the_graph_just_before_a_later_transfer_is_screened() -> None:
    policy = load_policy()
    context = build_context(policy, load_watchlist())
    events = stream()
    fan_in = [e for e in events if e.beneficiary.account_id == "collector"]
    last = fan_in[-1]
    tail = GraphTail("unused:9092", "unused", wait_s=0.0, max_waiting=10)
    tail.arrivals = Arrivals({0: 0})
    later = [e for e in events if e.occurred_at > last.occurred_at]
    for offset, event in enumerate(fan_in[:-1] + later):  # another replica's partition, read ahead
        tail.arrivals.arrive(0, offset, event)
    handler = TransferHandler(KafkaBroker(), context, policy, "decisions", "dlq", tail=tail)

    (decision,) = handler.screen_all([last], utc_now())

    assert decision.action == Action.FLAG
    (reason,) = [r for r in decision.reasons if r.rule_id == "graph.fan_in"]
    assert set(reason.subjects) >= {"collector"} | {e.originator.account_id for e in fan_in}
    assert context.graph is not None
    in_graph = {key for _, _, key in context.graph.edge_keys()}
    assert in_graph == {e.transfer_id for e in fan_in}  # nothing from after the screened transfer
    assert len(tail.arrivals) == len(later)
