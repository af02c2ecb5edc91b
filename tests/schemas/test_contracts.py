import json
from datetime import datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from schemas import Action, Decision, Resolution, TransferEvent
from services import contracts
from tests.factories import transfer


def test_generated_contract_files_match_the_models() -> None:
    stale = [str(path) for path, text in contracts.rendered().items() if not path.exists() or path.read_text() != text]
    assert not stale, f"regenerate with `aml contracts export`: {stale}"


def test_transfer_round_trips_through_json_exactly() -> None:
    event = transfer(amount=Decimal("0.000000000000000001"))
    again = TransferEvent.model_validate_json(event.model_dump_json())
    assert again == event
    assert json.loads(event.model_dump_json())["amount"] == "0.000000000000000001"


def test_naive_timestamp_is_refused_and_aware_is_normalised_to_utc() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        transfer(occurred_at=datetime(2026, 1, 1, 12, 0))
    event = TransferEvent.model_validate_json(
        transfer().model_dump_json().replace("2026-11-01T12:00:00Z", "2026-11-01T17:00:00+05:00")
    )
    assert event.occurred_at.utcoffset() is not None and event.occurred_at.hour == 12


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", Decimal("0"), "greater than 0"),
        ("fiat_value", Decimal("10"), "together"),
        ("unexpected", "x", "Extra inputs"),
        ("transfer_id", " padded ", "printable ASCII without leading or trailing spaces"),
    ],
)
def test_bad_transfers_are_refused_with_the_field_named(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        transfer(**{field: value})


def test_models_are_frozen() -> None:
    event = transfer()
    with pytest.raises(ValidationError):
        event.asset = "X"  # type: ignore[misc]


def test_system_decision_ids_are_deterministic_per_transfer() -> None:
    assert Decision.system_id("t-1") == Decision.system_id("t-1")
    assert Decision.system_id("t-1") != Decision.system_id("t-2")


def test_resolution_needs_an_officer_and_a_superseded_decision() -> None:
    base = {
        "decision_id": Decision.system_id("r"),
        "transfer_id": "t-1",
        "action": Action.HOLD,
        "score": 0,
        "policy_version": "p",
        "watchlist_version": "w",
        "decided_at": "2026-01-01T00:00:00Z",
    }
    with pytest.raises(ValidationError, match="officer"):
        Decision.model_validate({**base, "supersedes": Decision.system_id("t-1"), "resolution": Resolution.RELEASE})
    with pytest.raises(ValidationError, match="go together"):
        Decision.model_validate({**base, "resolution": Resolution.RELEASE, "decided_by": "officer-1"})
    ok = Decision.model_validate(
        {**base, "supersedes": Decision.system_id("t-1"), "resolution": "release", "decided_by": "officer-1"}
    )
    assert ok.is_resolution
