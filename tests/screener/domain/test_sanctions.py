from datetime import UTC, date, datetime

from schemas import Action
from schemas.watchlist import EntryName, ListName, NameKind, WatchlistEntry
from services.screener.domain.sanctions import SANCTIONED_NAME, sanctioned_name
from services.screener.domain.suppressions import NO_SUPPRESSIONS
from services.screener.domain.watchlist import WatchlistSnapshot
from tests.factories import party, transfer

ENTRIES = [
    WatchlistEntry(
        entry_id="QDi.999",
        list_name=ListName.UN_SC,
        list_label="UN SC",
        names=(EntryName(full="Abdul Rehman Qasim Makki"), EntryName(full="Lucky Boy", kind=NameKind.WEAK_ALIAS)),
        dates_of_birth=("1954-12-10",),
    ),
]
SNAPSHOT = WatchlistSnapshot.from_entries("wl-test", ENTRIES)
NOW = datetime(2026, 11, 23, tzinfo=UTC)


class _Ctx:
    watchlist = SNAPSHOT
    suppressions = NO_SUPPRESSIONS


def test_listed_name_in_another_order_and_case_holds_with_the_entry_cited() -> None:
    event = transfer(beneficiary=party("acct-m", name="MAKKI Abdul Rehman Qasim", date_of_birth=date(1954, 12, 10)))
    (hit,) = list(sanctioned_name(event, _Ctx()))  # type: ignore[arg-type]
    assert hit.rule_id == SANCTIONED_NAME and hit.forced == Action.HOLD
    assert hit.evidence["entry_id"] == "QDi.999" and hit.evidence["watchlist_version"] == "wl-test"
    # The analyst reads why it matched, the corroborating birth date included, without opening the evidence.
    assert hit.explanation.startswith("The beneficiary 'MAKKI Abdul Rehman Qasim' matches un-sc entry QDi.999 (")
    assert "date of birth 1954-12-10 matches" in hit.explanation and hit.evidence["why"] in hit.explanation
    assert hit.subjects == ("acct-m",)


def test_weak_alias_alone_and_a_single_name_part_never_hold() -> None:
    assert list(sanctioned_name(transfer(originator=party("a", name="Lucky Boy")), _Ctx())) == []  # type: ignore[arg-type]
    assert list(sanctioned_name(transfer(originator=party("a", name="Makki")), _Ctx())) == []  # type: ignore[arg-type]
