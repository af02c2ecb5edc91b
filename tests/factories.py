"""Builders for test data: a valid transfer with any field overridden."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from schemas import Action, Decision, Party, Reason, TransferEvent


def party(account_id: str, **overrides: Any) -> Party:
    return Party(account_id=account_id, **overrides)


def transfer(**overrides: Any) -> TransferEvent:
    values: dict[str, Any] = {
        "transfer_id": f"t-{uuid.uuid4().hex[:12]}",
        "occurred_at": datetime(2026, 11, 1, 12, 0, tzinfo=UTC),
        "exchange_id": "rupee-vx",
        "asset": "PKTB-3M",
        "chain": "ethereum",
        "amount": Decimal("125.50"),
        "originator": party("acct-a", wallet_address="0x" + "a" * 40),
        "beneficiary": party("acct-b", wallet_address="0x" + "b" * 40),
    }
    values.update(overrides)
    return TransferEvent(**values)


def transfer_json(**overrides: Any) -> bytes:
    return transfer(**overrides).model_dump_json().encode()


def decision(transfer_id: str, action: Action, reasons: tuple[Reason, ...] = (), score: float = 1.0) -> Decision:
    """A system decision on `transfer_id` with the given reasons."""
    return Decision(
        decision_id=Decision.system_id(transfer_id),
        transfer_id=transfer_id,
        action=action,
        score=score,
        reasons=reasons,
        policy_version="p",
        watchlist_version="w",
        decided_at=datetime(2026, 11, 23, tzinfo=UTC),
    )
