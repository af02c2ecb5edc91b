"""What ingest refuses beyond the contract: event times far from its clock, and ids outside the exchange's scope.

Both rules need context the contract does not have (the ingest clock, the known exchanges), so they live
here and not in `schemas/`. The clock is passed in: these functions never read the time themselves.

- **Event time.** The screener's graph window slides with the newest event time it has seen, so one
  transfer dated far ahead would evict everyone (see services/screener/domain/event_time.py); one dated
  years back is a typo or a replay of archives through the live path. Both are refused at the door.
- **Id scope.** Transfer ids are the end-to-end key (ledger, decisions) and stay global. Requiring each
  id to start with its own exchange id and a separator gives every exchange a namespace of its own, so
  no exchange can claim, or learn from a 409 about, the ids of another.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from schemas import TransferEvent

ID_SEPARATORS = ":-_/."
"""What may follow the exchange id at the start of a transfer id (`rupee-vx:42`, `rupee-vx-42`, …)."""


@dataclass(frozen=True, slots=True)
class Refusal:
    field: str
    """The event's field, as the API names it (`occurred_at`, `transfer_id`)."""
    message: str


@dataclass(frozen=True, slots=True)
class AdmissionRules:
    max_future_skew: timedelta
    max_age: timedelta
    require_id_prefix: bool = True
    known_exchanges: frozenset[str] = field(default_factory=frozenset)
    """Exchanges with API keys: an id in the namespace of a longer one of them is not a shorter one's."""


def _span(delta: timedelta) -> str:
    # Seconds up to an hour, so a value just over the (seconds) skew limit reads as such: "301 s".
    seconds = delta.total_seconds()
    if seconds < 3600:
        return f"{seconds:.0f} s"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _limit(delta: timedelta) -> str:
    # Limits are round numbers from the settings: say them exactly, in the unit they were set in.
    seconds = delta.total_seconds()
    if seconds >= 86400 and seconds % 86400 == 0:
        return f"{seconds / 86400:.0f} days"
    return f"{seconds:g} s"


def event_time_refusal(
    occurred_at: datetime, now: datetime, max_future_skew: timedelta, max_age: timedelta
) -> Refusal | None:
    """Refuse an `occurred_at` more than `max_future_skew` after `now`, or more than `max_age` before it."""
    ahead = occurred_at - now
    if ahead > max_future_skew:
        return Refusal(
            "occurred_at",
            f"{_span(ahead)} ahead of the ingest clock ({now.isoformat()}); "
            f"the limit is {_limit(max_future_skew)} ahead",
        )
    behind = now - occurred_at
    if behind > max_age:
        return Refusal(
            "occurred_at",
            f"{_span(behind)} behind the ingest clock ({now.isoformat()}); the limit is {_limit(max_age)} behind",
        )
    return None


def _in_namespace(transfer_id: str, exchange_id: str) -> bool:
    return (
        len(transfer_id) > len(exchange_id) + 1
        and transfer_id.startswith(exchange_id)
        and transfer_id[len(exchange_id)] in ID_SEPARATORS
    )


def id_scope_refusal(transfer_id: str, exchange_id: str, known_exchanges: Collection[str] = ()) -> Refusal | None:
    """Refuse a `transfer_id` that does not start with `exchange_id` and a separator.

    Exchange ids may themselves contain separators (`rupee` and `rupee-vx`), so `rupee-vx:1` also starts
    with `rupee-`; it belongs to the longest known exchange whose namespace it is in, never to a shorter one.
    """
    if not _in_namespace(transfer_id, exchange_id):
        return Refusal(
            "transfer_id",
            f"must start with the exchange id {exchange_id!r} followed by one of {' '.join(ID_SEPARATORS)} "
            f"and a local id (e.g. {exchange_id}:{transfer_id})",
        )
    if any(len(other) > len(exchange_id) and _in_namespace(transfer_id, other) for other in known_exchanges):
        # Deliberately not naming the other exchange: the id's owner is not this submitter's business.
        return Refusal("transfer_id", "is in the namespace of another exchange")
    return None


def refusals(event: TransferEvent, now: datetime, rules: AdmissionRules) -> list[Refusal]:
    """Every admission rule `event` breaks (empty: admitted)."""
    found = [event_time_refusal(event.occurred_at, now, rules.max_future_skew, rules.max_age)]
    if rules.require_id_prefix:
        found.append(id_scope_refusal(event.transfer_id, event.exchange_id, rules.known_exchanges))
    return [r for r in found if r is not None]
