"""OFAC SDN legacy CSV (`sdn.csv`, optional `sdn_comments.csv`): the listed digital currency addresses.

The files are headerless, use `-0- ` for null, end with a lone 0x1A byte, and carry wallet
addresses only inside free-text remarks as `Digital Currency Address - <TICKER> <address>`.
Remarks longer than about 1,000 characters continue in `sdn_comments.csv`, which is why
both files are read when present (e.g. most Tornado Cash addresses are only there).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from services.screener.domain.watchlist import ListedWallet, WatchlistSnapshot

LIST_NAME = "OFAC SDN"
_NULL = "-0-"
# The lookahead demands the address be terminated: a remark cut off mid-address (sdn.csv
# without its sdn_comments.csv continuation) must not list a truncated, wrong address.
_DCA = re.compile(r"Digital Currency Address - ([A-Z0-9]{2,10}) ([A-Za-z0-9]{20,128})(?=[;.,)\s])")
# sdn.csv columns: ent_num, name, type, programme, title, call sign, vessel type, tonnage,
# GRT, vessel flag, vessel owner, remarks.
_SDN_COLUMNS = 12


class SdnFormatError(ValueError):
    """A file that is not in the OFAC legacy CSV layout; names the file and line."""


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    text = path.read_bytes().decode("utf-8", errors="replace").replace("\x1a", "")
    for line_no, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if row and any(cell.strip() for cell in row):
            yield line_no, [cell.strip() for cell in row]


def _value(cell: str) -> str:
    return "" if cell == _NULL else cell


def read_wallets(sdn: Path, comments: Path | None = None) -> list[ListedWallet]:
    """Every digital currency address in the SDN remarks, tied to its entry."""
    names: dict[str, tuple[str, str]] = {}
    # Comments continue the remark text of the same entry, sometimes mid-word, so the two
    # are joined before searching.
    remarks: dict[str, str] = {}
    for line_no, row in _rows(sdn):
        if len(row) != _SDN_COLUMNS or not row[0].isdigit():
            raise SdnFormatError(
                f"{sdn}:{line_no}: expected {_SDN_COLUMNS} columns starting with a numeric ent_num, "
                f"got {len(row)} columns"
            )
        ent_num = row[0]
        names[ent_num] = (_value(row[1]), _value(row[3]))
        remarks[ent_num] = _value(row[11])
    if comments is not None:
        for line_no, row in _rows(comments):
            if len(row) < 2 or not row[0].isdigit():
                raise SdnFormatError(f"{comments}:{line_no}: expected ent_num,remarks")
            remarks[row[0]] = remarks.get(row[0], "") + _value(row[1])
    seen: set[tuple[str, str]] = set()
    wallets: list[ListedWallet] = []
    for ent_num, text in remarks.items():
        name, programme = names.get(ent_num, ("", ""))
        for ticker, address in _DCA.findall(text):
            if (ent_num, address) in seen:
                continue
            seen.add((ent_num, address))
            wallets.append(
                ListedWallet(
                    address=address,
                    ticker=ticker,
                    list_name=LIST_NAME,
                    entry_id=ent_num,
                    entry_name=name,
                    programme=programme,
                )
            )
    return wallets


def content_version(paths: Sequence[Path]) -> str:
    """A short content hash of the source files: equal lists give equal versions."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return "ofac-" + digest.hexdigest()[:16]


def load_snapshot(sdn: Path, comments: Path | None = None) -> WatchlistSnapshot:
    if comments is None and (sdn.parent / "sdn_comments.csv").exists():
        comments = sdn.parent / "sdn_comments.csv"
    sources = [p for p in (sdn, comments) if p is not None]
    return WatchlistSnapshot.build(content_version(sources), read_wallets(sdn, comments))
