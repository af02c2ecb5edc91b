"""OFAC SDN legacy CSV: `sdn.csv` with its companions `alt.csv`, `add.csv`, `sdn_comments.csv`.

The files are headerless, quote every value, write null as `-0- `, end with a line holding a
lone 0x1A byte, and are ASCII/cp1252. A file's role is taken from its name (a directory stands for
the four files in it); a lone file with another name is read as sdn.csv.
- sdn.csv: ent_num, name, type, programme(s) (`SDGT] [IFSR`), title, call sign, vessel columns, remarks.
- alt.csv: ent_num, alt_num, alt_type (aka/fka/nka), alt_name, alt_remarks → ALIAS names.
- sdn_comments.csv: ent_num, overflow of remarks truncated at about 1,000 characters; it is
  appended to the entry's remarks before anything is read out of them.
- add.csv: addresses; read for validation only, the entry model has no address.
Individuals' names are "LAST, First"; the display form "First LAST" is added next to the original.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from services.watchlists.adapters.errors import WatchlistFormatError
from services.watchlists.adapters.ofac_remarks import read_remarks
from services.watchlists.domain.entry import EntityKind, EntryName, ListName, NameKind, WatchlistEntry

LIST_LABEL = "OFAC SDN"
_NULL = "-0-"
_COLUMNS = {"sdn.csv": 12, "alt.csv": 5, "add.csv": 6, "sdn_comments.csv": 2}
_KINDS = {"individual": EntityKind.PERSON, "vessel": EntityKind.VESSEL, "aircraft": EntityKind.AIRCRAFT,
          "": EntityKind.ORGANISATION}


@dataclass
class _Draft:
    row: list[str]
    aliases: list[EntryName] = field(default_factory=list)
    remarks: str = ""


def _roles(paths: Sequence[Path]) -> dict[str, Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in sorted(path.iterdir()) if p.name.lower() in _COLUMNS)
        else:
            files.append(path)
    roles: dict[str, Path] = {}
    for path in files:
        role = path.name.lower() if path.name.lower() in _COLUMNS else "sdn.csv"
        if role in roles:
            raise WatchlistFormatError(path, None, f"two files given as {role}: {roles[role]} and {path}")
        roles[role] = path
    if "sdn.csv" not in roles:
        raise WatchlistFormatError(paths[0] if paths else ".", None, "no sdn.csv among the OFAC files")
    return roles


def _rows(path: Path, role: str) -> Iterator[tuple[int, list[str]]]:
    # cp1252 decodes every byte, so a stray non-ASCII character never aborts a load.
    text = path.read_bytes().decode("cp1252", errors="replace").replace("\x1a", "")
    for line_no, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != _COLUMNS[role] or not row[0].strip().isdigit():
            raise WatchlistFormatError(path, line_no, f"expected {_COLUMNS[role]} columns starting with a numeric "
                                                      f"ent_num ({role} layout), got {len(row)} columns")
        yield line_no, ["" if cell.strip() == _NULL else cell.strip() for cell in row]


def display_name(name: str) -> str:
    """'KHOROSHEV, Dmitry Yuryevich' → 'Dmitry Yuryevich KHOROSHEV' (one comma only)."""
    last, sep, first = name.partition(", ")
    return f"{first.strip()} {last.strip()}" if sep and "," not in first and first.strip() else name


def _names(primary: str, kind: EntityKind, aliases: list[EntryName]) -> tuple[EntryName, ...]:
    names = [EntryName(full=primary)]
    if kind is EntityKind.PERSON and display_name(primary) != primary:
        names.append(EntryName(full=display_name(primary)))
    for alias in aliases:
        names.append(alias)
        if kind is EntityKind.PERSON and display_name(alias.full) != alias.full:
            names.append(EntryName(full=display_name(alias.full), kind=alias.kind))
    unique: dict[tuple[str, NameKind], EntryName] = {}
    for name in names:
        unique.setdefault((name.full, name.kind), name)
    return tuple(unique.values())


def _entry(ent_num: str, draft: _Draft) -> WatchlistEntry:
    row = draft.row
    kind = _KINDS.get(row[2].lower(), EntityKind.UNKNOWN)
    facts = read_remarks(draft.remarks)
    return WatchlistEntry(
        entry_id=ent_num,
        list_name=ListName.OFAC_SDN,
        list_label=LIST_LABEL,
        programme="; ".join(p.strip("[] ") for p in row[3].split("] [") if p.strip("[] ")),
        kind=kind,
        names=_names(row[1], kind, draft.aliases + facts.weak_aliases),
        dates_of_birth=tuple(facts.dates_of_birth),
        nationalities=tuple(facts.nationalities),
        identifiers=tuple(facts.identifiers),
        wallets=tuple(facts.wallets),
        remarks=draft.remarks,
    )


def read(*paths: Path) -> list[WatchlistEntry]:
    """Entries of the SDN list from sdn.csv and whichever companion files are given."""
    roles = _roles(paths)
    drafts: dict[str, _Draft] = {}
    for line_no, row in _rows(roles["sdn.csv"], "sdn.csv"):
        if not row[1]:
            raise WatchlistFormatError(roles["sdn.csv"], line_no, f"ent_num {row[0]} has no name")
        drafts[row[0]] = _Draft(row=row, remarks=row[11])
    if "sdn_comments.csv" in roles:
        for _, row in _rows(roles["sdn_comments.csv"], "sdn_comments.csv"):
            # The overflow continues the remark mid-word, so it is joined without a separator.
            if row[0] in drafts:
                drafts[row[0]].remarks += row[1]
    if "alt.csv" in roles:
        for _, row in _rows(roles["alt.csv"], "alt.csv"):
            # Extracts of the list keep aliases of entries they left out: those are skipped.
            if row[3] and row[0] in drafts:
                drafts[row[0]].aliases.append(EntryName(full=row[3], kind=NameKind.ALIAS))
    if "add.csv" in roles:
        for _ in _rows(roles["add.csv"], "add.csv"):
            pass
    return [_entry(ent_num, draft) for ent_num, draft in drafts.items()]
