"""The `Suppression` a false-positive closure records, built from what the case desk has on file.

The desk's outbox item (desk.py `_task`, kind `suppression`) names the entry, the account and the two
officers. The rest comes from the case's own records, read here with SQLAlchemy Core:

- the hold or flag whose `sanctions.name` reason cited this entry for this account (the newest one):
  its evidence gives the party's role, the entry's fingerprint and the watchlist version it was judged on;
- the transfer as it arrived (`casedesk_transfers.event`): the party's name, birth date and document;
- the audit log: the officers' notes on the closure and its approval, which are the suppression's reason.

A record that can be built later (the transfer has not arrived yet) is `NotYet`; one that never can (no
second officer, a match raised by retro-screening, which names no entry fingerprint, a hit from before
fingerprints) is `Unrecordable`, with the reason, for the audit log.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import desc, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from schemas import TransferEvent
from schemas.suppression import DEFAULT_LIFETIME, Suppression
from services.casedesk.adapters.case_store import OutboxItem
from services.casedesk.adapters.tables import alerts, audit, outbox, transfers
from services.casedesk.domain.alert import SANCTIONS_NAME, AlertKind
from services.casedesk.domain.officer import CaseAction
from services.screener.domain.suppressions import suppressed_party

_NOTE_LIMIT = 1000
_DROPPED = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


@dataclass(frozen=True, slots=True)
class NotYet:
    """Not buildable yet; the item stays pending."""

    reason: str


@dataclass(frozen=True, slots=True)
class Unrecordable:
    """Never buildable: the item is settled with an audit entry saying why."""

    reason: str


@dataclass(frozen=True, slots=True)
class _Hit:
    transfer_id: str | None
    evidence: Mapping[str, Any]
    watchlist_version: str | None


async def suppression_for(
    engine: AsyncEngine, item: OutboxItem, lifetime: timedelta = DEFAULT_LIFETIME
) -> Suppression | NotYet | Unrecordable:
    body = item.body
    entry_key, account_id = str(body.get("entry_key") or ""), body.get("account_id")
    decided_by, approved_by = body.get("decided_by"), body.get("approved_by")
    if not entry_key or not decided_by:
        return Unrecordable("the outbox item names no entry or no officer")
    if not approved_by:
        return Unrecordable("no second officer approved the closure: a suppression is a four-eyes decision")
    async with engine.connect() as connection:
        created_at = (await connection.execute(select(outbox.c.created_at).where(outbox.c.id == item.id))).scalar_one()
        hit, retro = await _name_hit(connection, item.case_id, entry_key, account_id)
        if hit is None:
            if retro:
                return Unrecordable(
                    "the match was raised by retro-screening, whose alert carries no entry fingerprint; "
                    "the party's next hold on this entry can be closed as a false positive"
                )
            return Unrecordable(f"no sanctions.name hit on {entry_key} for {account_id} in case {item.case_id}")
        fingerprint, version = hit.evidence.get("entry_fingerprint"), hit.watchlist_version
        if not isinstance(fingerprint, str) or not fingerprint:
            return Unrecordable("the hit carries no entry fingerprint (screened before suppressions existed)")
        if not version:
            return Unrecordable("the hit names no watchlist version")
        event = None
        if hit.transfer_id is not None:
            event = (
                await connection.execute(select(transfers.c.event).where(transfers.c.transfer_id == hit.transfer_id))
            ).scalar_one_or_none()
        if event is None:
            return NotYet(f"transfer {hit.transfer_id} is not on file yet")
        reason = await _reason(connection, item.case_id, str(decided_by), str(approved_by))
    try:
        transfer = TransferEvent.model_validate(event)
    except ValidationError as error:
        return Unrecordable(f"transfer {hit.transfer_id} on file does not parse: {error.error_count()} error(s)")
    role = hit.evidence.get("role")
    if role not in ("originator", "beneficiary"):
        return Unrecordable(f"the hit names no party role ({role!r})")
    party = transfer.originator if role == "originator" else transfer.beneficiary
    if account_id is not None and party.account_id != account_id:
        return Unrecordable(f"the hit's {role} is {party.account_id}, not {account_id}")
    cleared = (
        suppressed_party(party.name, party.date_of_birth, party.id_type, party.id_number, party.account_id)
        if party.name
        else None
    )
    if cleared is None:
        return Unrecordable("the party has no name that normalises to anything")
    try:
        return Suppression(
            suppression_id=Suppression.derive_id(entry_key, cleared.fingerprint),
            entry_key=entry_key,
            entry_fingerprint=fingerprint,
            watchlist_version=version,
            party=cleared,
            decided_by=decided_by,
            approved_by=approved_by,
            reason=reason,
            case_id=item.case_id,
            created_at=created_at,
            expires_at=created_at + lifetime,
        )
    except ValidationError as error:
        return Unrecordable(f"not a valid suppression: {error.errors(include_url=False)[0]['msg']}")


async def _name_hit(
    connection: AsyncConnection, case_id: str, entry_key: str, account_id: str | None
) -> tuple[_Hit | None, bool]:
    """The newest hold or flag of the case with a `sanctions.name` reason on this entry and account, and
    whether a retro hit names the pair instead."""
    rows = await connection.execute(
        select(alerts.c.kind, alerts.c.transfer_id, alerts.c.source)
        .where(alerts.c.case_id == case_id)
        .order_by(desc(alerts.c.raised_at))
    )
    retro = False
    for row in rows:
        source = row.source if isinstance(row.source, dict) else {}
        if row.kind in (AlertKind.HOLD.value, AlertKind.FLAG.value):
            for reason in source.get("reasons") or ():
                evidence = reason.get("evidence") or {}
                subjects = reason.get("subjects") or ()
                if (
                    reason.get("rule_id") == SANCTIONS_NAME
                    and evidence.get("entry_key") == entry_key
                    and (subjects[0] if subjects else None) == account_id
                ):
                    version = evidence.get("watchlist_version") or source.get("watchlist_version")
                    return _Hit(row.transfer_id, evidence, str(version) if version else None), retro
        elif row.kind == AlertKind.RETRO_HIT.value:
            keys = str(source.get("entry_key") or "").split(",")
            retro = retro or (entry_key in keys and account_id in (source.get("subjects") or ()))
    return None, retro


async def _reason(connection: AsyncConnection, case_id: str, maker: str, checker: str) -> str:
    """The maker's note on the closure, and the checker's on the approval when there is one."""
    notes = {}
    for action in (CaseAction.CLOSE_FALSE_POSITIVE, CaseAction.APPROVE):
        payload = (
            await connection.execute(
                select(audit.c.payload)
                .where(audit.c.subject == case_id, audit.c.action == action.value)
                .order_by(desc(audit.c.seq))
                .limit(1)
            )
        ).scalar_one_or_none()
        notes[action] = _plain(str(payload.get("note") or "")) if isinstance(payload, dict) else ""
    made, checked = notes[CaseAction.CLOSE_FALSE_POSITIVE], notes[CaseAction.APPROVE]
    text = made or f"closed as a false positive by {maker}"
    if checked:
        text += f" (approved by {checker}: {checked})"
    return text[:_NOTE_LIMIT]


def _plain(note: str) -> str:
    """One line without control or format characters (ZWNJ and ZWJ are kept: names are spelt with them)."""
    kept = "".join(" " if unicodedata.category(c) in _DROPPED and c not in "\u200c\u200d" else c for c in note)
    return " ".join(kept.split())
