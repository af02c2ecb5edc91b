"""Property test of the screener's consumer path: whatever bytes arrive on the transfers topic, parsing and
screening a batch never raises (a raise rewinds the batch, and the same batch would fail forever): each
record is screened, held by its id, or dead-lettered."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faststream.kafka import KafkaBroker
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import Action
from services.screener.bootstrap import build_context, load_policy
from services.screener.domain.watchlist import WatchlistSnapshot
from services.screener.handlers import TransferHandler, transfer_key
from tests.factories import transfer

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
POLICY = load_policy()


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def _template() -> dict[str, Any]:
    body: dict[str, Any] = json.loads(transfer(transfer_id="exA-t", occurred_at=NOW).model_dump_json())
    return body


_values = st.one_of(
    st.text(max_size=20), st.integers(), st.floats(allow_nan=False), st.none(), st.booleans(),
    st.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00", "2027-01-11T06:36:53Z",
                     "2026-10-01T00:00:00Z", "acct\x00x", "exB-\x00nul", "a\u202eb", "1_000", "١٢"]),
)
_fields = st.sampled_from(["transfer_id", "occurred_at", "amount", "asset", "exchange_id", "originator.account_id",
                           "beneficiary.name", "beneficiary.date_of_birth", "fiat_value", "extra"])


@st.composite
def records(draw: st.DrawFn) -> bytes | None:
    kind = draw(st.sampled_from(["mutated", "bytes", "none"]))
    if kind == "bytes":
        return draw(st.binary(max_size=64))
    if kind == "none":
        return None
    body = _template()
    body["transfer_id"] = f"exA-{draw(st.integers(0, 10**6))}"
    for _ in range(draw(st.integers(0, 3))):
        path, value = draw(_fields), draw(_values)
        target = body
        *parents, leaf = path.split(".")
        for name in parents:
            target = target[name]
        target[leaf] = value
    return json.dumps(body).encode()


@settings(max_examples=150, deadline=None)
@given(batch=st.lists(records(), min_size=1, max_size=12))
def test_no_batch_of_records_makes_the_screener_raise(batch: list[bytes | None]) -> None:
    handler = TransferHandler(
        broker=KafkaBroker("127.0.0.1:1"),  # never started: parse and screen do no IO
        context=build_context(POLICY, WatchlistSnapshot.build("wl", [])),
        policy=POLICY,
        decisions_topic="d",
        dlq_topic="q",
    )
    raw = [Record("t", 0, offset, b"k", value) for offset, value in enumerate(batch)]
    transfers, holds, rejected = handler.parse(raw, NOW)
    decisions = handler.screen_all(transfers, NOW)
    assert len(transfers) + len(rejected) == len(batch)
    assert len(holds) <= len(rejected)
    assert {d.transfer_id for d in holds} == {transfer_key(r.value) for r, _ in rejected} - {None}
    assert all(h.action is Action.HOLD for h in holds)
    assert not [d for d in decisions if "system.screening_error" in {r.rule_id for r in d.reasons}]
