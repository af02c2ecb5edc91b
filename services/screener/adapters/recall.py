"""Decisions already published for transfers the group has not committed yet.

A screener that dies after publishing a batch's decisions but before committing its offsets
leaves that batch to be redelivered. Screening it again need not give the same decision: the
replacement's graph holds every other partition's transfers up to their commits, and the batch
may be cut differently the second time, so the graph a transfer meets can differ. A decision
once published is what the ledger may already have acted on, so it must stand. Whenever a replica
is assigned partitions (at start, or when it takes over from one that died; see
bootstrap.RecallOnAssign) it reads back the decisions published since their first uncommitted
transfer; a redelivered transfer then gets the decision it was given, and only the graph learns it
again. A replica that loses partitions in a rebalance first lets its batch in flight publish and
commit (`TransferHandler.wait_idle`), so the next owner never meets a half-published batch.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import ValidationError

from schemas import Decision
from services.broker.topics import partitions_of

log = logging.getLogger(__name__)

CLOCK_SKEW_MS = 60_000
"""Record timestamps come from the producers' clocks (ingest's for transfers, the screener's for
decisions); a decision is read back from this long before its transfer's timestamp, so hosts whose
clocks disagree by less than this lose nothing. Reading earlier only costs a little more reading."""


async def recall_decisions(
    bootstrap: str,
    transfers_topic: str,
    decisions_topic: str,
    committed: Mapping[int, int],
    idle_ms: int = 1000,
) -> dict[str, Decision]:
    """System decisions published since the first transfer the group has not committed, by transfer id.

    `committed` maps each partition of the transfers topic to the group's committed offset
    (0 when it has none). Officer decisions on the same topic are skipped: only a screening's
    own decision (`Decision.system_id`) stands in for a re-screening.
    """
    numbers = await partitions_of(bootstrap, decisions_topic)
    # "earliest": an offset already removed by retention reads from the oldest record kept.
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        since = await _first_uncommitted_ms(consumer, transfers_topic, committed, idle_ms)
        if since is None:
            return {}
        partitions = [TopicPartition(decisions_topic, n) for n in numbers]
        if not partitions:
            return {}
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.offsets_for_times(dict.fromkeys(partitions, max(0, since - CLOCK_SKEW_MS)))
        live = set()
        for tp in partitions:
            found = starts.get(tp)
            if found is not None and found.offset < ends[tp]:
                consumer.seek(tp, found.offset)
                live.add(tp)
        recalled: dict[str, Decision] = {}
        while live and (batches := await consumer.getmany(*live, timeout_ms=idle_ms)):
            for tp, records in batches.items():
                for record in records:
                    if record.offset >= ends[tp]:
                        break
                    try:
                        decision = Decision.model_validate_json(record.value or b"")
                    except ValidationError:
                        continue  # not ours to judge here; the decisions topic's consumers report it
                    if decision.decision_id == Decision.system_id(decision.transfer_id):
                        recalled.setdefault(decision.transfer_id, decision)  # the first one is the one that counts
                if records and records[-1].offset >= ends[tp] - 1:
                    live.discard(tp)
    finally:
        await consumer.stop()
    log.info("recalled %d decisions published since the first uncommitted transfer", len(recalled))
    return recalled


async def _first_uncommitted_ms(
    consumer: AIOKafkaConsumer, topic: str, committed: Mapping[int, int], idle_ms: int
) -> int | None:
    """The timestamp of the oldest transfer not yet committed by the group, over all partitions."""
    partitions = [TopicPartition(topic, n) for n in sorted(committed)]
    if not partitions:
        return None
    consumer.assign(partitions)
    ends = await consumer.end_offsets(partitions)
    pending = {tp for tp in partitions if committed[tp.partition] < ends[tp]}
    for tp in pending:
        consumer.seek(tp, committed[tp.partition])
    oldest: int | None = None
    while pending and (batches := await consumer.getmany(*pending, timeout_ms=idle_ms, max_records=len(pending))):
        for tp, records in batches.items():
            if records:
                oldest = records[0].timestamp if oldest is None else min(oldest, records[0].timestamp)
                pending.discard(tp)
    return oldest
