"""The audit hash chain: the documented hash, and verification naming the first broken entry."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from services.casedesk.domain.audit_chain import GENESIS, AuditEntry, chain, entry_hash, verify
from tests.casedesk.domain.builders import T0


def _log(length: int = 5) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    for i in range(length):
        previous = entries[-1] if entries else None
        entries.append(chain(previous, T0 + timedelta(minutes=i), "alice", "comment", "c-1", {"note": f"n{i}"}))
    return entries


def test_entry_hash_is_sha256_of_the_documented_canonical_json() -> None:
    at = datetime(2026, 11, 2, 14, 0, 0, 5, tzinfo=timezone(timedelta(hours=5)))  # 09:00 UTC
    text = (
        '{"action":"release","actor":"sāra","at":"2026-11-02T09:00:00.000005Z",'
        '"payload":{"a":[1,"x"],"z":{"k":true}},"prev_hash":"' + GENESIS + '","seq":1,"subject":"c-1"}'
    )
    expected = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert entry_hash(1, at, "sāra", "release", "c-1", {"z": {"k": True}, "a": (1, "x")}, GENESIS) == expected


def test_payload_values_with_a_canonical_text_form() -> None:
    payload = {"when": T0, "day": T0.date(), "id": uuid.UUID(int=1), "amount": Decimal("1E+2")}
    text_form = {
        "when": "2026-11-02T09:00:00.000000Z",
        "day": "2026-11-02",
        "id": "00000000-0000-0000-0000-000000000001",
        "amount": "100",
    }
    assert entry_hash(1, T0, "a", "b", "c", payload, GENESIS) == entry_hash(1, T0, "a", "b", "c", text_form, GENESIS)


@pytest.mark.parametrize("payload", [{"x": {1, 2}}, {"x": float("nan")}, {"x": datetime(2026, 1, 1)}])
def test_a_payload_without_a_canonical_form_is_refused(payload: dict[str, object]) -> None:
    with pytest.raises((TypeError, ValueError)):
        entry_hash(1, T0, "a", "b", "c", payload, GENESIS)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        chain(None, datetime(2026, 11, 2, 9, 0), "a", "b", "c", {})


def test_chain_links_entries() -> None:
    first, second = _log(2)
    assert (first.seq, first.prev_hash) == (1, GENESIS)
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert second.hash == entry_hash(2, second.at, "alice", "comment", "c-1", {"note": "n1"}, first.hash)


def test_chain_seals_a_copy_of_the_payload() -> None:
    payload: dict[str, object] = {"note": "original", "when": T0}
    entry = chain(None, T0, "alice", "comment", "c-1", payload)
    payload["note"] = "edited"
    assert entry.payload == {"note": "original", "when": "2026-11-02T09:00:00.000000Z"}
    assert verify([entry]) is None


def test_an_intact_log_verifies() -> None:
    assert verify(_log()) is None
    assert verify([]) is None


def test_an_edited_payload_is_named() -> None:
    log = _log()
    log[2] = replace(log[2], payload={"note": "changed"})
    assert verify(log) == 3


def test_an_edited_hash_is_named() -> None:
    log = _log()
    log[1] = replace(log[1], hash="f" * 64)
    assert verify(log) == 2


def test_an_edit_rehashed_by_the_editor_shows_at_the_next_entry() -> None:
    log = _log()
    edited = replace(log[1], actor="mallory")
    log[1] = replace(
        edited, hash=entry_hash(2, edited.at, "mallory", "comment", "c-1", edited.payload, edited.prev_hash)
    )
    assert verify(log) == 3


def test_a_deleted_entry_is_named_by_the_one_after_the_gap() -> None:
    log = _log()
    del log[2]
    assert verify(log) == 4


def test_a_deleted_first_entry_is_found() -> None:
    assert verify(_log()[1:]) == 2


def test_reordered_entries_are_named() -> None:
    log = _log()
    log[1], log[2] = log[2], log[1]
    assert verify(log) == 3


def test_a_repeated_entry_is_named() -> None:
    log = _log(3)
    assert verify([log[0], log[1], log[1], log[2]]) == 2


def test_an_edited_time_is_named() -> None:
    log = _log()
    log[3] = replace(log[3], at=log[3].at + timedelta(seconds=1))
    assert verify(log) == 4


def test_an_entry_whose_payload_cannot_be_hashed_is_broken() -> None:
    log = _log(2)
    log[1] = replace(log[1], payload={"x": object()})
    assert verify(log) == 2


def test_a_tail_verifies_from_a_trusted_entry() -> None:
    log = _log()
    assert verify(log[2:], after=log[1]) is None
    assert verify(log[3:], after=log[1]) == 4
    assert verify(log[2:], after=replace(log[1], hash="0" * 64)) == 3


def test_the_same_instant_in_another_zone_hashes_the_same() -> None:
    here = T0.astimezone(timezone(timedelta(hours=5)))
    assert entry_hash(1, here, "a", "b", "c", {}, GENESIS) == entry_hash(
        1, T0.astimezone(UTC), "a", "b", "c", {}, GENESIS
    )
