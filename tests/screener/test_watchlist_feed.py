"""Hot reload on the real broker: a new list version reaches a running screener without a restart,
retro-screens the parties it saw, and proposes releasing holds whose only reason was delisted."""

from __future__ import annotations

import gc
import uuid

import pytest

from schemas import Action, Alert, AlertKind, Decision
from schemas.watchlist import EntryName, EntryWallet, ListName, WatchlistEntry
from services.broker import ensure_topics
from services.screener.bootstrap import build_app
from services.screener.settings import Settings
from services.watchlists.adapters.changelog import publish
from services.watchlists.snapshot import Snapshot
from tests.factories import party, transfer_json
from tests.streams import consume_until, fresh_topics, produce

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


async def test_new_version_reaches_the_running_screener_and_raises_alerts(kafka_bootstrap: str) -> None:
    names = await fresh_topics(kafka_bootstrap)
    watchlists, alerts = f"t.watchlists.{names.suffix}", f"t.alerts.{names.suffix}"
    await ensure_topics(kafka_bootstrap, {watchlists: 1, alerts: 1})
    v1 = Snapshot.build([_entry("A1", "Zarina Qadir Baloch"), _entry("B1", "Wallet Owner", LISTED_WALLET)])
    await publish(kafka_bootstrap, watchlists, v1)
    settings = Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        transfers_topic=names.transfers,
        decisions_topic=names.decisions,
        dlq_topic=names.dlq,
        watchlists_topic=watchlists,
        alerts_topic=alerts,
        group_id=f"screener-{uuid.uuid4().hex[:6]}",
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
    )
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
