"""The screener worker against the real broker: decisions, dead letters, fail-closed holds."""

import json

import pytest

from schemas import Action, DeadLetter, Decision
from services.screener.adapters.lists import load_watchlist
from services.screener.bootstrap import build_app
from tests.factories import party, transfer_json
from tests.screener.stream_settings import screener_settings
from tests.streams import consume_until, fresh_topics, produce

LISTED = "0x7F367cc41522ce07553e823bf3be79a889debe1b"  # in the packaged OFAC excerpt (entry 29584)

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio]


async def test_bad_records_are_dead_lettered_and_the_stream_goes_on(kafka_bootstrap: str) -> None:
    names = await fresh_topics(kafka_bootstrap)
    settings = screener_settings(kafka_bootstrap, names)
    wrong_type = json.loads(transfer_json(transfer_id="keyed-bad"))
    wrong_type["amount"] = {"value": 3}
    await produce(
        kafka_bootstrap,
        names.transfers,
        [
            (b"k1", b"\x00\xffnot json at all"),
            (b"k2", json.dumps(wrong_type).encode()),
            (b"k3", transfer_json(transfer_id="good-listed", beneficiary=party("ext", wallet_address=LISTED.lower()))),
            (b"k4", transfer_json(transfer_id="good-clean")),
        ],
    )
    app = build_app(settings, load_watchlist())
    await app.broker.start()
    try:
        letters = await consume_until(kafka_bootstrap, names.dlq, lambda r: len(r) >= 2)
        decisions = await consume_until(kafka_bootstrap, names.decisions, lambda r: len(r) >= 3)
    finally:
        await app.broker.stop()

    parsed = [DeadLetter.model_validate_json(r.value) for r in letters]
    assert parsed[0].original == b"\x00\xffnot json at all"
    assert "Invalid JSON" in parsed[0].reason
    assert "amount" in parsed[1].reason and parsed[1].offset is not None and parsed[1].topic == names.transfers
    by_id = {d.transfer_id: d for d in (Decision.model_validate_json(r.value) for r in decisions)}
    assert by_id["good-clean"].action == Action.ALLOW
    assert by_id["good-listed"].action == Action.HOLD
    assert by_id["good-listed"].reasons[0].evidence["entry_id"] == "29584"
    # The malformed event still named its transfer: it is held (fail closed), not left undecided.
    assert by_id["keyed-bad"].action == Action.HOLD
    assert by_id["keyed-bad"].reasons[0].rule_id == "system.invalid_transfer"
    assert {r.key for r in decisions if r.value and b"good-clean" in r.value} == {b"good-clean"}
