from pathlib import Path

import pytest

from services.screener.domain.wallets import normalise_address
from services.screener.domain.watchlist import ListedWallet, WatchlistSnapshot


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("0x7F367cc41522ce07553e823bf3be79a889debe1b", "0x7f367cc41522ce07553e823bf3be79a889debe1b"),
        ("  0x7f367cc41522ce07553e823bf3be79a889debe1b ", "0x7f367cc41522ce07553e823bf3be79a889debe1b"),
        ("BC1QL7DLYH8XZ6TPQK92VZTRHQH88DMJVCWRMSEMRM", "bc1ql7dlyh8xz6tpqk92vztrhqh88dmjvcwrmsemrm"),
        ("TX5GV4DyfxNB3rPkzZJhmqZ1efVmL4rEqG", "TX5GV4DyfxNB3rPkzZJhmqZ1efVmL4rEqG"),
        ("1Q9UAQbcDezmyouFrzt94t4dSMxgsUfW1X", "1Q9UAQbcDezmyouFrzt94t4dSMxgsUfW1X"),
    ],
)
def test_addresses_have_one_canonical_spelling(spelling: str, canonical: str) -> None:
    assert normalise_address(spelling) == canonical


def test_base58_case_is_significant() -> None:
    assert normalise_address("TX5GV4DyfxNB3rPkzZJhmqZ1efVmL4rEqG") != normalise_address(
        "tx5gv4dyfxnb3rpkzzjhmqz1efvml4reqg"
    )


def _tron_hex(address: str) -> str:
    number = 0
    for char in address:
        number = number * 58 + "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".index(char)
    return number.to_bytes(25, "big")[:21].hex()


def test_tron_hex_and_base58_forms_are_one_address() -> None:
    address = "TFdTr9C3BqQrzKBXqSxJfAZFTh8UwBAfSg"
    assert normalise_address(_tron_hex(address)) == address
    assert normalise_address("0x" + _tron_hex(address).upper()) == address


def test_every_published_ofac_wallet_is_found_in_each_accepted_spelling(shared_data: Path) -> None:
    folder = shared_data / "crypto-sanctioned-addresses" / "0xB10C-ofac-lists"
    listed: list[ListedWallet] = []
    for path in sorted(folder.glob("sanctioned_addresses_*.txt")):
        ticker = path.stem.rsplit("_", 1)[1]
        listed += [ListedWallet(a, ticker, "OFAC SDN", "?", "", "") for a in path.read_text().split()]
    assert len(listed) >= 650
    snapshot = WatchlistSnapshot.build("wl", listed)
    missed = []
    for wallet in listed:
        address = wallet.address
        spellings = {address, f"  {address} "}
        if address.lower().startswith("0x"):
            spellings |= {address.lower(), "0x" + address[2:].upper()}
        if address.lower().startswith(("bc1", "ltc1")):
            spellings |= {address.upper(), address.lower()}
        if address.startswith("T") and len(address) == 34:
            spellings |= {_tron_hex(address), "0x" + _tron_hex(address)}
        missed += [s for s in spellings if not snapshot.wallet_hits(s)]
    assert missed == []
    # EIP-55 mixed-case spellings from another publication of the same list.
    eth = shared_data / "crypto-sanctioned-addresses" / "ultrasoundmoney-ofac-eth" / "data.csv"
    mixed = [line.split(",")[0] for line in eth.read_text().splitlines()[1:]]
    known = {w.address.lower() for w in listed}
    checksummed = [a for a in mixed if a != a.lower() and a.lower() in known]  # that list is newer: some are extra
    assert len(checksummed) >= 30
    assert [a for a in checksummed if not snapshot.wallet_hits(a)] == []
