"""Raw Kafka records → transfers and decisions; what will not parse is logged and skipped."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.ledger.adapters.kafka_records import parse_records
from tests.factories import transfer_json
from tests.ledger.builders import screening

T, D = "in.transfers", "in.decisions"


@dataclass(frozen=True)
class Record:
    topic: str
    value: bytes | None
    partition: int = 0
    offset: int = 0


def test_good_records_are_split_by_topic() -> None:
    decision = screening("t-1")
    batch = parse_records(
        [Record(T, transfer_json(transfer_id="t-1")), Record(D, decision.model_dump_json().encode())],
        transfers_topic=T,
        decisions_topic=D,
    )
    assert [t.transfer_id for t in batch.transfers] == ["t-1"]
    assert batch.decisions == [decision]
    assert batch.skipped == 0


def test_malformed_records_are_skipped_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="services.ledger.adapters.kafka_records")
    records = [
        Record(T, b"{not json", offset=3),
        Record(T, transfer_json(transfer_id="t-ok")),
        Record(T, b'{"transfer_id": "t-2"}', partition=2, offset=9),
        Record(D, None, offset=4),
        Record(D, screening("t-ok").model_dump_json().replace('"allow"', '"approve"').encode(), offset=5),
        Record("elsewhere", b"{}", offset=6),
    ]
    batch = parse_records(records, transfers_topic=T, decisions_topic=D)
    assert [t.transfer_id for t in batch.transfers] == ["t-ok"]
    assert batch.decisions == []
    assert batch.skipped == 5
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 5
    assert any(m.startswith(f"skipped unparsable record {T}[2]@9: ") and "more" in m for m in messages)
    assert any("action" in m for m in messages)
    assert any("unexpected topic 'elsewhere'" in m for m in messages)


_BAD_TIMES = st.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00", 1_700_000_000, "x", None])


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.binary(max_size=48),
            st.builds(lambda t: transfer_json().replace(b"2026-11-01T12:00:00Z", str(t).encode()), _BAD_TIMES),
            st.builds(
                lambda t: screening("t-1").model_dump_json().encode().replace(b'"decided_at":"', b'"decided_at":"' +
                                                                              str(t).encode() + b'","x":"'),
                _BAD_TIMES,
            ),
        ),
        max_size=10,
    ),
    topics=st.lists(st.sampled_from([T, D, "other"]), min_size=10, max_size=10),
)
def test_no_record_makes_the_reader_raise(values: list[bytes], topics: list[str]) -> None:
    """Random bytes and dates that overflow on either topic: each record is read or skipped, never raised."""
    batch = parse_records(
        [Record(topic, value, offset=n) for n, (topic, value) in enumerate(zip(topics, values, strict=False))],
        transfers_topic=T,
        decisions_topic=D,
    )
    assert len(batch.transfers) + len(batch.decisions) + batch.skipped == len(values)
