"""The exchange's own CSV list: merging rows of one entry, and rejecting bad rows by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.watchlists.adapters import custom_csv
from services.watchlists.adapters.errors import WatchlistFormatError
from services.watchlists.domain.entry import EntryIdentifier, EntryWallet, ListName, NameKind

FIXTURES = Path(__file__).parents[2] / "fixtures" / "watchlists"


def test_rows_of_one_entry_are_merged_and_fields_normalised() -> None:
    entries = {e.entry_id: e for e in custom_csv.read(FIXTURES / "custom_list.csv")}
    assert sorted(entries) == ["EX-001", "EX-002", "EX-003"]
    one = entries["EX-001"]
    assert one.list_name is ListName.CUSTOM and one.list_label == "custom_list"
    assert [(n.full, n.kind) for n in one.names] == [("Example Person One", NameKind.PRIMARY),
                                                     ("Ex One", NameKind.ALIAS), ("E. P. One", NameKind.ALIAS)]
    assert one.identifiers == (EntryIdentifier(type="cnic", number="3520100000099"),
                               EntryIdentifier(type="passport", number="AB1234567"))
    assert one.wallets == (EntryWallet(ticker="ETH", address="0x1111111111111111111111111111111111111111"),)
    assert one.dates_of_birth == ("1980-02-29",) and one.nationalities == ("PK",)
    assert one.programme == "internal-fraud"
    assert entries["EX-002"].wallets[0].ticker == "TRX"
    misal = entries["EX-003"]
    assert misal.names[0].script == "Arab" and misal.nationalities == ("PK",)


def test_every_bad_row_is_reported_with_its_line_number() -> None:
    with pytest.raises(WatchlistFormatError) as caught:
        custom_csv.read(FIXTURES / "custom_list_bad.csv")
    message = str(caught.value)
    assert "5 bad row(s)" in message
    for expected in ("line 3: entry_id is empty", "line 4: date_of_birth '12/01/1980'",
                     "line 5: nationality 'Atlantis'", "line 6: wallet_ticker and wallet_address go together",
                     "line 7: id_type 'driving_licence'"):
        assert expected in message
    assert "line 2" not in message


def test_a_wrong_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("id,name\n1,A\n")
    with pytest.raises(WatchlistFormatError, match=r"list\.csv:1: header must be exactly"):
        custom_csv.read(path)
