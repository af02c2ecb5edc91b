"""One normalised model for an entry of any sanctions or terrorism list."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class NameKind(StrEnum):
    PRIMARY = "primary"
    ALIAS = "alias"
    WEAK_ALIAS = "weak_alias"
    """A low-quality a.k.a. (OFAC 'weak', UN 'Low'): alone it never holds a transfer."""


class EntityKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"
    UNKNOWN = "unknown"


class ListName(StrEnum):
    OFAC_SDN = "ofac-sdn"
    UN_SC = "un-sc"
    EU_FSF = "eu-fsf"
    NACTA_4TH = "nacta-4th-schedule"
    CUSTOM = "custom"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EntryName(_Frozen):
    full: Annotated[str, Field(min_length=1)]
    kind: NameKind = NameKind.PRIMARY
    script: str | None = None
    """ISO 15924 code when the name is in a non-Latin script (e.g. 'Arab', 'Cyrl')."""


class EntryIdentifier(_Frozen):
    type: Annotated[str, Field(description="cnic | passport | national_id | tax_id | registration | other")]
    number: Annotated[str, Field(min_length=1)]
    country: str | None = None


class EntryWallet(_Frozen):
    ticker: str
    """The list's own currency code, e.g. XBT, ETH, USDT, TRX."""
    address: str


class WatchlistEntry(_Frozen):
    entry_id: Annotated[str, Field(min_length=1, description="the source's own id: OFAC ent_num, UN reference, …")]
    list_name: ListName
    list_label: str = ""
    """Human label, e.g. 'OFAC SDN' or the custom list's name."""
    programme: str = ""
    kind: EntityKind = EntityKind.UNKNOWN
    names: tuple[EntryName, ...]
    dates_of_birth: tuple[str, ...] = ()
    """ISO dates, possibly partial: '1970', '1970-05', '1970-05-17'."""
    nationalities: tuple[str, ...] = ()
    """ISO 3166-1 alpha-2 codes."""
    identifiers: tuple[EntryIdentifier, ...] = ()
    wallets: tuple[EntryWallet, ...] = ()
    listed_on: date | None = None
    father_name: str | None = None
    """Father's name (S/O): NACTA and other South-Asian lists carry it."""
    remarks: str = ""

    @property
    def key(self) -> str:
        """Unique across lists: `<list>:<entry_id>`."""
        return f"{self.list_name.value}:{self.entry_id}"


class WatchlistCommit(_Frozen):
    """Closes one published version on `aml.watchlists.v1`.

    The topic is a changelog with one partition: an entry record per added or changed entry
    (key `<list>:<entry_id>`), a tombstone (null value) per removed entry, then this commit.
    A consumer applies everything since the previous commit atomically, so each transfer is
    screened against one consistent version, and the records since that commit are the diff.
    """

    kind: Literal["commit"] = "commit"
    version: Annotated[str, Field(min_length=1)]
    previous: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    """Entries per list in this version."""
    entries: int
    added: int = 0
    changed: int = 0
    removed: int = 0
    published_at: datetime


class WatchlistRecord(_Frozen):
    kind: Literal["entry"] = "entry"
    version: str
    entry: WatchlistEntry


COMMIT_KEY = b"__commit__"
