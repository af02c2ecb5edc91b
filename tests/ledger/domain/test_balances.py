"""Balance effects of postings, and exact decimal arithmetic."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.ledger.domain.balances import BalanceDelta, BalanceSheet, Movement, canonical, deltas_for
from services.ledger.domain.transfer_state import Posting

MOVE = Movement(asset="PKTB-3M", amount=Decimal("125.5"), originator_account="a", beneficiary_account="b")


def test_settle_moves_the_amount_from_originator_to_beneficiary() -> None:
    assert deltas_for(Posting.SETTLE, MOVE) == (
        BalanceDelta("a", "PKTB-3M", balance=Decimal("-125.5")),
        BalanceDelta("b", "PKTB-3M", balance=Decimal("125.5")),
    )


def test_escrow_and_unescrow_only_touch_the_originators_block() -> None:
    assert deltas_for(Posting.ESCROW, MOVE) == (BalanceDelta("a", "PKTB-3M", escrowed=Decimal("125.5")),)
    assert deltas_for(Posting.UNESCROW, MOVE) == (BalanceDelta("a", "PKTB-3M", escrowed=Decimal("-125.5")),)


def test_sheet_nets_a_batch_and_yields_rows_in_key_order() -> None:
    sheet = BalanceSheet()
    sheet.post(Posting.ESCROW, MOVE)
    sheet.post(Posting.UNESCROW, MOVE)
    sheet.post(Posting.SETTLE, MOVE)
    sheet.post(Posting.SETTLE, Movement("USDT", Decimal("1"), "b", "a"))
    assert list(sheet) == [
        BalanceDelta("a", "PKTB-3M", Decimal("-125.5"), Decimal("0")),
        BalanceDelta("a", "USDT", Decimal("1"), Decimal("0")),
        BalanceDelta("b", "PKTB-3M", Decimal("125.5"), Decimal("0")),
        BalanceDelta("b", "USDT", Decimal("-1"), Decimal("0")),
    ]
    assert len(sheet) == 4


def test_sums_of_38_digit_amounts_do_not_round() -> None:
    big = Decimal("99999999999999999999.999999999999999999")
    sheet = BalanceSheet()
    for _ in range(3):
        sheet.post(Posting.SETTLE, Movement("X", big, "a", "b"))
    beneficiary = next(d for d in sheet if d.account_id == "b")
    assert beneficiary.balance == Decimal("299999999999999999999.999999999999999997")


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("100"), "100"),
        (Decimal("1E+2"), "100"),
        (Decimal("1.50"), "1.5"),
        (Decimal("0.000000000000000001"), "0.000000000000000001"),
        (Decimal("0E-18"), "0"),
        (Decimal("-0"), "0"),
        (Decimal("-12.340"), "-12.34"),
    ],
)
def test_canonical_text(amount: Decimal, text: str) -> None:
    assert canonical(amount) == text
