"""Property tests of the wire contract: any JSON a producer may send is either refused with a ValidationError or
accepted as a value every consumer can carry (UTC in range, printable-ASCII ids, names without control or format
characters, exact amounts), and what is accepted matches the JSON Schema the project publishes."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas import Decision, TransferEvent
from schemas.common import AMOUNT_PATTERN, EARLIEST, ID_PATTERN, LATEST, TEXT_PATTERN
from services import contracts

BASE: dict[str, Any] = {
    "transfer_id": "exA-t1",
    "occurred_at": "2026-11-01T12:00:00Z",
    "exchange_id": "exA",
    "asset": "PKTB-3M",
    "chain": "ethereum",
    "amount": "125.50",
    "originator": {"account_id": "acct-a", "name": "Ali Khan"},
    "beneficiary": {"account_id": "acct-b"},
}

offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
instants = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(offsets).flatmap(
        lambda s: s
    )).map(lambda d: d.isoformat()),
    st.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00", "9999-12-31T23:59:59Z",
                     "1999-12-31T23:59:59Z", "2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z", "2026-02-30T00:00:00Z",
                     "2026-11-01T12:00:00", "2026-11-01 12:00:00Z", "yesterday", ""]),
    st.integers(), st.floats(allow_nan=True), st.none(), st.booleans(),
)
texts = st.one_of(
    st.text(max_size=140),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.sampled_from(["acct\x00x", "a\u202eb", "a\u200bb", " padded", "tab\there", "ok id", "x" * 129, "ابراہیم"]),
)
numbers = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from([" 1 ", "1_000", "١٢", "1e3", "-5", "0", "0.0000000000000000001", "1" * 21, "+1", ".5", "5."]),
    st.integers(), st.floats(), st.text(max_size=12), st.booleans(), st.none(),
)

ID = re.compile(ID_PATTERN)
TEXT = re.compile(TEXT_PATTERN)
AMOUNT = re.compile(AMOUNT_PATTERN)


def _set(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(body))
    target = copy
    *parents, leaf = path.split(".")
    for name in parents:
        target = target[name]
    target[leaf] = value
    return copy


def _accepts_or_refuses(body: dict[str, Any]) -> TransferEvent | None:
    try:
        raw = json.dumps(body, allow_nan=True)
    except (TypeError, ValueError):
        return None
    try:
        return TransferEvent.model_validate_json(raw)
    except ValidationError:
        return None  # any other exception fails the test: it is what stalled consumers


def _carried(event: TransferEvent) -> None:
    """What every consumer relies on in an accepted event, and the schema says of it."""
    assert EARLIEST <= event.occurred_at < LATEST and event.occurred_at.tzinfo is UTC
    for value in (event.transfer_id, event.exchange_id, event.asset, event.chain, event.originator.account_id,
                  event.beneficiary.account_id):
        assert ID.fullmatch(value), value
    for party in (event.originator, event.beneficiary):
        for text in (party.name, party.id_number):
            assert text is None or TEXT.fullmatch(text), text
        assert "\x00" not in (party.name or "") and "\x00" not in (party.id_number or "")
    wire = json.loads(event.model_dump_json())
    assert AMOUNT.fullmatch(wire["amount"]), wire["amount"]
    assert TransferEvent.model_validate_json(event.model_dump_json()) == event


@settings(max_examples=400, deadline=None)
@given(value=instants, field=st.sampled_from(["occurred_at", "originator.date_of_birth"]))
def test_any_date_is_refused_or_carried(value: Any, field: str) -> None:
    event = _accepts_or_refuses(_set(BASE, field, value))
    if event is not None:
        _carried(event)


@settings(max_examples=400, deadline=None)
@given(
    value=texts,
    field=st.sampled_from(["transfer_id", "exchange_id", "asset", "chain", "originator.account_id",
                           "originator.name", "originator.wallet_address", "beneficiary.vasp_id"]),
)
def test_any_string_is_refused_or_carried(value: Any, field: str) -> None:
    event = _accepts_or_refuses(_set(BASE, field, value))
    if event is not None:
        _carried(event)
        if field.endswith(("_id", "asset", "chain")):
            assert ID.fullmatch(value) is not None  # the schema's pattern is exactly what was accepted
    elif field == "originator.name" and isinstance(value, str) and 0 < len(value) <= 300:
        assert TEXT.fullmatch(value) is None or any(ord(c) >= 0x10000 for c in value)


@settings(max_examples=400, deadline=None)
@given(value=numbers, field=st.sampled_from(["amount", "fiat_value"]))
def test_any_number_is_refused_or_carried_exactly(value: Any, field: str) -> None:
    body = _set(BASE, field, value)
    if field == "fiat_value":
        body["fiat_currency"] = "PKR"
    event = _accepts_or_refuses(body)
    if event is None:
        return
    _carried(event)
    # Accepted money is exactly what was sent: text as written, integers as they are; never a float.
    assert isinstance(value, str | int) and not isinstance(value, bool)
    got = getattr(event, field)
    assert got == (int(value) if isinstance(value, int) else type(got)(value))


@settings(max_examples=200, deadline=None)
@given(value=instants)
def test_any_decision_time_is_refused_or_carried(value: Any) -> None:
    body = {
        "decision_id": "6f1c2a4e-9a57-4d0e-8f7e-3b3c0d6e5a11", "transfer_id": "exA-t1", "action": "hold",
        "score": 0.0, "policy_version": "p", "watchlist_version": "w", "decided_at": value,
    }
    try:
        decision = Decision.model_validate_json(json.dumps(body, allow_nan=True))
    except ValidationError:
        return
    assert EARLIEST <= decision.decided_at < LATEST


def test_the_published_schema_states_the_tightened_contract() -> None:
    schema = contracts.json_schemas()["transfer_event.v1"]
    properties = schema["properties"]
    assert properties["transfer_id"]["pattern"] == ID_PATTERN
    assert {"type": "string", "pattern": AMOUNT_PATTERN} in properties["amount"]["anyOf"]
    assert [alt["type"] for alt in properties["amount"]["anyOf"]] == ["string", "integer"]  # no JSON fractions
    assert properties["occurred_at"]["type"] == "string" and properties["occurred_at"]["format"] == "date-time"
