"""EU sanctions in OpenSanctions' CSV transcription of the Official Journal annexes.

One file per regulation (named by CELEX number) with a 45-column header: celex, recordId,
programKey, annex, startDate (d.m.yyyy), schema (Person/LegalEntity/Company/Vessel/…), name,
alias and weakAlias (`; `-joined), nationality (free text), birthDate, passportNumber, idNumber,
taxNumber, registrationNumber, innCode, ogrnCode, imoNumber, fatherName, reason, notes, … . It is
not the official FSF export (see eu_fsf_xml). recordId is the row number inside one annex, so the
entry id is `<celex>/<annex>/<recordId>`; rows without one get a content hash instead of a number.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path

from services.watchlists.adapters.countries import country_code, country_codes
from services.watchlists.adapters.errors import WatchlistFormatError
from services.watchlists.adapters.fields import clean, full_date, partial_date, script_of, stable_id
from services.watchlists.domain.entry import (
    EntityKind,
    EntryIdentifier,
    EntryName,
    ListName,
    NameKind,
    WatchlistEntry,
)

LIST_LABEL = "EU consolidated sanctions (Official Journal)"
REQUIRED = ("celex", "recordId", "programKey", "annex", "startDate", "schema", "name", "alias", "weakAlias")
_KINDS = {"person": EntityKind.PERSON, "legalentity": EntityKind.ORGANISATION, "company": EntityKind.ORGANISATION,
          "organization": EntityKind.ORGANISATION, "vessel": EntityKind.VESSEL, "airplane": EntityKind.AIRCRAFT}
_ID_COLUMNS = (("passportNumber", "passport"), ("idNumber", "national_id"), ("taxNumber", "tax_id"),
               ("innCode", "tax_id"), ("registrationNumber", "registration"), ("ogrnCode", "registration"),
               ("imoNumber", "registration"))
_PARENS = re.compile(r"\(([^()]+)\)")


def _split(value: str) -> list[str]:
    return [clean(part) for part in value.split(";") if clean(part)]


def _names(row: dict[str, str]) -> tuple[EntryName, ...]:
    names = [EntryName(full=clean(row["name"]), script=script_of(row["name"]))]
    for column, kind in (("alias", NameKind.ALIAS), ("previousName", NameKind.ALIAS),
                         ("weakAlias", NameKind.WEAK_ALIAS)):
        names.extend(EntryName(full=n, kind=kind, script=script_of(n)) for n in _split(row.get(column, "")))
    return tuple(dict.fromkeys(names))


def _identifiers(row: dict[str, str]) -> tuple[EntryIdentifier, ...]:
    found: list[EntryIdentifier] = []
    for column, kind in _ID_COLUMNS:
        for value in _split(row.get(column, "")):
            country = _PARENS.search(value)
            number = clean(value.split(" (")[0]).rstrip(",.")
            if number:
                found.append(EntryIdentifier(type=kind, number=number,
                                             country=country_code(country[1]) if country else None))
    return tuple(dict.fromkeys(found))


def _entry(path: Path, line_no: int, row: dict[str, str]) -> WatchlistEntry:
    if not clean(row["name"]) or not clean(row["celex"]):
        raise WatchlistFormatError(path, line_no, "row has no celex or no name")
    record = clean(row["recordId"]) or stable_id(row["celex"], row["annex"], row["name"], row.get("birthDate", ""))
    dobs = (partial_date(value) for value in _split(row.get("birthDate", "")))
    return WatchlistEntry(
        entry_id=f"{clean(row['celex'])}/{clean(row['annex'])}/{record}",
        list_name=ListName.EU_FSF,
        list_label=LIST_LABEL,
        programme=clean(row["programKey"]),
        kind=_KINDS.get(clean(row["schema"]).lower(), EntityKind.UNKNOWN),
        names=_names(row),
        dates_of_birth=tuple(dict.fromkeys(d for d in dobs if d)),
        nationalities=country_codes(row.get("nationality", "")) if clean(row.get("nationality", "")) else (),
        identifiers=_identifiers(row),
        listed_on=full_date(row["startDate"]),
        father_name=clean(row.get("fatherName", "")) or None,
        remarks=clean(row.get("reason", "")) or clean(row.get("notes", "")),
    )


def _files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.csv")) if path.is_dir() else [path])
    return files


def read(*paths: Path) -> list[WatchlistEntry]:
    """Entries of every regulation file given (a directory stands for the *.csv files in it)."""
    entries: dict[str, WatchlistEntry] = {}
    for path in _files(paths):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise WatchlistFormatError(path, 1, f"header lacks column(s) {', '.join(missing)}")
            for row in reader:
                if None in row or any(v is None for v in row.values()):
                    raise WatchlistFormatError(path, reader.line_num, "row has a different number of columns "
                                                                      "than the header")
                entry = _entry(path, reader.line_num, row)
                # The same person can be transcribed twice in one annex without a recordId;
                # the copies are identical in content, so keeping one loses nothing.
                entries.setdefault(entry.entry_id, entry)
    return list(entries.values())
