"""Keeps a running screener on the newest committed watchlist version, and retro-screens on change.

Each version from the changelog becomes a new immutable screening snapshot (wallet index and name
matcher built off the event loop), swapped into the handler's context between batches. For a
version that arrived while running, the parties seen in the retention window are screened against
only the added or changed entries, and delistings become release proposals: both are published on
the alerts topic with deterministic ids, so replicas and restarts never raise an alert twice.

An incomplete version (one with unreadable records, see `changelog.py`) is never applied: the last
complete one stays in force, or is applied at start-up; with none at all, transfers stay held and
the hold's evidence names the unreadable records.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from dataclasses import replace

from faststream.kafka import KafkaBroker

from schemas.common import utc_now
from schemas.watchlist import WatchlistCommit
from services.screener.domain.retro import PartyRegister, retro_screen
from services.screener.domain.watchlist import WatchlistSnapshot
from services.screener.handlers import TransferHandler
from services.watchlists.adapters.changelog import ChangelogFollower, FollowerStatus, describe_unreadable
from services.watchlists.domain.criteria import MatchConfig
from services.watchlists.snapshot import Snapshot, SnapshotDiff

log = logging.getLogger(__name__)
_JSON = {"content-type": "application/json"}


class WatchlistFeed:
    def __init__(
        self,
        bootstrap: str,
        topic: str,
        alerts_topic: str,
        handler: TransferHandler,
        broker: KafkaBroker,
        register: PartyRegister,
        config: MatchConfig | None = None,
    ) -> None:
        self.handler = handler
        self.broker = broker
        self.register = register
        self.alerts_topic = alerts_topic
        self.config = config
        self.follower = ChangelogFollower(bootstrap, topic, self._on_version)
        self.applied = asyncio.Event()
        """Set when a version has been swapped in (tests and start-up wait on it)."""

    @property
    def status(self) -> FollowerStatus:
        """The list follower's state, for health reporting."""
        return self.follower.status

    async def start(self, wait_s: float) -> None:
        """Start following; wait until the log as it was is read, so screening starts on real lists."""
        await self.follower.start()
        try:
            await asyncio.wait_for(self.follower.caught_up.wait(), wait_s)
            if self.follower.state.complete is not None:
                await asyncio.wait_for(self.applied.wait(), wait_s)
        except TimeoutError:
            error = self.follower.status.error
            log.error(
                "watchlist changelog not read within %.0f s%s; transfers are held until it is",
                wait_s,
                f" (last error: {error})" if error else "",
            )
            return
        state = self.follower.state
        if state.commit is None:
            log.error("no watchlist version published yet: every transfer is held until `aml watchlists publish`")
        elif state.complete is None:
            self._hold_for_unreadable(describe_unreadable(state.unreadable))

    def _hold_for_unreadable(self, unreadable: str) -> None:
        reason = f"no complete watchlist version on {self.follower.topic}: {unreadable}"
        log.error("%s; every transfer is held until `aml watchlists publish` sends them again", reason)
        if self.handler.context.watchlist.load_error is not None:  # still nothing applied
            # The hold's evidence then names the records at fault, not only "no version yet".
            unavailable = WatchlistSnapshot.unavailable(reason)
            self.handler.context = replace(self.handler.context, watchlist=unavailable)

    async def stop(self) -> None:
        await self.follower.stop()

    async def _on_version(self, snapshot: Snapshot, changes: SnapshotDiff | None, commit: WatchlistCommit) -> None:
        lists = await asyncio.to_thread(WatchlistSnapshot.from_entries, snapshot.version, snapshot.entries, self.config)
        # Between batches: a batch is screened synchronously, so it always sees one whole version.
        self.handler.context = replace(self.handler.context, watchlist=lists)
        # Full lists are about a million long-lived objects: left to the cyclic collector, each full collection
        # walks them all (most of a second on a 2-core VM) in the middle of screening. Frozen, they are left
        # out; a replaced version is still freed by reference counting when its last batch is done.
        gc.freeze()
        self.applied.set()
        log.info("watchlist %s applied: %s entries (%s)", snapshot.version, len(snapshot.entries), snapshot.counts)
        if changes is None or changes.empty:
            return
        now = utc_now()
        self.register.evict(now)
        seen = self.register.copy()  # the stream keeps observing while the copy is screened
        alerts = await asyncio.to_thread(retro_screen, seen, changes, snapshot.version, now, self.config)
        sends = [
            await self.broker.publish(
                alert.model_dump_json().encode(),
                topic=self.alerts_topic,
                key=alert.entry_key.encode(),
                headers=_JSON,
                no_confirm=True,
            )
            for alert in alerts
        ]
        await asyncio.gather(*sends)
        log.info(
            "retro-screening for %s: +%d ~%d -%d entries, %d alerts",
            snapshot.version,
            len(changes.added),
            len(changes.changed),
            len(changes.removed),
            len(alerts),
        )
