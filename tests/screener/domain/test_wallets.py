import re
from pathlib import Path

import pytest

from services.screener.domain.wallets import checksum_mismatch, eip55, normalise_address
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


# The four mixed-case vectors published in EIP-55 itself.
EIP55_VECTORS = (
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
)


@pytest.mark.parametrize("address", EIP55_VECTORS)
def test_eip55_spelling_matches_the_published_vectors(address: str) -> None:
    assert eip55(address.lower()) == address
    assert eip55(address.upper().replace("0X", "0x")) == address
    assert checksum_mismatch(address) is None


def test_single_case_evm_addresses_carry_no_checksum() -> None:
    assert checksum_mismatch(EIP55_VECTORS[0].lower()) is None
    assert checksum_mismatch("0x" + EIP55_VECTORS[0][2:].upper()) is None


def test_a_flipped_letter_fails_the_checksum_and_names_the_right_spelling() -> None:
    good = EIP55_VECTORS[0]
    typo = good[:3] + good[3].swapcase() + good[4:]  # 'a' -> 'A' at the second digit
    assert typo != good and typo.lower() == good.lower()
    assert checksum_mismatch(typo) == good
    assert checksum_mismatch(f"  {typo} ") == good


@pytest.mark.parametrize(
    "address", ["TX5GV4DyfxNB3rPkzZJhmqZ1efVmL4rEqG", "bc1ql7dlyh8xz6tpqk92vztrhqh88dmjvcwrmsemrm", "0x1234"]
)
def test_non_evm_shapes_are_not_checksum_checked(address: str) -> None:
    assert checksum_mismatch(address) is None


def test_every_mixed_case_address_in_the_published_lists_has_a_valid_checksum(shared_data: Path) -> None:
    found: set[str] = set()
    for folder in ("crypto-sanctioned-addresses", "ofac-sdn"):
        for path in (shared_data / folder).rglob("*"):
            if path.is_file() and path.suffix in {".txt", ".csv", ".json", ""}:
                found |= set(re.findall(r"0x[0-9a-fA-F]{40}\b", path.read_text(encoding="latin-1")))
    mixed = {a for a in found if a[2:] not in (a[2:].lower(), a[2:].upper())}
    assert len(mixed) >= 100  # 141 distinct: the OFAC lists publish EIP-55 spellings
    assert [a for a in mixed if checksum_mismatch(a) is not None] == []
