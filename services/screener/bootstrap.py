"""Composition root of the screener: settings → watchlist, policy, broker, subscriber."""

from __future__ import annotations

import contextlib
import logging
import tomllib
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from faststream import AckPolicy, FastStream
from faststream.kafka import KafkaBroker, KafkaMessage
from pydantic import ValidationError

from schemas import TransferEvent
from schemas.common import utc_now
from services.broker.topics import partitions_of
from services.http_server import bind, serving
from services.screener.adapters.graph_tail import GraphTail
from services.screener.adapters.recall import recall_decisions
from services.screener.adapters.suppression_feed import SuppressionFeed
from services.screener.adapters.watchlist_feed import WatchlistFeed
from services.screener.domain.event_time import too_far_ahead
from services.screener.domain.graph_screen import GraphScreen
from services.screener.domain.heuristic import DAY
from services.screener.domain.jurisdiction import JurisdictionListError, JurisdictionLists
from services.screener.domain.name_policy import match_config
from services.screener.domain.order import event_order
from services.screener.domain.policy import Policy
from services.screener.domain.retro import PartyRegister
from services.screener.domain.rules import ScreeningContext
from services.screener.domain.watchlist import WatchlistSnapshot
from services.screener.handlers import TransferHandler
from services.screener.health import create_health_app
from services.screener.health import report as health_report
from services.screener.policy_file import default_policy_path as default_policy_path
from services.screener.policy_file import load_policy as load_policy
from services.screener.settings import Settings

log = logging.getLogger(__name__)


def default_jurisdictions_path() -> Path:
    return Path(str(resources.files("services.screener") / "data" / "fatf_jurisdictions.toml"))


def load_jurisdictions(path: Path | None = None) -> JurisdictionLists:
    """The FATF lists of the file (default: the packaged one); errors name the file and the bad key."""
    source = path or default_jurisdictions_path()
    try:
        with source.open("rb") as handle:
            return JurisdictionLists.parse(tomllib.load(handle))
    except (tomllib.TOMLDecodeError, JurisdictionListError) as exc:
        raise JurisdictionListError(f"{source}: {exc}") from exc


def build_context(
    policy: Policy, watchlist: WatchlistSnapshot, jurisdictions: JurisdictionLists | None = None
) -> ScreeningContext:
    """The screening context the stream and the backtest share: one fresh graph per context."""
    return ScreeningContext(
        watchlist=watchlist,
        policy=policy,
        graph=GraphScreen(policy),
        jurisdictions=jurisdictions or load_jurisdictions(),
    )


async def committed_offsets(settings: Settings) -> dict[int, int]:
    """The group's committed offset for every partition of the transfers topic (0 where it has none).

    Assigning partitions by hand reads the commits without joining the group.
    """
    numbers = await partitions_of(settings.kafka_bootstrap_servers, settings.transfers_topic)
    probe = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers, group_id=settings.group_id, enable_auto_commit=False
    )
    await probe.start()
    try:
        partitions = [TopicPartition(settings.transfers_topic, n) for n in numbers]
        probe.assign(partitions)
        return {tp.partition: (await probe.committed(tp)) or 0 for tp in partitions}
    finally:
        await probe.stop()


async def rebuild_graph(
    settings: Settings, context: ScreeningContext, committed: dict[int, int], idle_ms: int = 1000
) -> int:
    """Replay the last window of *every* partition of the transfers topic into the graph.

    A replica owns only some partitions in the consumer group, but laundering patterns span
    accounts keyed to other partitions, so each replica rebuilds the complete graph before it
    screens anything: every partition up to the group's committed offset (`committed`), i.e.
    exactly the transfers the group has already decided. What comes after is screened (and
    graphed) by the stream; a redelivered transfer keeps the decision it was first given
    (adapters/recall.py). Records are fed in event order, as the backtest does. Returns how many
    transfers were replayed.
    """
    if context.graph is None or context.policy is None:
        return 0
    upto = {TopicPartition(settings.transfers_topic, p): offset for p, offset in committed.items() if offset > 0}
    if not upto:
        return 0
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    events: list[TransferEvent] = []
    try:
        consumer.assign(list(upto))
        now = utc_now()
        since_ms = int((now.timestamp() - context.policy.window_days * DAY) * 1000)
        starts = await consumer.offsets_for_times(dict.fromkeys(upto, since_ms))
        for tp in upto:
            found = starts.get(tp)
            consumer.seek(tp, found.offset if found is not None else upto[tp])
        live = set(upto)
        while live and (batches := await consumer.getmany(*live, timeout_ms=idle_ms)):
            for tp, records in batches.items():
                for record in records:
                    if record.offset >= upto[tp]:
                        live.discard(tp)
                        break
                    try:
                        event = TransferEvent.model_validate_json(record.value or b"")
                    except ValidationError:
                        continue  # the group consumer dead-lettered it; the graph just skips it
                    if too_far_ahead(event, now, context.policy.max_future_skew_s):
                        continue  # held when it was screened, and kept out of the window (event_time.py)
                    events.append(event)
                if records and records[-1].offset >= upto[tp] - 1:
                    live.discard(tp)
    finally:
        await consumer.stop()
    events.sort(key=event_order)
    for event in events:
        context.graph.learn(event, context.watchlist)  # these were decided already: graph upkeep only
    log.info("graph rebuilt from the log: %d transfers, %d in the window", len(events), len(context.graph))
    return len(events)


