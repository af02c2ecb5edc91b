"""A small transfer stream that sets off several rules: a cycle, a fan-in, split payments, a listed wallet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from schemas import Party, TransferEvent

START = datetime(2026, 5, 1, tzinfo=UTC)
LISTED = "0x7F367cc41522ce07553e823bf3be79a889debe1b"  # in the packaged OFAC excerpt (entry 29584)


def _t(n: int, src: str, dst: str, amount: str, minutes: int, **party: str) -> TransferEvent:
    return TransferEvent(
        transfer_id=f"c-{n:03d}",
        occurred_at=START + timedelta(minutes=minutes),
        exchange_id="rupee-vx",
        asset="USDT",
        chain="tron",
        amount=Decimal(amount),
        originator=Party(account_id=src, wallet_address=party.get("wallet")),
        beneficiary=Party(account_id=dst),
    )


def stream() -> list[TransferEvent]:
    """About forty transfers, in event-time order, with background noise between the patterns."""
    steps: list[tuple[str, str, str, int, dict[str, str]]] = []
    steps += [("ring-a", "ring-b", "500", 0, {}), ("ring-b", "ring-c", "499", 30, {})]
    steps += [("ring-c", "ring-a", "498", 60, {})]
    steps += [(f"payer-{i}", "collector", f"{200 + i}", 90 + 5 * i, {}) for i in range(6)]
    steps += [("splitter", "shop", "45", 200 + i, {}) for i in range(4)]
    steps += [("bad", "mule", "1000", 300, {"wallet": LISTED}), ("mule", "cash-out", "990", 310, {})]
    steps += [(f"bg-{i}", f"bg-{(i * 7) % 13}", f"{100 + 17 * i}", 5 + 11 * i, {}) for i in range(25)]
    steps.sort(key=lambda s: (s[3], s[0]))
    return [_t(n, src, dst, amount, minutes, **party) for n, (src, dst, amount, minutes, party) in enumerate(steps)]
