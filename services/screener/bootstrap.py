"""Composition root of the screener: settings → watchlist, policy, broker, subscriber."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import Any

from faststream import AckPolicy, FastStream
from faststream.kafka import KafkaBroker, KafkaMessage

from services.screener.adapters import ofac_sdn
from services.screener.domain.decide import Policy
from services.screener.domain.rules import ScreeningContext
from services.screener.domain.watchlist import WatchlistSnapshot
from services.screener.handlers import TransferHandler
from services.screener.settings import Settings

log = logging.getLogger(__name__)


def demo_sdn_path() -> Path:
    """The small OFAC excerpt shipped for the embedded demo (see services/screener/data/README.md)."""
    return Path(str(resources.files("services.screener") / "data" / "ofac_sdn_excerpt.csv"))


def load_watchlist(settings: Settings) -> WatchlistSnapshot:
    path = settings.ofac_sdn_path or demo_sdn_path()
    try:
        snapshot = ofac_sdn.load_snapshot(path)
    except (OSError, ValueError) as exc:
        # Fail closed: a screener without its lists keeps running but holds everything.
        log.error("watchlist failed to load from %s: %s; every transfer will be held", path, exc)
        return WatchlistSnapshot.unavailable(f"{path}: {exc}")
    log.info("watchlist %s loaded from %s: %d listed wallets", snapshot.version, path, len(snapshot.wallets))
    return snapshot


async def _raw_records(message: KafkaMessage) -> Any:
    # Hand the handler the untouched records: decoding here would let one malformed record
    # fail the whole batch before it could be dead-lettered.
    raw = message.raw_message
    return raw if isinstance(raw, tuple) else (raw,)


def build_app(settings: Settings, watchlist: WatchlistSnapshot | None = None) -> FastStream:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        acks="all",
        enable_idempotence=False,
        logger=log,
    )
    handler = TransferHandler(
        broker=broker,
        context=ScreeningContext(watchlist=watchlist or load_watchlist(settings)),
        policy=Policy(version=settings.policy_version),
        decisions_topic=settings.decisions_topic,
        dlq_topic=settings.dlq_topic,
    )

    @broker.subscriber(
        settings.transfers_topic,
        group_id=settings.group_id,
        batch=True,
        max_records=settings.max_records,
        batch_timeout_ms=50,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.session_timeout_ms,
        heartbeat_interval_ms=settings.heartbeat_interval_ms,
        ack_policy=AckPolicy.MANUAL,
        decoder=_raw_records,
    )
    async def on_transfers(records: Any, message: KafkaMessage) -> None:
        await handler.handle(records, message)

    return FastStream(broker, logger=log)
