"""Topics created up front at their final partition count.

Creating them explicitly matters: a producer or a FastStream subscriber that gets there first makes the
topic itself with the broker's or FastStream's default count, and partitions can't be taken back later
(Tansu cannot even add them).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import for_code

from schemas.topics import PARTITIONS, TOPIC_CONFIGS

TOPIC_ALREADY_EXISTS = 36
"""Kafka error code; another process creating the same topic concurrently is not a failure."""
REPLICATION_FACTOR = 1
"""The project's brokers are single-node."""

log = logging.getLogger(__name__)


class TopicError(RuntimeError):
    """A topic could not be created, or did not show up in the metadata in time."""


async def ensure_topics(
    bootstrap: str,
    partitions: Mapping[str, int],
    *,
    wait_s: float = 30.0,
    configs: Mapping[str, Mapping[str, str]] | None = None,
) -> None:
    """Create the missing topics with the given partition counts and wait until all are visible.

    Visible means the broker's metadata lists every partition with a leader, so a producer started right
    after this returns finds the topic instead of auto-creating a different one.
    """
    if not partitions:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(wait_s * 1000))
    try:
        async with asyncio.timeout(wait_s):
            await admin.start()
            existing = {str(entry["topic"]) for entry in await admin.describe_topics()}
            missing = {name: count for name, count in partitions.items() if name not in existing}
            if missing:
                await _create(admin, missing, configs or TOPIC_CONFIGS)
            await _wait_visible(admin, partitions, set(missing))
    except TimeoutError as exc:
        raise TopicError(f"topics {sorted(partitions)} not ready on {bootstrap} within {wait_s:.0f} s") from exc
    finally:
        await admin.close()


async def ensure_project_topics(bootstrap: str, *, wait_s: float = 30.0) -> None:
    """The topics the AML pipeline uses, at the counts in schemas/topics.py."""
    await ensure_topics(bootstrap, PARTITIONS, wait_s=wait_s)


async def partitions_of(bootstrap: str, topic: str, *, wait_s: float = 30.0) -> list[int]:
    """The partition numbers of an existing topic (empty when it does not exist); never creates it."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(wait_s * 1000))
    try:
        async with asyncio.timeout(wait_s):
            await admin.start()
            # describe_topics() without names: naming a missing topic in a metadata request auto-creates it.
            for entry in await admin.describe_topics():
                if entry["topic"] == topic:
                    return sorted(int(p["partition"]) for p in entry["partitions"])
            return []
    except TimeoutError as exc:
        raise TopicError(f"topic {topic!r} not described by {bootstrap} within {wait_s:.0f} s") from exc
    finally:
        await admin.close()


async def _create(admin: Any, missing: Mapping[str, int], configs: Mapping[str, Mapping[str, str]]) -> None:
    response = await admin.create_topics(
        [
            NewTopic(name, count, REPLICATION_FACTOR, topic_configs=dict(configs.get(name, {})))
            for name, count in missing.items()
        ]
    )
    for topic_error in response.topic_errors:
        name, code = topic_error[0], topic_error[1]
        if code in (0, TOPIC_ALREADY_EXISTS):
            continue
        message = topic_error[2] if len(topic_error) > 2 else None
        raise TopicError(f"creating topic {name!r} failed: {for_code(code).__name__} {message or ''}".rstrip())
    log.info("created topics %s", dict(missing))


async def _wait_visible(admin: Any, wanted: Mapping[str, int], created: set[str]) -> None:
    warned: set[str] = set()
    while True:
        # describe_topics() without names: naming a missing topic in a metadata request auto-creates it.
        by_name = {str(entry["topic"]): entry for entry in await admin.describe_topics()}
        pending = [name for name, count in wanted.items() if not _ready(by_name.get(name), count, name in created)]
        for name in set(wanted) - set(pending) - created - warned:
            count = len(by_name[name]["partitions"])
            if count != wanted[name]:
                # Made earlier by someone else; partitions can't be removed, so report rather than fail.
                log.warning("topic %s already exists with %d partitions, not %d", name, count, wanted[name])
            warned.add(name)
        if not pending:
            return
        await asyncio.sleep(0.1)


def _ready(entry: Mapping[str, Any] | None, count: int, exact: bool) -> bool:
    if entry is None or entry.get("error_code", 0) != 0:
        return False
    partitions = entry.get("partitions") or []
    if exact and len(partitions) != count:
        return False
    return bool(partitions) and all(p.get("leader", -1) >= 0 for p in partitions)
