"""`TransferEvent` v1: one transfer of a token between two parties, as an exchange reports it."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from schemas.common import (
    BirthDate,
    Code,
    Contract,
    DocumentNumber,
    Identifier,
    PersonName,
    PositiveAmount,
    UtcDatetime,
    WalletAddress,
)

CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")]


class IdType(StrEnum):
    CNIC = "cnic"
    PASSPORT = "passport"
    NATIONAL_ID = "national_id"
    TAX_ID = "tax_id"
    LEI = "lei"
    CUSTOMER_ID = "customer_id"
    OTHER = "other"


class Party(Contract):
    """Originator or beneficiary of a transfer (FATF R.16 travel-rule data)."""

    account_id: Identifier
    wallet_address: WalletAddress | None = None
    name: PersonName | None = None
    country: CountryCode | None = None
    id_number: DocumentNumber | None = None
    id_type: IdType | None = None
    date_of_birth: BirthDate | None = None
    vasp_id: Identifier | None = None
    hosted: bool = True

    @model_validator(mode="after")
    def _id_type_with_number(self) -> Party:
        if self.id_number is not None and self.id_type is None:
            raise ValueError("id_type is required when id_number is given")
        return self


class TransferEvent(Contract):
    """A transfer awaiting screening; `transfer_id` is the idempotency key end to end."""

    schema_version: Literal[1] = 1
    transfer_id: Identifier
    occurred_at: UtcDatetime
    exchange_id: Identifier
    asset: Annotated[Code, Field(description="e.g. PKTB-3M, USDT")]
    chain: Annotated[Code, Field(description="e.g. ethereum, tron")]
    amount: PositiveAmount
    fiat_value: PositiveAmount | None = None
    fiat_currency: CurrencyCode | None = None
    originator: Party
    beneficiary: Party

    @model_validator(mode="after")
    def _fiat_pair(self) -> TransferEvent:
        if (self.fiat_value is None) != (self.fiat_currency is None):
            raise ValueError("fiat_value and fiat_currency must be given together")
        return self

    @property
    def partition_key(self) -> bytes:
        """Kafka key: the originator account, so one sender's transfers stay in order."""
        return self.originator.account_id.encode()