class RecallOnAssign(ConsumerRebalanceListener):  # type: ignore[misc]
    """Whenever partitions are assigned (at start, or taken over from a replica that died), read back
    the decisions already published for their uncommitted transfers (adapters/recall.py), so a
    redelivered transfer keeps the decision it was given whichever replica sees it again."""

    def __init__(self, settings: Settings, handler: TransferHandler) -> None:
        self._settings = settings
        self._handler = handler

    async def on_partitions_revoked(self, revoked: Any) -> None:
        # Let the batch in flight publish and commit while its partitions are still ours.
        if not await self._handler.wait_idle(self._settings.session_timeout_ms / 1000):
            log.warning("a batch was still in flight when partitions %s were revoked", sorted(revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        settings = self._settings
        mine = {tp.partition for tp in assigned if tp.topic == settings.transfers_topic}
        if not mine:
            return
        try:
            committed = await committed_offsets(settings)
            found = await recall_decisions(
                settings.kafka_bootstrap_servers,
                settings.transfers_topic,
                settings.decisions_topic,
                {p: committed.get(p, 0) for p in mine},
            )
        except Exception:
            # Not a loss: the transfers are screened again (still held when that fails). Only their
            # decisions may differ from the ones published before.
            log.exception("could not read back the decisions of partitions %s", sorted(mine))
            return
        for transfer_id, decision in found.items():
            self._handler.recalled.setdefault(transfer_id, decision)


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
    # A policy that fails validation stops the start: running without one could only allow.
    policy = load_policy(settings.policy_path)
    log.info("policy %s loaded", policy.version)
    # Lists come from the changelog unless given (tests, offline runs); until the first version is
    # applied the context holds everything (fail closed).
    waiting = WatchlistSnapshot.unavailable(f"no watchlist version applied yet from {settings.watchlists_topic}")
    register = PartyRegister(timedelta(days=settings.retro_retention_days))
    jurisdictions = load_jurisdictions(settings.jurisdictions_path)
    if (warning := jurisdictions.staleness(utc_now().date())) is not None:
        log.warning("%s (SCREENER_JURISDICTIONS_PATH)", warning)
    handler = TransferHandler(
        broker=broker,
        context=build_context(policy, watchlist or waiting, jurisdictions),
        policy=policy,
        decisions_topic=settings.decisions_topic,
        dlq_topic=settings.dlq_topic,
        register=register,
    )
    feed = (
        None
        if watchlist is not None
        else WatchlistFeed(
            settings.kafka_bootstrap_servers,
            settings.watchlists_topic,
            settings.alerts_topic,
            handler,
            broker,
            register,
            match_config(policy),
        )
    )
    # Cleared false-positive name matches, whatever the lists come from (fixed lists in tests too).
    suppressions = SuppressionFeed(settings.kafka_bootstrap_servers, settings.suppressions_topic, handler)

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
        listener=RecallOnAssign(settings, handler),
    )
    async def on_transfers(records: Any, message: KafkaMessage) -> None:
        await handler.handle(records, message)

    health = contextlib.AsyncExitStack()

    def current_health() -> tuple[int, dict[str, Any]]:
        lists = handler.context.watchlist
        late = handler.tail.late_batches if handler.tail is not None else None
        follower = feed.status.as_dict() if feed is not None else None
        code, body = health_report(handler.status, lists.version, lists.load_error, late, follower)
        # Informational: without suppressions the screener still decides, it only holds false positives again.
        body["suppressions"] = suppressions.status.as_dict()
        return code, body

    async def start_up() -> None:
        try:
            sock = bind(settings.http_host, settings.http_port)
        except OSError as exc:
            log.warning("no /healthz: %s:%s cannot be bound (%s)", settings.http_host, settings.http_port, exc)
        else:
            port = await health.enter_async_context(serving(create_health_app(current_health), sock, name="health"))
            log.info("health at http://%s:%d/healthz", settings.http_host, port)
        # Lists first: the graph rebuild carries listed-wallet exposure forward, so it needs them.
        if feed is not None:
            await feed.start(settings.watchlist_wait_s)
        await suppressions.start(settings.watchlist_wait_s)
        committed = await committed_offsets(settings)
        await rebuild_graph(settings, handler.context, committed)
        if settings.graph_tail and handler.context.graph is not None:
            tail = GraphTail(
                settings.kafka_bootstrap_servers,
                settings.transfers_topic,
                wait_s=settings.graph_tail_wait_s,
                max_waiting=settings.graph_tail_max_waiting,
                max_skew_s=policy.max_future_skew_s,
            )
            # From where the rebuild stopped: the rebuild holds everything before the commits.
            await tail.start(committed)
            handler.tail = tail

    async def shut_down() -> None:
        if handler.tail is not None:
            await handler.tail.stop()
        if feed is not None:
            await feed.stop()
        await suppressions.stop()
        await health.aclose()

    return FastStream(broker, logger=log, on_startup=[start_up], on_shutdown=[shut_down])
