"""False-positive memory, pure: which party and entry a suppression covers, when it lapses, and how the
name rule and the decision show it. Also the follower's record reading (tombstones, unreadable records)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from schemas import Action, IdType, Party, Suppression
from schemas.suppression import entry_fingerprint
from schemas.watchlist import EntryName, ListName, NameKind, WatchlistEntry
from services.screener.adapters.suppression_feed import SuppressionState
from services.screener.domain.decide import Policy, screen
from services.screener.domain.rules import ScreeningContext
from services.screener.domain.sanctions import SANCTIONED_NAME
from services.screener.domain.suppressions import (
    NO_SUPPRESSIONS,
    NOT_SUPPRESSED,
    SUPPRESSED,
    Lapse,
    Suppressions,
    party_of,
)
from services.screener.domain.watchlist import WatchlistSnapshot
from tests.factories import party, transfer

CREATED = datetime(2026, 10, 1, tzinfo=UTC)
WHEN = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # the factories' transfer time
POLICY = Policy(version="p-1")
ZHANG = WatchlistEntry(
    entry_id="45391",
    list_name=ListName.OFAC_SDN,
    list_label="OFAC SDN",
    names=(EntryName(full="ZHANG, Wei"),),
    dates_of_birth=("1977-06-16",),
)
OTHER = WatchlistEntry(
    entry_id="777", list_name=ListName.CUSTOM, list_label="exchange list", names=(EntryName(full="Wei Zhang"),)
)
V1 = WatchlistSnapshot.from_entries("wl-1", [ZHANG, OTHER])
CUSTOMER = party(
    "acct-w", name="Wei Zhang", date_of_birth=date(1990, 3, 12), id_type=IdType.CNIC, id_number="35202-1234567-1"
)


def suppression(of: Party = CUSTOMER, entry: WatchlistEntry = ZHANG, **overrides: object) -> Suppression:
    cleared = party_of(of)
    assert cleared is not None
    values: dict[str, object] = {
        "suppression_id": Suppression.derive_id(entry.key, cleared.fingerprint),
        "entry_key": entry.key,
        "entry_fingerprint": entry_fingerprint(entry),
        "watchlist_version": "wl-1",
        "party": cleared,
        "decided_by": "amina",
        "approved_by": "bilal",
        "reason": "customer born 1990, listed person 1977; CNIC verified",
        "case_id": "C-1",
        "created_at": CREATED,
        "expires_at": CREATED + timedelta(days=365),
    }
    values.update(overrides)
    return Suppression.model_validate(values)


def fingerprint(of: Party) -> str:
    cleared = party_of(of)
    assert cleared is not None
    return cleared.fingerprint


def ctx(lists: WatchlistSnapshot = V1, *items: Suppression) -> ScreeningContext:
    return ScreeningContext(watchlist=lists, suppressions=Suppressions.build(items))


# The party fingerprint


def test_the_same_party_spelt_differently_has_one_fingerprint() -> None:
    same = party(
        "acct-w", name="  WEI   ZHANG ", date_of_birth=date(1990, 3, 12), id_type=IdType.CNIC, id_number="3520212345671"
    )
    assert fingerprint(same) == fingerprint(CUSTOMER)
    cleared = party_of(CUSTOMER)
    assert cleared is not None and cleared.name == "wei zhang" and cleared.id_number == "3520212345671"


@pytest.mark.parametrize(
    "other",
    [
        {"date_of_birth": date(1985, 1, 1)},
        {"date_of_birth": None},
        {"id_number": "35202-7654321-1"},
        {"id_type": IdType.PASSPORT},
        {"id_number": None, "id_type": None},
        {"name": "Zhang Wei"},  # another order is another spelling of the party: not the one cleared
        {"name": "Wei Zhang Li"},
    ],
)
def test_another_birth_date_document_or_name_is_another_party(other: dict[str, object]) -> None:
    assert fingerprint(CUSTOMER.model_copy(update=other)) != fingerprint(CUSTOMER)


def test_an_account_does_not_change_an_identified_party_but_binds_a_bare_name() -> None:
    assert fingerprint(CUSTOMER.model_copy(update={"account_id": "acct-2"})) == fingerprint(CUSTOMER)
    bare = party("acct-w", name="Wei Zhang")
    assert fingerprint(bare.model_copy(update={"account_id": "acct-2"})) != fingerprint(bare)


# Matching and lapsing


def test_a_live_suppression_applies_to_its_party_and_entry_only() -> None:
    found = suppression()
    index = Suppressions.build([found])
    current = entry_fingerprint(ZHANG)
    assert index.check(ZHANG.key, fingerprint(CUSTOMER), current, WHEN).suppression == found
    assert index.check(ZHANG.key, fingerprint(CUSTOMER), current, WHEN).applies
    other_dob = CUSTOMER.model_copy(update={"date_of_birth": date(1985, 1, 1)})
    assert index.check(ZHANG.key, fingerprint(other_dob), current, WHEN) == NOT_SUPPRESSED
    assert index.check(OTHER.key, fingerprint(CUSTOMER), entry_fingerprint(OTHER), WHEN) == NOT_SUPPRESSED
    assert index.check(ZHANG.key, None, current, WHEN) == NOT_SUPPRESSED
    assert not NO_SUPPRESSIONS and len(index) == 1


def test_a_changed_entry_or_the_expiry_lapses_it() -> None:
    found = suppression()
    index = Suppressions.build([found])
    changed = ZHANG.model_copy(update={"names": (*ZHANG.names, EntryName(full="Zhang Weiwei", kind=NameKind.ALIAS))})
    lapsed = index.check(ZHANG.key, fingerprint(CUSTOMER), entry_fingerprint(changed), WHEN)
    assert lapsed.suppression == found and lapsed.lapsed is Lapse.ENTRY_CHANGED and not lapsed.applies
    assert index.check(ZHANG.key, fingerprint(CUSTOMER), None, WHEN).lapsed is Lapse.ENTRY_CHANGED
    late = found.expires_at
    assert index.check(ZHANG.key, fingerprint(CUSTOMER), entry_fingerprint(ZHANG), late).lapsed is Lapse.EXPIRED
    just_before = late - timedelta(seconds=1)
    assert index.check(ZHANG.key, fingerprint(CUSTOMER), entry_fingerprint(ZHANG), just_before).applies


def test_the_entry_fingerprint_covers_every_field() -> None:
    assert entry_fingerprint(ZHANG) == entry_fingerprint(ZHANG.model_copy())
    for change in ({"dates_of_birth": ("1977",)}, {"remarks": "x"}, {"programme": "SDGT"}, {"nationalities": ("CN",)}):
        assert entry_fingerprint(ZHANG.model_copy(update=change)) != entry_fingerprint(ZHANG)


# The contract


def test_the_contract_refuses_a_wrong_id_one_officer_or_an_expiry_before_creation() -> None:
    with pytest.raises(ValidationError, match="derived"):
        suppression(suppression_id=uuid.uuid4())
    with pytest.raises(ValidationError, match="second officer"):
        suppression(approved_by="AMINA")
    with pytest.raises(ValidationError, match="after created_at"):
        suppression(expires_at=CREATED)
    with pytest.raises(ValidationError, match="64"):
        suppression(entry_fingerprint="abc")
    again = Suppression.model_validate_json(suppression().model_dump_json())
    assert again == suppression() and again.key == str(again.suppression_id).encode()


# The name rule and the decision


def test_a_suppressed_hit_allows_the_transfer_and_says_which_suppression_applied() -> None:
    found = suppression()
    decision = screen(transfer(originator=CUSTOMER), ctx(V1, found, suppression(entry=OTHER)), POLICY, WHEN)
    assert decision.action == Action.ALLOW and decision.score == 0.0
    assert [r.rule_id for r in decision.reasons] == [SUPPRESSED, SUPPRESSED]
    (reason,) = [r for r in decision.reasons if r.evidence["suppressed_entry_key"] == ZHANG.key]
    assert reason.severity.value == "info" and reason.subjects == ("acct-w",)
    assert reason.evidence["suppression_id"] == str(found.suppression_id)
    assert reason.evidence["approved_by"] == "bilal" and reason.evidence["decided_by"] == "amina"
    assert reason.evidence["suppressed_entry_key"] == ZHANG.key and "entry_key" not in reason.evidence
    assert str(found.suppression_id) in reason.explanation and "bilal" in reason.explanation


def test_only_the_suppressed_entry_is_cleared() -> None:
    decision = screen(transfer(originator=CUSTOMER), ctx(V1, suppression()), POLICY, WHEN)
    assert decision.action == Action.HOLD
    assert {r.rule_id: r.evidence.get("entry_key") for r in decision.reasons} == {
        SUPPRESSED: None,
        SANCTIONED_NAME: OTHER.key,
    }


def test_a_hit_carries_the_entry_fingerprint_a_closure_records() -> None:
    decision = screen(transfer(originator=CUSTOMER), ctx(V1), POLICY, WHEN)
    assert decision.action == Action.HOLD
    fingerprints = {r.evidence["entry_key"]: r.evidence["entry_fingerprint"] for r in decision.reasons}
    assert fingerprints == {ZHANG.key: entry_fingerprint(ZHANG), OTHER.key: entry_fingerprint(OTHER)}


def test_a_namesake_with_another_birth_date_is_held() -> None:
    namesake = CUSTOMER.model_copy(update={"date_of_birth": date(1985, 1, 1), "account_id": "acct-n"})
    decision = screen(transfer(beneficiary=namesake), ctx(V1, suppression(), suppression(entry=OTHER)), POLICY, WHEN)
    assert decision.action == Action.HOLD
    assert {r.rule_id for r in decision.reasons} == {SANCTIONED_NAME}


def test_a_changed_entry_in_a_new_version_holds_again_naming_the_lapsed_suppression() -> None:
    found = suppression()
    changed = ZHANG.model_copy(update={"names": (*ZHANG.names, EntryName(full="Zhang Weiwei", kind=NameKind.ALIAS))})
    v2 = WatchlistSnapshot.from_entries("wl-2", [changed])
    decision = screen(transfer(originator=CUSTOMER), ctx(v2, found), POLICY, WHEN)
    assert decision.action == Action.HOLD
    (reason,) = decision.reasons
    assert reason.rule_id == SANCTIONED_NAME and reason.evidence["entry_fingerprint"] == entry_fingerprint(changed)
    assert reason.evidence["lapsed_suppression"]["suppression_id"] == str(found.suppression_id)
    assert reason.evidence["lapsed_suppression"]["lapsed"] == "entry_changed"
    assert "lapsed" in reason.explanation


def test_an_expired_suppression_holds_again() -> None:
    found = suppression(expires_at=WHEN)
    decision = screen(
        transfer(originator=CUSTOMER), ctx(WatchlistSnapshot.from_entries("wl-1", [ZHANG]), found), POLICY, WHEN
    )
    assert decision.action == Action.HOLD
    assert decision.reasons[0].evidence["lapsed_suppression"]["lapsed"] == "expired"


# Reading the compacted topic


def test_records_tombstones_and_unreadable_records() -> None:
    state = SuppressionState()
    found = suppression()
    key = found.key
    assert state.read(key, found.model_dump_json().encode(), 0)
    assert not state.read(key, found.model_dump_json().encode(), 1)  # the same again changes nothing
    assert state.index().check(ZHANG.key, fingerprint(CUSTOMER), entry_fingerprint(ZHANG), WHEN).applies
    # An unreadable record drops the key's suppression: the safe side is to raise the hit.
    assert state.read(key, b"{not json", 2)
    assert state.unreadable[key.decode()].startswith("offset 2: not a suppression")
    assert not state.index()
    assert state.read(key, found.model_dump_json().encode(), 3) and not state.unreadable
    # A record under another key than its id is refused too.
    other = suppression(of=CUSTOMER.model_copy(update={"date_of_birth": date(1970, 1, 1)}))
    assert not state.read(b"not-its-id", other.model_dump_json().encode(), 4)
    assert "holds suppression" in state.unreadable["not-its-id"]
    assert not state.read(b"\xff\xfe", b"{}", 5) and "UTF-8" in state.unreadable["\\xff\\xfe"]
    assert not state.read(None, b"{}", 6)
    # A tombstone revokes, and clears an unreadable key.
    assert state.read(key, None, 7) and not state.index()
    assert not state.read(b"not-its-id", None, 8) and "not-its-id" not in state.unreadable
