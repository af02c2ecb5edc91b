"""`aml casedesk run` and `aml audit verify`."""

from __future__ import annotations

import asyncio

import typer

from services.auth.settings import AuthSettings
from services.casedesk.adapters.case_store import CaseStore
from services.casedesk.app import run
from services.casedesk.domain.audit_chain import verify
from services.casedesk.settings import CasedeskSettings
from services.database import create_engine, upgrade_schema
from services.log_limits import install_repeat_limit

casedesk_app = typer.Typer(help="Cases for held and flagged transfers: officer UI and API.", no_args_is_help=True)
audit_app = typer.Typer(help="The case desk's hash-chained audit log.", no_args_is_help=True)


@casedesk_app.command("run")
def run_command() -> None:
    """Consume decisions and alerts into cases; serve the officers' UI and API."""
    install_repeat_limit("aiokafka")
    asyncio.run(run(CasedeskSettings(), AuthSettings()))


@audit_app.command("verify")
def verify_command() -> None:
    """Recompute the audit chain; name the first broken entry (exit 1) or say how many entries hold."""

    async def main() -> tuple[int, int | None]:
        engine = create_engine(CasedeskSettings().database_url)
        try:
            await upgrade_schema(engine, "services.casedesk")
            entries = await CaseStore(engine).audit_entries()
        finally:
            await engine.dispose()
        return len(entries), verify(entries)

    count, broken = asyncio.run(main())
    if broken is not None:
        typer.echo(f"audit chain broken at entry {broken} (of {count}): it was changed, removed or reordered", err=True)
        raise typer.Exit(1)
    typer.echo(f"audit chain intact: {count} entries")
