from datetime import UTC, datetime, timedelta

from schemas import Action, AlertKind, Decision, Reason, Severity
from schemas.watchlist import EntryName, EntryWallet, ListName, WatchlistEntry
from services.screener.domain.retro import PartyRegister, retro_screen
from services.watchlists.snapshot import Snapshot, diff
from tests.factories import decision, party, transfer

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
WALLET = "0x" + "c" * 40


def _entry(entry_id: str, name: str, wallet: str | None = None) -> WatchlistEntry:
    return WatchlistEntry(
        entry_id=entry_id,
        list_name=ListName.CUSTOM,
        names=(EntryName(full=name),),
        wallets=(EntryWallet(ticker="ETH", address=wallet),) if wallet else (),
    )


def _decision(transfer_id: str, action: Action, entry_keys: tuple[str, ...] = ()) -> Decision:
    return decision(
        transfer_id,
        action,
        tuple(
            Reason(rule_id="sanctions.wallet", explanation="x", severity=Severity.CRITICAL, evidence={"entry_key": k})
            for k in entry_keys
        ),
    )


def test_a_newly_listed_name_and_wallet_raise_alerts_for_parties_seen_before() -> None:
    register = PartyRegister(timedelta(days=30))
    seen = transfer(transfer_id="t1", beneficiary=party("acct-z", name="Zarina Qadir Baloch", wallet_address=WALLET))
    register.observe(seen, _decision("t1", Action.ALLOW), NOW)
    register.observe(transfer(transfer_id="t2"), _decision("t2", Action.ALLOW), NOW)
    old = Snapshot.build([_entry("1", "Somebody Else")])
    new = Snapshot.build(
        [_entry("1", "Somebody Else"), _entry("2", "Zarina Qadir Baloch"), _entry("3", "Wallet Holder", WALLET)]
    )
    alerts = retro_screen(register, diff(old, new), new.version, NOW)
    assert {(a.kind, a.entry_key, a.subjects) for a in alerts} == {
        (AlertKind.RETRO_HIT, "custom:2", ("acct-z",)),
        (AlertKind.RETRO_HIT, "custom:3", ("acct-z",)),
    }
    assert all(a.transfer_ids == ("t1",) for a in alerts)
    again = retro_screen(register, diff(old, new), new.version, NOW)
    assert [a.alert_id for a in again] == [a.alert_id for a in alerts], "alert ids must be deterministic"


def test_delisting_proposes_release_only_when_it_was_the_only_reason() -> None:
    register = PartyRegister(timedelta(days=30))
    register.observe(transfer(transfer_id="only"), _decision("only", Action.HOLD, ("custom:9",)), NOW)
    register.observe(transfer(transfer_id="two"), _decision("two", Action.HOLD, ("custom:9", "custom:8")), NOW)
    old = Snapshot.build([_entry("9", "Gone Person"), _entry("8", "Still Listed")])
    new = Snapshot.build([_entry("8", "Still Listed")])
    alerts = retro_screen(register, diff(old, new), new.version, NOW)
    assert [(a.kind, a.transfer_ids) for a in alerts] == [(AlertKind.RELEASE_PROPOSAL, ("only",))]


def test_parties_and_holds_leave_the_register_after_the_window() -> None:
    register = PartyRegister(timedelta(days=1))
    register.observe(transfer(transfer_id="t"), _decision("t", Action.HOLD, ("custom:1",)), NOW)
    register.evict(NOW + timedelta(days=2))
    assert register.parties == {} and register.holds == {}


def test_a_hold_with_an_independent_reason_is_not_proposed_for_release() -> None:
    register = PartyRegister(timedelta(days=30))
    decision = _decision("mixed", Action.HOLD, ("custom:9",))
    travel = Reason(rule_id="travel_rule.missing_data", explanation="x", severity=Severity.HIGH)
    derived = Reason(rule_id="graph.exposure.direct", explanation="x", severity=Severity.HIGH)
    register.observe(
        transfer(transfer_id="mixed"), decision.model_copy(update={"reasons": (*decision.reasons, travel)}), NOW
    )
    register.observe(
        transfer(transfer_id="derived"),
        _decision("derived", Action.HOLD, ("custom:9",)).model_copy(update={"reasons": (*decision.reasons, derived)}),
        NOW,
    )
    old = Snapshot.build([_entry("9", "Gone Person")])
    alerts = retro_screen(register, diff(old, Snapshot.build([])), "v2", NOW)
    assert [a.transfer_ids for a in alerts] == [("derived",)]
