"""Bulk parsing (`parse_frame`) gives exactly what row-by-row validation (`parse_rows`) gives."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas import TransferEvent
from schemas.flat import COLUMNS, from_event
from services.screener import flat_file
from services.screener.domain.construct import built
from services.screener.domain.order import event_order
from services.screener.flat_file import BadRow, parse_frame, parse_rows
from tests.screener.crafted import stream

BASE = {
    "transfer_id": "t1",
    "occurred_at": "2026-01-01T00:00:00Z",
    "originator_account": "a",
    "beneficiary_account": "b",
    "amount": "10",
    "asset": "USDT",
}

# Rows in every shape the bulk check must accept, or hand to validation row by row.
VARIANTS: list[dict[str, Any]] = [
    {},
    {"occurred_at": "2026-01-01T05:00:00+05:00"},
    {"occurred_at": "2026-01-01T00:00:00.123456-03:30"},
    {"occurred_at": "2026-01-01T00:00:00.5Z"},
    {"occurred_at": "2026-02-30T00:00:00Z"},  # no such day
    {"occurred_at": "2026-01-01T00:00:00"},  # naive
    {"occurred_at": "2026-01-01 00:00:00Z"},  # a space for the T, as database exports write it
    {"occurred_at": "2026-01-01 05:30:00.25+05:30"},
    {"occurred_at": "2026-01-01t00:00:00Z"},  # other shapes pydantic may accept
    {"occurred_at": "2026-01-01T24:00:00Z"},
    {"occurred_at": "   "},
    {"amount": "10.00"},
    {"amount": "0.000000000000000001"},
    {"amount": "0"},
    {"amount": "0.00"},
    {"amount": "-5"},
    {"amount": "1e3"},
    {"amount": " 10"},
    {"amount": "1.0000000000000000001"},  # 19 places
    {"amount": "1" * 21},
    {"amount": "1" * 39},
    {"transfer_id": " t1"},
    {"transfer_id": "t 1"},
    {"transfer_id": "tötö"},
    {"transfer_id": "t" * 128},
    {"transfer_id": "t" * 129},
    {"transfer_id": ""},
    {"transfer_id": "\x1c"},
    {"asset": " USDT "},
    {"asset": "\u00a0"},
    {"asset": "A" * 33},
    {"chain": "tron", "exchange_id": "ex-1"},
    {"chain": "  ", "exchange_id": ""},
    {"exchange_id": "ex 1 "},
    {"fiat_value": "950.5", "fiat_currency": "USD"},
    {"fiat_value": "950.5"},
    {"fiat_currency": "usd", "fiat_value": "1"},
    {"originator_wallet": "0xAbC", "originator_name": "Ayesha Khan", "originator_country": "PK"},
    {"originator_name": "عائشة خان", "beneficiary_name": "x" * 301},
    {"originator_country": "pk"},
    {"originator_id_number": "12345-1234567-1", "originator_id_type": "cnic"},
    {"originator_id_number": "12345"},
    {"originator_id_type": "passport"},
    {"originator_id_type": "driving_licence", "originator_id_number": "1"},
    {"originator_dob": "1990-02-03", "beneficiary_dob": "1990-02-30"},
    {"originator_dob": "0000-01-01"},
    {"beneficiary_hosted": "false", "originator_hosted": "true"},
    {"beneficiary_hosted": "yes"},
    {"beneficiary_hosted": "False"},
    {"beneficiary_vasp": "vasp-1", "originator_vasp": " v"},
    {"beneficiary_account": ""},
    {"originator_account": "a\nb"},
]


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    columns = [c for c in COLUMNS if any(c in row for row in rows)]
    return pl.DataFrame([{c: row.get(c) for c in columns} for row in rows], schema=dict.fromkeys(columns, pl.String))


def _same(left: list[TransferEvent], right: list[TransferEvent]) -> None:
    assert left == right
    for a, b in zip(left, right, strict=True):
        assert a.model_fields_set == b.model_fields_set and list(a.__dict__) == list(b.__dict__)
        for role in ("originator", "beneficiary"):
            pa, pb = getattr(a, role), getattr(b, role)
            assert pa.model_fields_set == pb.model_fields_set and list(pa.__dict__) == list(pb.__dict__)
        assert a.model_dump_json() == b.model_dump_json()
        assert repr(a) == repr(b)


@pytest.mark.parametrize("variant", VARIANTS, ids=[repr(v)[:60] for v in VARIANTS])
def test_each_kind_of_row_parses_as_row_by_row_validation_does(variant: dict[str, Any]) -> None:
    frame = _frame([BASE | variant | {"transfer_id": variant.get("transfer_id", "t1")}])
    events, bad = parse_frame(frame)
    expected, expected_bad = parse_rows(frame.iter_rows(named=True))
    assert bad == expected_bad
    _same(events, expected)


def test_a_mixed_file_keeps_file_order_and_reports_bad_rows_in_order() -> None:
    rows = [BASE | variant | {"transfer_id": f"t{i}"} for i, variant in enumerate(VARIANTS * 2)]
    rows += [from_event(t) for t in stream()]
    frame = _frame(rows)
    events, bad = parse_frame(frame)
    expected, expected_bad = parse_rows(frame.iter_rows(named=True))
    assert bad == expected_bad and len(bad) > 10
    _same(events, expected)


def test_slices_sharing_parties_build_each_party_once_and_never_mistake_one_for_another() -> None:
    # Slice one reads the originator's name, slice two its country (a slice leaves out columns blank
    # in all its rows); both cells say "PK", and must not be taken for the same party.
    named = _frame([BASE | {"transfer_id": f"n{i}", "originator_name": "PK"} for i in range(2)])
    placed = _frame([BASE | {"transfer_id": f"c{i}", "originator_country": "PK"} for i in range(2)])
    plain = _frame([BASE | {"transfer_id": "p"}])
    parties: flat_file.PartyCache = {}
    events = [e for frame in (named, placed, plain, named) for e in parse_frame(frame, parties)[0]]
    assert [(e.originator.name, e.originator.country) for e in events[:4]] == [("PK", None)] * 2 + [(None, "PK")] * 2
    assert events[0].originator is events[1].originator is events[5].originator  # the fourth slice reuses it
    assert events[2].originator is events[3].originator and events[2].originator is not events[0].originator
    assert events[4].beneficiary is events[0].beneficiary


def test_rows_of_one_party_share_one_frozen_model_and_a_frame_without_plain_rows_parses() -> None:
    events, _ = parse_frame(_frame([BASE | {"transfer_id": f"t{i}"} for i in range(3)]))
    assert events[0].originator is events[2].originator
    events, bad = parse_frame(_frame([BASE | {"amount": "-1"}]))
    assert events == [] and bad == [BadRow(0, "t1", "amount: Input should be greater than 0")]


def test_built_models_equal_validated_ones() -> None:
    event = stream()[0]
    copy = built(TransferEvent, dict(event.__dict__), set(event.model_fields_set))
    assert copy == event and copy.model_fields_set == event.model_fields_set
    assert copy.model_dump_json() == event.model_dump_json()
    with pytest.raises(ValidationError):  # still frozen
        copy.transfer_id = "other"  # type: ignore[misc]


def test_rows_are_ordered_by_what_validation_makes_of_their_time_and_id_with_bad_rows_last() -> None:
    rows = [
        BASE | {"transfer_id": "late", "occurred_at": "2026-01-01T06:00:00+05:00"},  # 01:00 UTC
        BASE | {"transfer_id": "bad", "occurred_at": "yesterday"},
        BASE | {"transfer_id": "b", "occurred_at": "2026-01-01T00:30:00Z"},
        BASE | {"transfer_id": "spaced", "occurred_at": "2026-01-01 00:45:00Z"},
        BASE | {"transfer_id": "odd", "occurred_at": "2026-01-01t00:50:00Z"},  # not plain: validated whole
        BASE | {"transfer_id": "a", "occurred_at": "2026-01-01T00:30:00Z"},
        BASE | {"transfer_id": "tie", "occurred_at": "2026-01-01T00:30:00.000000+00:00"},
        BASE | {"transfer_id": "a", "occurred_at": "2026-01-01T00:30:00Z", "amount": "2"},  # same key: file order
    ]
    frame = _frame(rows)
    order = flat_file.event_rows(frame)
    events, bad = parse_frame(frame)
    assert [rows[i]["transfer_id"] for i in order] == ["a", "a", "b", "tie", "spaced", "odd", "late", "bad"]
    assert order[:2] == [5, 7] and [b.row for b in bad] == [1]
    assert [e.transfer_id for e in sorted(events, key=event_order)] == [rows[i]["transfer_id"] for i in order[:-1]]


_CELLS = st.one_of(
    st.text(max_size=24),
    st.sampled_from(
        ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00", "2000-01-01T00:00:00+05:00", "1999-12-31",
         "2099-12-31T23:59:59-01:00", "1899-12-31", "1700000000", "1_000", "١٢", " 1 ", "acct\x00x", "a\u202eb",
         "a\u200bb", "Moh\u200cammad", "Ali\U000e0041", "true", "cnic", "PK", "PKR", "10", "0.5"]
    ),
    st.none(),
)
_FUZZED = ["occurred_at", "amount", "transfer_id", "asset", "originator_account", "originator_name",
           "originator_dob", "originator_wallet", "beneficiary_id_number", "fiat_value", "fiat_currency"]


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.fixed_dictionaries({}, optional=dict.fromkeys(_FUZZED, _CELLS)), min_size=1, max_size=6))
def test_any_cells_parse_in_bulk_as_row_by_row_and_never_crash(rows: list[dict[str, Any]]) -> None:
    """Random dates, offsets, strings and numbers in any column: the bulk path and validation agree, and a cell
    that validation refuses is a bad row (never an exception)."""
    frame = _frame([BASE | {"transfer_id": f"t{i}"} | row for i, row in enumerate(rows)])
    events, bad = parse_frame(frame)
    expected, expected_bad = parse_rows(frame.iter_rows(named=True))
    assert bad == expected_bad
    _same(events, expected)
    assert len(events) + len(bad) == len(rows)
