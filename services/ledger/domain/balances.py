"""Balance effects of postings, per (account, asset).

This is a reference ledger: it does not check that the originator holds the amount, so a
balance may go negative. Funding is the exchange's business; the ledger's job is to make
sure nothing moves without a decision and nothing moves twice.

`balance` is what the account owns once settled; `escrowed` is the part of it blocked by
holds (and freezes). A hold does not move money, it blocks it: release lifts the block and
settles, reject lifts the block and nothing moves, freeze keeps the block.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Context, Decimal

from services.ledger.domain.transfer_state import Posting

# Amounts carry up to 38 digits; Decimal's default 28-digit context would round sums of them.
MONEY = Context(prec=96)
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class BalanceDelta:
    account_id: str
    asset: str
    balance: Decimal = ZERO
    escrowed: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Movement:
    """The facts of a transfer that postings need."""

    asset: str
    amount: Decimal
    originator_account: str
    beneficiary_account: str


def deltas_for(posting: Posting, movement: Movement) -> tuple[BalanceDelta, ...]:
    amount, asset = movement.amount, movement.asset
    if posting is Posting.ESCROW:
        return (BalanceDelta(movement.originator_account, asset, escrowed=amount),)
    if posting is Posting.UNESCROW:
        return (BalanceDelta(movement.originator_account, asset, escrowed=negate(amount)),)
    return (
        BalanceDelta(movement.originator_account, asset, balance=negate(amount)),
        BalanceDelta(movement.beneficiary_account, asset, balance=amount),
    )


def add(left: Decimal, right: Decimal) -> Decimal:
    return MONEY.add(left, right)


def negate(amount: Decimal) -> Decimal:
    # Not `-amount`: unary minus rounds to the default 28-digit context.
    return MONEY.minus(amount)


def canonical(amount: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros: '1E+2' → '100', '1.50' → '1.5'."""
    normal = amount.normalize(MONEY)
    return format(normal if normal != ZERO else ZERO, "f")


class BalanceSheet:
    """Sums the deltas of a whole batch so each balance row is written once, in key order.

    Writing rows in one global order means two ledger replicas never wait on each other's
    balance locks in opposite orders (no deadlocks between concurrent batches).
    """

    def __init__(self) -> None:
        self._net: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}

    def post(self, posting: Posting, movement: Movement) -> None:
        for delta in deltas_for(posting, movement):
            key = (delta.account_id, delta.asset)
            balance, escrowed = self._net.get(key, (ZERO, ZERO))
            self._net[key] = (add(balance, delta.balance), add(escrowed, delta.escrowed))

    def __iter__(self) -> Iterator[BalanceDelta]:
        for (account_id, asset), (balance, escrowed) in sorted(self._net.items()):
            yield BalanceDelta(account_id, asset, balance, escrowed)

    def __len__(self) -> int:
        return len(self._net)
