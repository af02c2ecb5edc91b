import pytest
from pydantic import ValidationError

from schemas.flat import COLUMNS, FlatFormatError, check_columns, column_of, from_event, to_event
from tests.factories import party, transfer

DEFAULTS = {"exchange_id": "file", "chain": "unspecified"}


def test_flat_row_round_trips_to_the_same_event() -> None:
    event = transfer(
        originator=party(
            "a",
            name="Ayesha Khan",
            country="PK",
            id_number="12345-1234567-1",
            id_type="cnic",
            date_of_birth="1990-02-03",
            hosted=False,
        )
    )
    assert to_event(from_event(event)) == event
    assert set(from_event(event)) == set(COLUMNS)


def test_blank_cells_are_absent_values_and_defaults_fill_missing_columns() -> None:
    row = {
        "transfer_id": "t1",
        "occurred_at": "2026-01-01T00:00:00Z",
        "originator_account": "a",
        "beneficiary_account": "b",
        "amount": "10",
        "asset": "USDT",
        "originator_wallet": "  ",
    }
    event = to_event(row, DEFAULTS)
    assert event.originator.wallet_address is None
    assert event.exchange_id == "file" and event.chain == "unspecified"


def test_missing_and_unknown_columns_are_named() -> None:
    with pytest.raises(FlatFormatError, match=r"missing required column.*amount.*unknown column.*colour"):
        check_columns(["transfer_id", "occurred_at", "originator_account", "beneficiary_account", "asset", "colour"])


def test_errors_point_at_flat_column_names() -> None:
    with pytest.raises(ValidationError) as info:
        to_event(
            {
                "transfer_id": "t1",
                "occurred_at": "2026-01-01T00:00:00Z",
                "originator_account": "a",
                "beneficiary_account": "b",
                "amount": "10",
                "asset": "X",
                "originator_dob": "yesterday",
            },
            DEFAULTS,
        )
    assert [column_of(tuple(e["loc"])) for e in info.value.errors()] == ["originator_dob"]
