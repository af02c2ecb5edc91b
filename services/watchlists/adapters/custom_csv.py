"""An exchange's own watchlist as a simple CSV with a header row (UTF-8, comma-separated):

    entry_id,name,aliases,date_of_birth,nationality,id_type,id_number,wallet_ticker,wallet_address,programme

- entry_id, name: required; entry_id must be unique in the file.
- aliases: several separated by `;`.
- date_of_birth: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
- nationality: ISO-2 code or country name; several separated by `;`.
- id_type + id_number: one identifier (cnic, passport, national_id, tax_id, registration, other);
  both or neither.
- wallet_ticker + wallet_address: one wallet (e.g. `ETH,0xabc…`); both or neither.
A person with several wallets or documents takes one row each with the same entry_id and name;
their details are merged. Every bad row is reported with its line number, all at once.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from services.watchlists.adapters.countries import country_code
from services.watchlists.adapters.errors import WatchlistFormatError
from services.watchlists.adapters.fields import clean, script_of
from services.watchlists.domain.entry import (
    EntityKind,
    EntryIdentifier,
    EntryName,
    EntryWallet,
    ListName,
    NameKind,
    WatchlistEntry,
)

COLUMNS = ("entry_id", "name", "aliases", "date_of_birth", "nationality", "id_type", "id_number", "wallet_ticker",
           "wallet_address", "programme")
ID_TYPES = ("cnic", "passport", "national_id", "tax_id", "registration", "other")
_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def _problems(row: dict[str, str]) -> list[str]:
    problems = [f"{column} is empty" for column in ("entry_id", "name") if not row[column]]
    if row["date_of_birth"] and not _DATE.match(row["date_of_birth"]):
        problems.append(f"date_of_birth {row['date_of_birth']!r} is not YYYY[-MM[-DD]]")
    problems.extend(f"nationality {n!r} is not a known country"
                    for n in row["nationality"].split(";") if clean(n) and country_code(n) is None)
    if bool(row["id_type"]) != bool(row["id_number"]):
        problems.append("id_type and id_number go together")
    elif row["id_type"] and row["id_type"] not in ID_TYPES:
        problems.append(f"id_type {row['id_type']!r} is not one of {', '.join(ID_TYPES)}")
    if bool(row["wallet_ticker"]) != bool(row["wallet_address"]):
        problems.append("wallet_ticker and wallet_address go together")
    return problems


def _entry(row: dict[str, str], label: str, before: WatchlistEntry | None) -> WatchlistEntry:
    names = [EntryName(full=row["name"], script=script_of(row["name"]))]
    names += [EntryName(full=a, kind=NameKind.ALIAS, script=script_of(a)) for a in map(clean, row["aliases"].split(";"))
              if a]
    codes = [c for c in (country_code(n) for n in row["nationality"].split(";") if clean(n)) if c]
    ids = [EntryIdentifier(type=row["id_type"], number=row["id_number"])] if row["id_type"] else []
    wallets = [EntryWallet(ticker=row["wallet_ticker"].upper(), address=row["wallet_address"])] \
        if row["wallet_address"] else []
    dobs = [row["date_of_birth"]] if row["date_of_birth"] else []
    if before is not None:
        names, codes = [*before.names, *names], [*before.nationalities, *codes]
        ids, wallets, dobs = [*before.identifiers, *ids], [*before.wallets, *wallets], [*before.dates_of_birth, *dobs]
    return WatchlistEntry(
        entry_id=row["entry_id"], list_name=ListName.CUSTOM, list_label=label,
        programme=row["programme"] or (before.programme if before else ""), kind=EntityKind.UNKNOWN,
        names=tuple(dict.fromkeys(names)), dates_of_birth=tuple(dict.fromkeys(dobs)),
        nationalities=tuple(dict.fromkeys(codes)), identifiers=tuple(dict.fromkeys(ids)),
        wallets=tuple(dict.fromkeys(wallets)),
    )


def read(*paths: Path) -> list[WatchlistEntry]:
    """Entries of the given custom CSV files; the list label is the file name without suffix."""
    entries: dict[str, WatchlistEntry] = {}
    for path in paths:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if tuple(reader.fieldnames or ()) != COLUMNS:
                raise WatchlistFormatError(path, 1, f"header must be exactly: {','.join(COLUMNS)}")
            errors: list[str] = []
            for raw in reader:
                if None in raw or any(v is None for v in raw.values()):
                    errors.append(f"line {reader.line_num}: expected {len(COLUMNS)} columns")
                    continue
                row = {key: clean(value) for key, value in raw.items()}
                problems = _problems(row)
                if problems:
                    errors.append(f"line {reader.line_num}: {'; '.join(problems)}")
                    continue
                entries[row["entry_id"]] = _entry(row, path.stem, entries.get(row["entry_id"]))
            if errors:
                raise WatchlistFormatError(path, None, f"{len(errors)} bad row(s):\n" + "\n".join(errors))
    return list(entries.values())
