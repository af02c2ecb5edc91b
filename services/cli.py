"""The one `aml` command: a sub-command per service, plus the demo."""

from __future__ import annotations

import typer

from services.auth.cli import keys_app, users_app
from services.broker.cli import broker_app
from services.casedesk.cli import audit_app, casedesk_app
from services.demo.benchmark import bench_pipeline
from services.demo.cli import demo
from services.evaluation.graph import graph_command
from services.evaluation.names import eval_app
from services.ingest.cli import ingest_app
from services.ledger.bench import bench_ledger
from services.ledger.cli import ledger_app
from services.regulator.cli import export_command
from services.screener.backtest import screen_command
from services.screener.bench import bench_screen
from services.screener.cli import screener_app
from services.watchlists.bench import bench_names
from services.watchlists.cli import watchlists_app
from services.watchlists.matching_cli import matching_app

app = typer.Typer(help="AML/CFT screening before settlement for tokenized assets.", no_args_is_help=True)
app.add_typer(broker_app, name="broker")
app.add_typer(ingest_app, name="ingest")
app.add_typer(screener_app, name="screener")
app.add_typer(ledger_app, name="ledger")
app.add_typer(watchlists_app, name="watchlists")
app.add_typer(casedesk_app, name="casedesk")
app.add_typer(audit_app, name="audit")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
# search and screen-names live in their own module but belong under `aml watchlists`.
for command in matching_app.registered_commands:
    watchlists_app.registered_commands.append(command)
app.add_typer(eval_app, name="eval")
eval_app.command("graph")(graph_command)
app.command("screen")(screen_command)
app.command("demo")(demo)
app.command("export")(export_command)


@app.command("config")
def config() -> None:
    """Print every environment variable of every service (the README's configuration table)."""
    from services.configuration import markdown

    typer.echo(markdown())


bench_app = typer.Typer(help="Benchmarks: throughput, latency and memory, as JSON.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
bench_app.command("pipeline")(bench_pipeline)
bench_app.command("ledger")(bench_ledger)
bench_app.command("screen")(bench_screen)
bench_app.command("names")(bench_names)

contracts_app = typer.Typer(help="Generated contract files (JSON Schema, AsyncAPI).", no_args_is_help=True)
app.add_typer(contracts_app, name="contracts")


@contracts_app.command("export")
def export_contracts() -> None:
    """Rewrite schemas/generated/ from the pydantic models."""
    from services.contracts import export

    for path in export():
        typer.echo(path)


if __name__ == "__main__":
    app()
