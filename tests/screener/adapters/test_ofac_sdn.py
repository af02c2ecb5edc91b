from pathlib import Path

import pytest

from services.screener.adapters.ofac_sdn import SdnFormatError, load_snapshot, read_wallets
from services.screener.domain.wallets import normalise_address

ROW = '{ent},"{name}",-0- ,"CYBER2",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"{remarks}"\r\n'


def _write(tmp_path: Path, rows: list[str], comments: list[str] | None = None) -> Path:
    sdn = tmp_path / "sdn.csv"
    sdn.write_bytes(("".join(rows)).encode() + b"\x1a\r\n")
    if comments is not None:
        (tmp_path / "sdn_comments.csv").write_text("".join(comments))
    return sdn


def test_addresses_are_read_from_remarks_with_their_entry(tmp_path: Path) -> None:
    sdn = _write(
        tmp_path,
        [
            ROW.format(
                ent=1,
                name="A, B",
                remarks="Digital Currency Address - ETH "
                "0xAbCdEf0123456789abcdef0123456789ABCDEF01; Digital Currency Address - "
                "XBT 1Q9UAQbcDezmyouFrzt94t4dSMxgsUfW1X.",
            )
        ],
    )
    wallets = read_wallets(sdn)
    assert [(w.ticker, w.entry_id, w.entry_name, w.programme) for w in wallets] == [
        ("ETH", "1", "A, B", "CYBER2"),
        ("XBT", "1", "A, B", "CYBER2"),
    ]


def test_a_remark_cut_mid_address_lists_nothing_wrong_and_comments_complete_it(tmp_path: Path) -> None:
    truncated = ROW.format(ent=7, name="X", remarks="Digital Currency Address - XBT 1Q9UAQbcDezmyouFrzt9")
    sdn = _write(tmp_path, [truncated])
    assert read_wallets(sdn, None) == []
    _write(tmp_path, [truncated], ['7,"4t4dSMxgsUfW1X; Linked To: Y."\r\n'])
    snapshot = load_snapshot(sdn)  # picks up sdn_comments.csv beside it
    assert list(snapshot.wallets) == ["1Q9UAQbcDezmyouFrzt94t4dSMxgsUfW1X"]


def test_a_file_that_is_not_sdn_csv_names_the_line(tmp_path: Path) -> None:
    sdn = tmp_path / "sdn.csv"
    sdn.write_text('ent_num,name\n1,"x"\n')
    with pytest.raises(SdnFormatError, match=r"sdn.csv:1: expected 12 columns"):
        read_wallets(sdn)


def test_version_follows_content(tmp_path: Path) -> None:
    sdn = _write(tmp_path, [ROW.format(ent=1, name="A", remarks="-0- ")])
    first = load_snapshot(sdn).version
    _write(tmp_path, [ROW.format(ent=2, name="A", remarks="-0- ")])
    assert load_snapshot(sdn).version != first


def test_real_sdn_trio_lists_every_address_of_its_entries(shared_data: Path) -> None:
    trio = shared_data / "ofac-sdn" / "2021-07_full_trio"
    snapshot = load_snapshot(trio / "sdn.csv")
    assert len(snapshot.wallets) >= 90
    # Lazarus Group-linked Tornado-era entries continue in sdn_comments.csv: their addresses must be whole.
    assert all(len(address) >= 25 for address in snapshot.wallets)


def test_real_2024_list_covers_the_published_eth_addresses_it_contains(shared_data: Path) -> None:
    snapshot = load_snapshot(shared_data / "ofac-sdn" / "2024-05-03_sdn_only" / "sdn.csv")
    published = shared_data / "crypto-sanctioned-addresses" / "0xB10C-ofac-lists" / "sanctioned_addresses_ETH.txt"
    listed = {normalise_address(a) for a in published.read_text().split()}
    found = listed & set(snapshot.wallets)
    # sdn.csv alone truncates long remarks (Tornado Cash lists most addresses only in sdn_comments),
    # so not all 152 are there; everything found must be an exact, whole address.
    assert len(found) >= 40
    assert all(snapshot.wallet_hits(address.upper().replace("0X", "0x")) for address in found)
