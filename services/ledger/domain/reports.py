"""What the ledger reports about itself: the read models behind the HTTP API.

Amounts are decimal strings, never floats: a JSON number would be read as a binary float
by most clients and money must not round.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.ledger.domain.transfer_state import Outcome, TransferState


class Report(BaseModel):
    model_config = ConfigDict(frozen=True)


class DecisionEntry(Report):
    decision_id: uuid.UUID
    action: str
    resolution: str | None
    decided_by: str
    decided_at: datetime
    supersedes: uuid.UUID | None
    status: Outcome = Field(description="applied, duplicate, rejected or waiting")
    applied: bool
    note: str | None
    received_at: datetime


class TransferReport(Report):
    transfer_id: str
    exchange_id: str | None = Field(description="None for transfers registered before the ledger recorded it")
    state: TransferState
    asset: str
    amount: str
    originator_account: str
    beneficiary_account: str
    effective_decision_id: uuid.UUID | None
    registered_at: datetime
    updated_at: datetime
    decisions: list[DecisionEntry] = Field(description="every decision received, oldest first")


class StateTotals(Report):
    count: int
    amounts: dict[str, str] = Field(description="sum of transfer amounts per asset")


class LedgerSummary(Report):
    states: dict[TransferState, int] = Field(description="transfers per state, every state listed")
    total_transfers: int
    totals: dict[TransferState, StateTotals]
    decisions: dict[Outcome, int] = Field(description="decisions received per outcome")


class AssetBalance(Report):
    asset: str
    balance: str = Field(description="settled holdings; may be negative (no funding checks)")
    escrowed: str = Field(description="part of the balance blocked by holds and freezes")
    available: str = Field(description="balance minus escrowed")


class AccountBalances(Report):
    account_id: str
    balances: list[AssetBalance]
