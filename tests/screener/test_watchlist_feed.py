"""Hot reload on the real broker: a new list version reaches a running screener without a restart,
retro-screens the parties it saw, and proposes releasing holds whose only reason was delisted; a
version with an unreadable record is never screened against."""

from __future__ import annotations

import gc
import logging
import uuid

import pytest

from schemas import Action, Alert, AlertKind, Decision
from schemas.common import utc_now
from schemas.watchlist import COMMIT_KEY, EntryName, EntryWallet, ListName, WatchlistCommit, WatchlistEntry
from services.broker import ensure_topics
from services.screener.bootstrap import build_app
from services.screener.settings import Settings
from services.watchlists.adapters.changelog import publish
from services.watchlists.snapshot import Snapshot
from tests.factories import party, transfer_json
from tests.streams import Topics, consume_until, fresh_topics, produce

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio]

LISTED_WALLET = "0x" + "b1" * 20
LATER_WALLET = "0x" + "f2" * 20


def _entry(entry_id: str, name: str, wallet: str | None = None) -> WatchlistEntry:
    return WatchlistEntry(
        entry_id=entry_id,
        list_name=ListName.CUSTOM,
        list_label="exchange list",
        names=(EntryName(full=name),),
        wallets=(EntryWallet(ticker="ETH", address=wallet),) if wallet else (),
    )


def _decisions(records: list[object]) -> dict[str, Decision]:
    return {d.transfer_id: d for d in (Decision.model_validate_json(r.value) for r in records)}  # type: ignore[attr-defined]


def _settings(bootstrap: str, names: Topics, watchlists: str, alerts: str) -> Settings:
    return Settings(
        kafka_bootstrap_servers=bootstrap,
        transfers_topic=names.transfers,
        decisions_topic=names.decisions,
        dlq_topic=names.dlq,
        watchlists_topic=watchlists,
        alerts_topic=alerts,
        group_id=f"screener-{uuid.uuid4().hex[:6]}",
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
    )


async def _break_entry(bootstrap: str, topic: str, key: bytes, version: str) -> None:
    """A record for `key` that is not JSON, then a commit: the version `version` is incomplete."""
    commit = WatchlistCommit(version=version, entries=1, published_at=utc_now())
    await produce(bootstrap, topic, [(key, b"\x00 not json"), (COMMIT_KEY, commit.model_dump_json().encode())])


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]


async def test_new_version_reaches_the_running_screener_and_raises_alerts(kafka_bootstrap: str) -> None:
    names = await fresh_topics(kafka_bootstrap)
    watchlists, alerts = f"t.watchlists.{names.suffix}", f"t.alerts.{names.suffix}"
    await ensure_topics(kafka_bootstrap, {watchlists: 1, alerts: 1})
    v1 = Snapshot.build([_entry("A1", "Zarina Qadir Baloch"), _entry("B1", "Wallet Owner", LISTED_WALLET)])
    await publish(kafka_bootstrap, watchlists, v1)
    settings = _settings(kafka_bootstrap, names, watchlists, alerts)
    gc.unfreeze()  # whatever an earlier test froze: the screener must freeze its own lists
    app = build_app(settings)
    await app.start()
    try:
        await produce(
            kafka_bootstrap,
            names.transfers,
            [
                (
                    b"a",
                    transfer_json(
                        transfer_id="to-listed-wallet",
                        beneficiary=party("ext-1", wallet_address=LISTED_WALLET, hosted=False),
                    ),
                ),
                (
                    b"b",
                    transfer_json(
                        transfer_id="later-listed",
                        originator=party("acct-f", name="Farooq Ahmed Shaikh", wallet_address=LATER_WALLET),
                    ),
                ),
                (
                    b"c",
                    transfer_json(transfer_id="listed-name", beneficiary=party("acct-z", name="BALOCH, Zarina Qadir")),
                ),
            ],
        )
        first = _decisions(await consume_until(kafka_bootstrap, names.decisions, lambda r: len(r) >= 3))
        assert {t: d.action for t, d in first.items()} == {
            "to-listed-wallet": Action.HOLD,
            "later-listed": Action.ALLOW,
            "listed-name": Action.HOLD,
        }
        assert first["listed-name"].reasons[0].rule_id == "sanctions.name"
        assert {d.watchlist_version for d in first.values()} == {v1.version}
        assert gc.get_freeze_count() > 0  # the applied lists are out of the cyclic collector's way

        # v2: Farooq is listed (with his wallet), the wallet owner is delisted; no restart.
        v2 = Snapshot.build([_entry("A1", "Zarina Qadir Baloch"), _entry("C1", "Farooq Ahmed Shaikh", LATER_WALLET)])
        await publish(kafka_bootstrap, watchlists, v2)
        raised = await consume_until(kafka_bootstrap, alerts, lambda r: len(r) >= 2)
        by_kind = {a.kind: a for a in (Alert.model_validate_json(r.value) for r in raised)}
        assert by_kind[AlertKind.RETRO_HIT].entry_key == "custom:C1"
        assert by_kind[AlertKind.RETRO_HIT].subjects == ("acct-f",)
        assert by_kind[AlertKind.RETRO_HIT].transfer_ids == ("later-listed",)
        assert by_kind[AlertKind.RELEASE_PROPOSAL].transfer_ids == ("to-listed-wallet",)
        assert by_kind[AlertKind.RELEASE_PROPOSAL].entry_key == "custom:B1"

        await produce(
            kafka_bootstrap,
            names.transfers,
            [
                (
                    b"d",
                    transfer_json(transfer_id="after-update", originator=party("acct-g", name="Farooq Ahmed Shaikh")),
                ),
            ],
        )
        after = _decisions(await consume_until(kafka_bootstrap, names.decisions, lambda r: len(r) >= 4))
        assert after["after-update"].action == Action.HOLD
        assert after["after-update"].watchlist_version == v2.version
    finally:
        await app.stop()


