"""`aml watchlists search` and `aml watchlists screen-names`: name screening against the loaded lists.

Lists come from the watchlist store (what `aml watchlists load` installed); `--list PATH --format F`
screens against files instead, which tests and one-off checks use.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from services.watchlists.adapters.countries import country_code
from services.watchlists.adapters.errors import WatchlistFormatError
from services.watchlists.adapters.formats import SourceFormat, read_entries
from services.watchlists.domain.criteria import NameQuery
from services.watchlists.domain.entry import WatchlistEntry
from services.watchlists.domain.matcher import NameMatch, NameMatcher
from services.watchlists.loading import NoWatchlistsLoaded, WatchlistStore

matching_app = typer.Typer(help="Screen names against the loaded watchlists.", no_args_is_help=True)
_console = Console(soft_wrap=True)
OUTPUT_COLUMNS = ("query_id", "entry_id", "list", "matched_name", "score", "is_match", "explanation")

ListOption = Annotated[list[Path] | None, typer.Option("--list", help="Screen against these files, not the store.")]
FormatOption = Annotated[SourceFormat | None, typer.Option("--format", "-f", help="Format of the --list files.")]
DirOption = Annotated[Path | None, typer.Option("--dir", help="Store directory (default: $AML_WATCHLISTS_DIR).")]


def _entries(lists: list[Path] | None, source_format: SourceFormat | None, store: Path | None) -> list[WatchlistEntry]:
    try:
        if lists:
            if source_format is None:
                raise typer.BadParameter("--format is required with --list")
            return read_entries(source_format, lists)
        return list(WatchlistStore(store).current_snapshot().entries)
    except (WatchlistFormatError, FileNotFoundError, NoWatchlistsLoaded) as error:
        _console.print(f"[red]error:[/red] {error}", highlight=False)
        raise typer.Exit(2) from error


def _matcher(lists: list[Path] | None, source_format: SourceFormat | None, store: Path | None) -> NameMatcher:
    # The screening policy's threshold decides `is_match`, so these commands say what the screener would do.
    from services.screener.domain.name_policy import match_config
    from services.screener.policy_file import load_policy

    return NameMatcher.build(_entries(lists, source_format, store), match_config(load_policy()))


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value else None


def _country(value: str | None) -> str | None:
    """ISO-2 as given, or a country name turned into its code (customers' files carry either)."""
    value = _blank(value)
    if value is None or len(value) == 2:
        return value.upper() if value else None
    return country_code(value) or value


@matching_app.command("search")
def search(
    name: Annotated[str, typer.Argument(help="The name to screen.")],
    dob: Annotated[str | None, typer.Option("--dob", help="Date of birth, ISO (YYYY or YYYY-MM-DD).")] = None,
    country: Annotated[str | None, typer.Option("--country", help="Nationality: ISO-2 code or country name.")] = None,
    id_number: Annotated[str | None, typer.Option("--id", help="Passport, CNIC or other identifier.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many matches.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    lists: ListOption = None,
    source_format: FormatOption = None,
    store: DirOption = None,
) -> None:
    """Best matches of one name above the reporting floor; `is_match` is what would raise a hit."""
    matcher = _matcher(lists, source_format, store)
    matches = matcher.match(NameQuery(name, _blank(dob), _country(country), _blank(id_number)), limit)
    if as_json:
        typer.echo(json.dumps([asdict(m) for m in matches], indent=2, default=str))
        return
    table = Table(title=f"{name!r}: {len(matches)} match(es)")
    for column in ("list", "entry_id", "matched_name", "score", "hit", "explanation"):
        table.add_column(column)
    for m in matches:
        table.add_row(m.list, m.entry_id, m.matched_name, f"{m.score:.3f}", "yes" if m.is_match else "no",
                      m.explanation)
    _console.print(table)


def _row(query_id: str, match: NameMatch) -> dict[str, str]:
    return {"query_id": query_id, "entry_id": match.entry_id, "list": match.list, "matched_name": match.matched_name,
            "score": f"{match.score:.4f}", "is_match": "true" if match.is_match else "false",
            "explanation": match.explanation}


@matching_app.command("screen-names")
def screen_names(
    input_path: Annotated[Path, typer.Argument(help="CSV: query_id,name[,date_of_birth,country,id_number].")],
    output: Annotated[Path, typer.Option("--output", "-o", help="CSV of matches, one row per match.")],
    limit: Annotated[int, typer.Option(help="At most this many matches per query.")] = 5,
    lists: ListOption = None,
    source_format: FormatOption = None,
    store: DirOption = None,
) -> None:
    """Screen a batch of names; each query's matches above the floor, best first."""
    with input_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"query_id", "name"} - set(reader.fieldnames or ())
        if missing:
            _console.print(f"[red]error:[/red] {input_path} lacks column(s) {', '.join(sorted(missing))}")
            raise typer.Exit(2)
        rows = list(reader)
    matcher = _matcher(lists, source_format, store)
    written = hits = 0
    with output.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=OUTPUT_COLUMNS)
        writer.writeheader()
        for row in rows:
            query = NameQuery(row["name"], _blank(row.get("date_of_birth")), _country(row.get("country")),
                              _blank(row.get("id_number")))
            for match in matcher.match(query, limit):
                writer.writerow(_row(row["query_id"], match))
                written += 1
                hits += match.is_match
    _console.print(f"{len(rows)} queries screened: {written} match rows, {hits} hits → {output}")
