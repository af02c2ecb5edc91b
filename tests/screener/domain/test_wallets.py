import pytest

from services.screener.domain.wallets import normalise_address


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
