"""NACTA Fourth Schedule (Anti-Terrorism Act 1997) proscribed persons: NACTA's JSON export.

The export is one JSON array of objects with exactly the string keys `Name`, `FatherName`, `CNIC`,
`Province`, `District`. The real feed is messy, and this reader absorbs it:
- names carry trailing and doubled spaces, and may embed aliases as "X alias Y" or "X @ Y";
- FatherName is "nill", "nil", empty or null when unknown;
- CNIC is 13 digits without dashes, but may be empty, a placeholder, or shared by two rows.
The entry id is the CNIC; a missing CNIC gives a stable hash of name and father name, and a CNIC
used by several rows gets `<cnic>/<hash>` for each, so no row hides another.
Province and District stay in the remarks: the entry model has no address.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from services.watchlists.adapters.errors import WatchlistFormatError
from services.watchlists.adapters.fields import clean, stable_id
from services.watchlists.domain.entry import EntityKind, EntryIdentifier, EntryName, ListName, NameKind, WatchlistEntry

LIST_LABEL = "NACTA Fourth Schedule"
PROGRAMME = "ATA-1997-4TH-SCHEDULE"
KEYS = ("Name", "FatherName", "CNIC", "Province", "District")
_ALIAS = re.compile(r"\s*(?:\balias\b|@)\s*", re.IGNORECASE)
_UNKNOWN = {"", "nill", "nil", "null", "none", "n/a", "na", "-", "unknown"}


def _field(path: Path, index: int, record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise WatchlistFormatError(path, f"record {index}", f"{key} must be a string, got {type(value).__name__}")
    return clean(value)


def _cnic(raw: str) -> str | None:
    digits = re.sub(r"[\s-]", "", raw)
    return digits if len(digits) == 13 and digits.isdigit() else None


def _names(raw: str) -> tuple[EntryName, ...]:
    parts = [p for p in (clean(part) for part in _ALIAS.split(raw)) if p]
    if not parts:
        return ()
    return tuple([EntryName(full=parts[0])] + [EntryName(full=p, kind=NameKind.ALIAS) for p in parts[1:]])


def _records(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as error:
        raise WatchlistFormatError(path, error.lineno, f"not valid JSON: {error.msg}") from error
    if not isinstance(data, list):
        raise WatchlistFormatError(path, None, "expected a JSON array of person objects")
    for index, record in enumerate(data):
        if not isinstance(record, dict) or not set(KEYS) <= set(record):
            raise WatchlistFormatError(path, f"record {index}", f"expected an object with keys {', '.join(KEYS)}")
    return data


def read(*paths: Path) -> list[WatchlistEntry]:
    """Every person of the given NACTA JSON exports."""
    rows: list[tuple[str, str, str | None, str, str]] = []
    for path in paths:
        for index, record in enumerate(_records(path)):
            name = _field(path, index, record, "Name")
            if not _names(name):
                raise WatchlistFormatError(path, f"record {index}", "Name is empty")
            father = _field(path, index, record, "FatherName")
            rows.append((name, "" if father.lower() in _UNKNOWN else father,
                         _cnic(_field(path, index, record, "CNIC")),
                         _field(path, index, record, "Province"), _field(path, index, record, "District")))
    shared = Counter(cnic for _, _, cnic, _, _ in rows if cnic)
    entries: dict[str, WatchlistEntry] = {}
    for name, father, cnic, province, district in rows:
        digest = stable_id(name.casefold(), father.casefold())
        entry_id = digest if cnic is None else cnic if shared[cnic] == 1 else f"{cnic}/{digest}"
        entries[entry_id] = WatchlistEntry(
            entry_id=entry_id,
            list_name=ListName.NACTA_4TH,
            list_label=LIST_LABEL,
            programme=PROGRAMME,
            kind=EntityKind.PERSON,
            names=_names(name),
            identifiers=(EntryIdentifier(type="cnic", number=cnic, country="PK"),) if cnic else (),
            father_name=father or None,
            remarks=f"Province: {province}; District: {district}",
        )
    return list(entries.values())