async def test_a_screener_started_on_an_incomplete_version_screens_with_the_last_complete_one(
    kafka_bootstrap: str, caplog: pytest.LogCaptureFixture
) -> None:
    names = await fresh_topics(kafka_bootstrap)
    watchlists, alerts = f"t.watchlists.{names.suffix}", f"t.alerts.{names.suffix}"
    await ensure_topics(kafka_bootstrap, {watchlists: 1, alerts: 1})
    v1 = Snapshot.build([_entry("A1", "Zarina Qadir Baloch"), _entry("B1", "Wallet Owner", LISTED_WALLET)])
    await publish(kafka_bootstrap, watchlists, v1)
    # The newest version lost A1's record: screened against it, Zarina would be allowed.
    await _break_entry(kafka_bootstrap, watchlists, b"custom:A1", "wl-broken")
    app = build_app(_settings(kafka_bootstrap, names, watchlists, alerts))
    await app.start()
    try:
        to_zarina = transfer_json(transfer_id="listed", beneficiary=party("acct-z", name="BALOCH, Zarina Qadir"))
        await produce(kafka_bootstrap, names.transfers, [(b"c", to_zarina)])
        (decision,) = _decisions(await consume_until(kafka_bootstrap, names.decisions, lambda r: len(r) >= 1)).values()
    finally:
        await app.stop()
    assert decision.action == Action.HOLD and decision.reasons[0].rule_id == "sanctions.name"
    assert decision.watchlist_version == v1.version
    assert any("wl-broken" in m and "custom:A1 (offset 3" in m and f"last complete version {v1.version}" in m
               for m in _errors(caplog))


async def test_with_no_complete_version_transfers_are_held_naming_the_unreadable_records_until_publish(
    kafka_bootstrap: str, caplog: pytest.LogCaptureFixture
) -> None:
    names = await fresh_topics(kafka_bootstrap)
    watchlists, alerts = f"t.watchlists.{names.suffix}", f"t.alerts.{names.suffix}"
    await ensure_topics(kafka_bootstrap, {watchlists: 1, alerts: 1})
    await _break_entry(kafka_bootstrap, watchlists, b"custom:A1", "wl-broken")
    app = build_app(_settings(kafka_bootstrap, names, watchlists, alerts))
    await app.start()
    try:
        await produce(kafka_bootstrap, names.transfers, [(b"a", transfer_json(transfer_id="while-broken"))])
        held = _decisions(await consume_until(kafka_bootstrap, names.decisions, lambda r: len(r) >= 1))
        # The next publish sends A1 again: the screener applies it without a restart.
        v1 = Snapshot.build([_entry("A1", "Zarina Qadir Baloch")])
        await publish(kafka_bootstrap, watchlists, v1)
        await produce(
            kafka_bootstrap,
            names.transfers,
            [(b"c", transfer_json(transfer_id="healed", beneficiary=party("acct-z", name="BALOCH, Zarina Qadir")))],
        )
        after = _decisions(await consume_until(kafka_bootstrap, names.decisions, lambda r: len(r) >= 2))
    finally:
        await app.stop()
    assert held["while-broken"].action == Action.HOLD
    (reason,) = [r for r in held["while-broken"].reasons if r.rule_id == "system.watchlist_unavailable"]
    assert "custom:A1 (offset 0: not a watchlist record: Invalid JSON" in reason.evidence["error"]
    errors = _errors(caplog)
    assert any(m.startswith(f"no complete watchlist version on {watchlists}: 1 unreadable record(s): custom:A1")
               for m in errors)
    assert not any("not read within" in m for m in errors), "the cause is named, not a timeout"
    assert after["healed"].watchlist_version == v1.version
    assert after["healed"].action == Action.HOLD and after["healed"].reasons[0].rule_id == "sanctions.name"
