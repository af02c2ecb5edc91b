"""What a goAML report needs, as plain frozen values (no IO, no XML)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


class ReportKind(enum.Enum):
    STR = "STR"  # suspicious transaction report: one or more transactions
    SAR = "SAR"  # suspicious activity report: behaviour, no transactions
    FREEZE = "FREEZE"  # funds frozen under a sanctions obligation


class IdType(enum.Enum):
    CNIC = "cnic"
    PASSPORT = "passport"
    NATIONAL_ID = "national_id"
    DRIVING_LICENCE = "driving_licence"
    OTHER = "other"


class ClientSide(enum.Enum):
    """Which side of a transfer is the exchange's own client (the goAML `_my_client` variant)."""

    ORIGINATOR = "originator"
    BENEFICIARY = "beneficiary"
    NEITHER = "neither"


@dataclass(frozen=True)
class Phone:
    country_prefix: str
    number: str


@dataclass(frozen=True)
class Party:
    name: str  # as written, in any script
    country: str  # ISO 3166-1 alpha-2: nationality and residence
    account_id: str | None = None
    wallet_address: str | None = None
    id_number: str | None = None
    id_type: IdType | None = None
    id_issued_on: date | None = None
    id_expires_on: date | None = None
    date_of_birth: date | None = None
    gender: str | None = None  # "M" / "F"
    phone: Phone | None = None
    occupation: str | None = None


@dataclass(frozen=True)
class ReportingPerson:
    first_name: str
    last_name: str
    email: str
    occupation: str


@dataclass(frozen=True)
class ReportingEntity:
    rentity_id: int
    reporting_person: ReportingPerson
    branch: str | None = None


@dataclass(frozen=True)
class Transaction:
    transfer_id: str
    occurred_at: datetime  # timezone-aware, UTC
    amount_local: Decimal  # in the profile's local currency
    asset: str
    chain: str
    originator: Party
    beneficiary: Party
    client_side: ClientSide


@dataclass(frozen=True)
class Case:
    case_id: str
    reasons: tuple[str, ...]
    narrative: str
    rule_ids: tuple[str, ...]
    action: str = ""
    subjects: tuple[Party, ...] = ()  # report parties of a SAR (no transactions)


@dataclass(frozen=True)
class ReportInput:
    kind: ReportKind
    entity: ReportingEntity
    case: Case
    submitted_at: datetime
    transactions: tuple[Transaction, ...] = field(default=())
