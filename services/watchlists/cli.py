"""`aml watchlists …`: load source lists into the store, compare versions, show what is loaded.

Only `watchlists_app` is exported; other modules may add commands (e.g. name search) to it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from services.watchlists.adapters.errors import WatchlistFormatError
from services.watchlists.adapters.formats import SourceFormat, read_entries
from services.watchlists.loading import WatchlistStore
from services.watchlists.snapshot import Snapshot, SnapshotDiff, changed_fields, diff

watchlists_app = typer.Typer(help="Sanctions and terrorism watchlists: load, compare, show.", no_args_is_help=True)
# soft_wrap: messages carry paths and keys an operator copies, so they are never broken over lines.
_console = Console(soft_wrap=True)

DirOption = Annotated[Path | None, typer.Option("--dir", help="Store directory (default: $AML_WATCHLISTS_DIR or "
                                                              "~/.local/share/aml-screening/watchlists).")]


def _read_source(paths: list[Path], source_format: SourceFormat) -> Snapshot:
    try:
        entries = read_entries(source_format, paths)
    except (WatchlistFormatError, FileNotFoundError) as error:
        _console.print(f"[red]error:[/red] {error}", highlight=False)
        raise typer.Exit(2) from error
    return Snapshot.build(entries, [str(p) for p in paths], [source_format.value])


def _print_diff(changes: SnapshotDiff, limit: int) -> None:
    _console.print(f"  +{len(changes.added)} added, -{len(changes.removed)} removed, "
                   f"~{len(changes.changed)} changed", highlight=False)
    for sign, entries in (("+", changes.added), ("-", changes.removed)):
        for entry in entries[:limit]:
            _console.print(f"    {sign} {entry.key}  {entry.names[0].full}", highlight=False)
    for old, new in changes.changed[:limit]:
        fields = ", ".join(changed_fields(old, new))
        _console.print(f"    ~ {new.key}  {new.names[0].full}  ({fields})", highlight=False)


@watchlists_app.command("load")
def load(
    paths: Annotated[list[Path], typer.Argument(help="Source file(s) or folder(s) of one list.")],
    source_format: Annotated[SourceFormat, typer.Option("--format", "-f", help="Format of the source files.")],
    directory: DirOption = None,
    limit: Annotated[int, typer.Option(help="Entries to show per kind of change.")] = 5,
) -> None:
    """Read a list, store it as the current version of that list, and show what changed."""
    store = WatchlistStore(directory)
    with _console.status(f"reading {len(paths)} {source_format.value} file(s)…"):
        snapshot = _read_source(paths, source_format)
    if not snapshot.entries:
        _console.print("[red]error:[/red] no entries read: the store is left unchanged")
        raise typer.Exit(2)
    with _console.status("storing snapshot…"):
        results = store.install(snapshot)
    for result in results:
        before = result.previous.version if result.previous else "nothing"
        _console.print(f"[bold]{result.list_name}[/bold]: {len(result.snapshot.entries)} entries, version "
                       f"{result.snapshot.version} (was {before})", highlight=False)
        _print_diff(result.changes, limit)


def _open(path: Path, source_format: SourceFormat | None) -> Snapshot:
    if source_format is not None:
        return _read_source([path], source_format)
    try:
        return Snapshot.read(path)
    except (OSError, ValueError) as error:
        _console.print(f"[red]error:[/red] {path}: not a snapshot file ({error}); give --format to read a source "
                       "list", highlight=False)
        raise typer.Exit(2) from error


@watchlists_app.command("diff")
def diff_command(
    old: Annotated[Path, typer.Argument(help="Older snapshot .parquet (or source file with --format).")],
    new: Annotated[Path, typer.Argument(help="Newer snapshot .parquet (or source file with --format).")],
    source_format: Annotated[SourceFormat | None, typer.Option("--format", "-f", help="Read OLD and NEW as "
                                                                                     "source files.")] = None,
    limit: Annotated[int, typer.Option(help="Entries to show per kind of change.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Entries added, removed (delisted) and changed between two versions of a list."""
    before, after = _open(old, source_format), _open(new, source_format)
    changes = diff(before, after)
    if as_json:
        typer.echo(json.dumps({"old": before.version, "new": after.version, **changes.summary(limit)}, indent=2))
        return
    _console.print(f"{before.version} → {after.version}", highlight=False)
    _print_diff(changes, limit)


@watchlists_app.command("show")
def show(
    directory: DirOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """The lists currently loaded, with their versions and entry counts."""
    store = WatchlistStore(directory)
    parts = store.parts()
    combined = Snapshot.combine(parts.values()) if parts else None
    if as_json:
        typer.echo(json.dumps({"store": str(store.root), "version": combined.version if combined else None,
                               "lists": {name: part.metadata() for name, part in parts.items()}}, indent=2))
        return
    if combined is None:
        _console.print(f"no watchlist loaded in {store.root}", highlight=False)
        return
    table = Table(title=f"watchlists in {store.root}")
    for column in ("list", "version", "entries", "loaded at", "format", "sources"):
        table.add_column(column)
    for name, part in parts.items():
        table.add_row(name, part.version, str(len(part.entries)), part.loaded_at.isoformat(timespec="seconds"),
                      ", ".join(part.formats), "\n".join(part.sources))
    _console.print(table)
    _console.print(f"combined version {combined.version}, {len(combined.entries)} entries", highlight=False)


def _mount_publish() -> None:
    # Imported here so the loaders stay usable without a broker client on the path.
    from services.watchlists.publish_cli import publish_command

    watchlists_app.command("publish")(publish_command)


_mount_publish()
