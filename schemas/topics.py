"""Topic names and the partition counts they are created with (create_partitions is avoided)."""

from __future__ import annotations

from typing import Final

TRANSFERS: Final = "aml.transfers.v1"
"""TransferEvent JSON, keyed by originator account id."""
DECISIONS: Final = "aml.decisions.v1"
"""Decision JSON, keyed by transfer id."""
TRANSFERS_DLQ: Final = "aml.transfers.dlq"
"""DeadLetter JSON for transfers nobody could parse, keyed like the original when it had a key."""

WATCHLISTS: Final = "aml.watchlists.v1"
"""Watchlist changelog (entries, tombstones, commits), one partition so versions stay in order."""
ALERTS: Final = "aml.alerts.v1"
"""Alert JSON (retro-screening hits, release proposals), keyed by entry key."""
SUPPRESSIONS: Final = "aml.suppressions.v1"
"""Suppression JSON (a false-positive name match cleared with four eyes), keyed by suppression id; a
tombstone revokes. One partition, compacted: the topic is the set of suppressions in force."""

PARTITIONS: Final[dict[str, int]] = {
    TRANSFERS: 4,
    DECISIONS: 4,
    TRANSFERS_DLQ: 1,
    WATCHLISTS: 1,
    ALERTS: 1,
    SUPPRESSIONS: 1,
}

TOPIC_CONFIGS: Final[dict[str, dict[str, str]]] = {
    # The changelog is the lists' state: compaction keeps the newest record per entry forever,
    # where time-based retention would silently delete entries of older versions.
    WATCHLISTS: {"cleanup.policy": "compact", "max.message.bytes": str(4 * 1024 * 1024)},
    # Likewise the suppressions in force: one record per suppression id, a tombstone when revoked.
    SUPPRESSIONS: {"cleanup.policy": "compact"},
}
