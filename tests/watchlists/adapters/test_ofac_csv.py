"""OFAC legacy CSV on the real 2021, 2024 and 2025 files, plus hand-written error cases."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from services.watchlists.adapters import ofac_csv
from services.watchlists.adapters.errors import WatchlistFormatError
from services.watchlists.adapters.ofac_remarks import read_remarks
from services.watchlists.domain.entry import EntityKind, EntryIdentifier, EntryWallet, ListName, NameKind

ROW = '{ent},"{name}",{kind},"{programme}",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"{remarks}"\r\n'


@pytest.fixture(scope="module")
def trio(shared_data: Path) -> dict[str, ofac_csv.WatchlistEntry]:
    return {e.entry_id: e for e in ofac_csv.read(shared_data / "ofac-sdn" / "2021-07_full_trio")}


def test_the_full_2021_trio_loads_every_entry_and_alias(trio: dict[str, ofac_csv.WatchlistEntry]) -> None:
    assert len(trio) == 8976
    aliases = Counter(n.kind for e in trio.values() for n in e.names)
    assert aliases[NameKind.ALIAS] >= 11910  # every alt.csv row, plus display forms of individuals' aliases
    assert {e.list_name for e in trio.values()} == {ListName.OFAC_SDN}
    cuba = trio["306"]
    assert cuba.names[0].full == "BANCO NACIONAL DE CUBA" and cuba.programme == "CUBA"
    assert ("NATIONAL BANK OF CUBA", NameKind.ALIAS) in [(n.full, n.kind) for n in cuba.names]
    # Quoted a.k.a.s in remarks are OFAC's weak aliases.
    assert ("BNC", NameKind.WEAK_ALIAS) in [(n.full, n.kind) for n in cuba.names]
    assert cuba.kind is EntityKind.ORGANISATION


def test_wallets_split_across_sdn_comments_are_joined_and_cut_ones_are_not_listed(
        shared_data: Path, trio: dict[str, ofac_csv.WatchlistEntry]) -> None:
    alone = {e.entry_id: e for e in ofac_csv.read(shared_data / "ofac-sdn" / "2021-07_full_trio" / "sdn.csv")}
    # 81 mentions in sdn.csv, of which one address ("… XBT 1Gq") is cut by the truncation.
    assert sum(len(e.wallets) for e in alone.values()) == 80
    assert sum(len(e.wallets) for e in trio.values()) == 97
    secondeye = trio["30518"]
    assert secondeye.names[0].full == "SECONDEYE SOLUTION"
    assert len(secondeye.wallets) == 19 and len(alone["30518"].wallets) == 7
    assert not any(w.address.startswith("1Gq") for w in alone["30518"].wallets)
    assert EntryWallet(ticker="XBT", address="1GqChmWqGtsaLrGbHfgdrV5Nkvahtjjuxr") in secondeye.wallets
    # "Digital Currency Addres" | "s - ETH 0x8576…" is split mid-word between the two files.
    assert EntryWallet(ticker="ETH", address="0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c") in trio["29703"].wallets
    assert EntryWallet(ticker="ETH", address="0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c") not in \
        alone["29703"].wallets


def test_the_2024_main_file_loads_with_tornado_cash_and_its_twelve_addresses(shared_data: Path) -> None:
    entries = {e.entry_id: e for e in ofac_csv.read(shared_data / "ofac-sdn" / "2024-05-03_sdn_only" / "sdn.csv")}
    assert len(entries) == 14965
    tornado = entries["39796"]
    assert tornado.names[0].full == "TORNADO CASH"
    assert len(tornado.wallets) == 12 and {w.ticker for w in tornado.wallets} == {"ETH"}
    tickers = Counter(w.ticker for e in entries.values() for w in e.wallets)
    assert tickers["XBT"] >= 195 and tickers["USDT"] >= 15 and tickers["TRX"] == 4


def test_an_individual_gets_display_name_dob_nationality_and_documents(shared_data: Path) -> None:
    entries = {e.entry_id: e for e in ofac_csv.read(shared_data / "ofac-sdn" / "2025-05_watchman_extract")}
    assert len(entries) == 17
    lockbit = entries["48603"]
    assert lockbit.kind is EntityKind.PERSON and lockbit.programme == "CYBER2"
    primaries = [n.full for n in lockbit.names if n.kind is NameKind.PRIMARY]
    assert primaries == ["KHOROSHEV, Dmitry Yuryevich", "Dmitry Yuryevich KHOROSHEV"]
    assert "Dmitriy Yurevich KHOROSHEV" in [n.full for n in lockbit.names if n.kind is NameKind.ALIAS]
    assert ("LOCKBITSUPP", NameKind.WEAK_ALIAS) in [(n.full, n.kind) for n in lockbit.names]
    assert lockbit.dates_of_birth == ("1993-04-17",)
    assert lockbit.nationalities == ("RU",)
    assert EntryIdentifier(type="passport", number="2018278055", country="RU") in lockbit.identifiers
    assert EntryIdentifier(type="tax_id", number="366110340670", country="RU") in lockbit.identifiers
    assert lockbit.wallets == (EntryWallet(ticker="XBT", address="bc1qvhnfknw852ephxyc5hm4q520zmvf9maphetc9z"),)


def test_remarks_clauses_are_read_into_fields() -> None:
    facts = read_remarks("DOB 12 Jan 1970; alt. DOB circa 1968 to 1969; nationality Korea, North; citizen Iran; "
                         "Passport A1234567 (Iran) issued 01 Jan 2010; National ID No. 123-45 (Iran); "
                         "a.k.a. 'THE FOX'; Digital Currency Address - XBT 1BoatSLRHtKNngkdXEeobR76b53LETtpyT; "
                         "Digital Currency Address - ETH 0xabcdef0123456789abcdef0123456789abcdef")
    assert facts.dates_of_birth == ["1970-01-12", "1968", "1969"]
    assert facts.nationalities == ["KP", "IR"]
    assert [(i.type, i.number, i.country) for i in facts.identifiers] == [
        ("passport", "A1234567", "IR"), ("national_id", "123-45", "IR")]
    assert [n.full for n in facts.weak_aliases] == ["THE FOX"]
    # The ETH address ends the text without a terminator: it may be cut, so it is not listed.
    assert [w.ticker for w in facts.wallets] == ["XBT"]


def test_a_row_with_the_wrong_number_of_columns_is_reported_with_file_and_line(tmp_path: Path) -> None:
    sdn = tmp_path / "sdn.csv"
    good = ROW.format(ent=1, name="DOE, John", kind="individual", programme="SDGT", remarks="-0- ")
    sdn.write_bytes((good + '2,"BROKEN ROW",-0- \r\n').encode() + b"\x1a\r\n")
    with pytest.raises(WatchlistFormatError, match=r"sdn\.csv:2: expected 12 columns"):
        ofac_csv.read(sdn)


def test_the_trailing_ctrl_z_line_and_null_markers_are_ignored(tmp_path: Path) -> None:
    sdn = tmp_path / "sdn.csv"
    sdn.write_bytes(ROW.format(ent=5, name="DOE, John", kind="individual", programme="SDGT] [IFSR",
                               remarks="-0- ").encode() + b"\x1a\r\n")
    (entry,) = ofac_csv.read(sdn)
    assert entry.programme == "SDGT; IFSR" and entry.remarks == "" and entry.names[1].full == "John DOE"


def test_a_folder_without_sdn_csv_is_refused(tmp_path: Path) -> None:
    (tmp_path / "alt.csv").write_text('1,2,"aka","X",-0- \r\n')
    with pytest.raises(WatchlistFormatError, match=r"no sdn\.csv"):
        ofac_csv.read(tmp_path)
