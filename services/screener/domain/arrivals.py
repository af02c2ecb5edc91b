"""Transfers read from every partition, waiting for their turn to enter this replica's graph.

A replica screens only its own partitions, but the patterns it looks for span accounts keyed to
any partition, so it also reads every partition (adapters/graph_tail.py) and keeps what it read
here. Before it screens a transfer it moves into the graph every waiting transfer that happened
earlier (in `event_order`), so the graph a transfer is screened against holds what the whole
exchange did before it, as in the backtest, and nothing that came after.

`Arrivals` also knows how far it has read each partition, which is what the screener waits on:
a batch is screened once every partition has been read up to the batch's event time, or to
the partition's end.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from datetime import datetime

from schemas import TransferEvent
from services.screener.domain.order import event_order


class Arrivals:
    """A heap of transfers in event order plus, per partition, the next offset and latest event time read."""

    def __init__(self, starts: Mapping[int, int]) -> None:
        # (event order, arrival number, transfer): the number keeps a redelivered duplicate comparable.
        self._heap: list[tuple[tuple[datetime, str], int, TransferEvent]] = []
        self._arrived = 0
        self.next_offset: dict[int, int] = dict(starts)
        self.latest: dict[int, datetime] = {}

    def __len__(self) -> int:
        return len(self._heap)

    def arrive(self, partition: int, offset: int, transfer: TransferEvent | None) -> None:
        """Record a read record; `transfer` is None for one that did not parse (it only advances the offset)."""
        self.next_offset[partition] = max(self.next_offset.get(partition, 0), offset + 1)
        if transfer is None:
            return
        self._arrived += 1
        heapq.heappush(self._heap, (event_order(transfer), self._arrived, transfer))
        seen = self.latest.get(partition)
        if seen is None or transfer.occurred_at > seen:
            self.latest[partition] = transfer.occurred_at

    def take_before(self, key: tuple[datetime, str]) -> list[TransferEvent]:
        """Every waiting transfer that comes strictly before `key` in event order, oldest first."""
        taken: list[TransferEvent] = []
        heap = self._heap
        while heap and heap[0][0] < key:
            taken.append(heapq.heappop(heap)[2])
        return taken

    def lagging(self, until: datetime, ends: Mapping[int, int]) -> list[int]:
        """Partitions not yet read up to event time `until` nor to their end offset in `ends`."""
        return sorted(
            partition
            for partition, end in ends.items()
            if self.next_offset.get(partition, 0) < end
            and (partition not in self.latest or self.latest[partition] < until)
        )
