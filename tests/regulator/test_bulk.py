"""`aml export` on a real SQLite case desk: the CSV and Parquet files hold the database's rows, row for row,
within the date range and nothing outside it, and the export itself is in the audit chain."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import pytest_asyncio
import typer
from sqlalchemy import select
from typer.testing import CliRunner, Result

from schemas import Action
from services.auth.domain.principal import Principal, Role
from services.casedesk.adapters.case_store import CaseStore, case_id_for
from services.casedesk.adapters.tables import alerts, cases, outbox
from services.casedesk.desk import RESOLUTION, Desk, Done
from services.casedesk.domain.alert import CaseAlert
from services.casedesk.domain.audit_chain import verify
from services.casedesk.domain.officer import CaseAction
from services.casedesk.domain.priority import DEFAULT_SLA_HOURS
from services.database import create_engine, upgrade_schema
from services.regulator.bulk import COLUMNS, SCHEMAS
from services.regulator.cli import export_command
from tests.casedesk.domain.builders import T0, decision, reason, wire_alert
from tests.factories import party, transfer

pytestmark = pytest.mark.asyncio

OLD = datetime(2026, 9, 15, 8, 30, tzinfo=UTC)  # before every range but the wide one
RESOLVED_AT = datetime(2026, 11, 20, 14, 5, tzinfo=UTC)
IN_RANGE = ["--from", "2026-11-01", "--to", "2026-11-30"]
WIDE = ["--from", "2026-01-01", "--to", "2026-12-31"]


@dataclass
class Seeded:
    url: str
    store: CaseStore
    held_case: str
    old_alert: str


@pytest_asyncio.fixture
async def seeded(tmp_path: Path) -> AsyncIterator[Seeded]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'casedesk.db'}"
    engine = create_engine(url)
    await upgrade_schema(engine, "services.casedesk")
    store = CaseStore(engine)
    held = decision("exA:t1", Action.HOLD, reason("travel_rule.missing_originator", "acct-1"), score=0.8)
    flagged = decision(
        "exB:t2", Action.FLAG, reason("graph.fan_in", "acct-9"), reason("graph.velocity", "acct-9"), score=0.5
    )
    old = decision("exA:t0", Action.FLAG, reason("graph.fan_in", "acct-5"), score=0.4, decided_at=OLD)
    retro = wire_alert(raised_at=T0.replace(hour=11))
    await store.record_transfers(
        [
            transfer(transfer_id="exA:t1", exchange_id="exA", originator=party("acct-1")),
            transfer(transfer_id="exB:t2", exchange_id="exB", originator=party("acct-9")),
            transfer(transfer_id="exA:t0", exchange_id="exA", originator=party("acct-5"), occurred_at=OLD),
        ]
    )

    def item(alert: CaseAlert | None, source: Any) -> tuple[CaseAlert, dict[str, Any]]:
        assert alert is not None
        return alert, source.model_dump(mode="json")

    assert await store.absorb([item(CaseAlert.from_decision(old, "exA"), old)], OLD, DEFAULT_SLA_HOURS) == 1
    fresh = [
        item(CaseAlert.from_decision(held, "exA"), held),
        item(CaseAlert.from_decision(flagged, "exB"), flagged),
        item(CaseAlert.from_alert(retro), retro),
    ]
    assert await store.absorb(fresh, T0, DEFAULT_SLA_HOURS) == 3
    held_case = case_id_for(str(held.decision_id))
    done = await Desk(store, clock=lambda: RESOLVED_AT).act(
        held_case, Principal("amina", Role.ANALYST), CaseAction.REJECT, note="no travel-rule data after 3 days"
    )
    assert isinstance(done, Done), done
    yield Seeded(url, store, held_case, str(old.decision_id))
    await engine.dispose()


async def run(seeded: Seeded, *args: str) -> Result:
    app = typer.Typer()
    app.command()(export_command)
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, app, list(args), env={"CASEDESK_DATABASE_URL": seeded.url})


def read_back(directory: Path, fmt: str) -> dict[str, pl.DataFrame]:
    frames = {}
    for table, schema in SCHEMAS.items():
        path = directory / f"{table}.{fmt}"
        assert path.is_file(), path
        if fmt == "csv":
            assert pl.read_csv(path, n_rows=0).columns == list(schema)  # the header, before typing
            frames[table] = pl.read_csv(path, schema=schema)
        else:
            frames[table] = pl.read_parquet(path)
            assert dict(frames[table].schema) == schema
    return frames


def utc(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def database_rows(store: CaseStore, since: datetime, until: datetime) -> dict[str, list[dict[str, Any]]]:
    """What the files must hold, read straight from the tables."""
    async with store.engine.connect() as connection:
        case_rows = list(await connection.execute(select(cases).order_by(cases.c.case_id)))
        alert_rows = list(await connection.execute(select(alerts).order_by(alerts.c.alert_id)))
        outbox_rows = list(
            await connection.execute(select(outbox).where(outbox.c.kind == RESOLUTION).order_by(outbox.c.id))
        )
    return {
        "cases": [
            {
                "case_id": r.case_id,
                "exchange_id": r.exchange_id,
                "status": r.status,
                "outcome": r.outcome,
                "opened_at": utc(r.opened_at),
                "due_at": utc(r.due_at),
                "closed_at": utc(r.state.get("closed_at")),
                "holds": r.holds,
                "rule_ids": ";".join(r.rule_ids.split()) or None,
            }
            for r in case_rows
            if since <= utc(r.opened_at) < until  # type: ignore[operator]
        ],
        "alerts": [
            {
                "alert_id": r.alert_id,
                "case_id": r.case_id,
                "kind": r.kind,
                "transfer_id": r.transfer_id,
                "raised_at": utc(r.raised_at),
            }
            for r in alert_rows
            if since <= utc(r.raised_at) < until  # type: ignore[operator]
        ],
        "decisions": [
            {
                "decision_id": r.source["decision_id"],
                "transfer_id": r.source["transfer_id"],
                "action": r.source["action"],
                "score": r.source["score"],
                "decided_at": utc(r.source["decided_at"]),
                "reasons": ";".join(x["rule_id"] for x in r.source["reasons"]),
            }
            for r in alert_rows
            if "decision_id" in r.source and since <= utc(r.raised_at) < until  # type: ignore[operator]
        ],
        "resolutions": [
            {
                "decision_id": r.body["decision_id"],
                "transfer_id": r.body["transfer_id"],
                "resolution": r.body["resolution"],
                "supersedes": r.body["supersedes"],
                "decided_by": r.body["decided_by"],
                "decided_at": utc(r.body["decided_at"]),
            }
            for r in outbox_rows
            if since <= utc(r.created_at) < until  # type: ignore[operator]
        ],
    }


def file_rows(frames: dict[str, pl.DataFrame], like: dict[str, list[dict[str, Any]]]) -> dict[str, list[Any]]:
    """The files' rows restricted to the columns checked, in the order the database rows are in."""
    keys = {"cases": "case_id", "alerts": "alert_id", "decisions": "decision_id", "resolutions": "decision_id"}
    out: dict[str, list[Any]] = {}
    for table, rows in like.items():
        columns = list(rows[0]) if rows else [keys[table]]
        out[table] = frames[table].select(columns).sort(keys[table]).to_dicts()
    return out


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
async def test_the_files_hold_the_database_rows(seeded: Seeded, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"export-{fmt}"
    result = await run(seeded, "--format", fmt, "-o", str(out), *IN_RANGE)
    assert result.exit_code == 0, result.output
    assert [line.split(":")[0] for line in result.output.splitlines()] == list(SCHEMAS)
    assert "cases: 3 rows" in result.output and "resolutions: 1 rows" in result.output
    frames = read_back(out, fmt)
    expected = await database_rows(seeded.store, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    expected["cases"].sort(key=lambda r: r["case_id"])
    expected["alerts"].sort(key=lambda r: r["alert_id"])
    expected["decisions"].sort(key=lambda r: r["decision_id"])
    assert file_rows(frames, expected) == expected
    assert [len(expected[t]) for t in SCHEMAS] == [3, 3, 2, 1]
    # Spot checks the comparison above depends on: the reject closed the held case, and times are UTC.
    held = frames["cases"].filter(pl.col("case_id") == seeded.held_case).row(0, named=True)
    assert (held["status"], held["outcome"], held["closed_at"]) == ("closed", "rejected", RESOLVED_AT)
    (resolution,) = frames["resolutions"].to_dicts()
    assert (resolution["resolution"], resolution["decided_by"], resolution["decided_at"]) == (
        "reject",
        "amina",
        RESOLVED_AT,
    )
    retro = frames["alerts"].filter(pl.col("kind") == "retro_hit").row(0, named=True)
    assert (retro["rule_ids"], retro["score"]) == ("sanctions.name", 0.91)
    flagged = frames["decisions"].filter(pl.col("transfer_id") == "exB:t2").row(0, named=True)
    assert (flagged["reasons"], flagged["policy_version"], flagged["watchlist_version"]) == (
        "graph.fan_in;graph.velocity",
        "policy-test",
        "wl-test",
    )
    for table, frame in frames.items():
        assert frame.columns == list(COLUMNS[table])
        for name, dtype in frame.schema.items():
            if isinstance(dtype, pl.Datetime):
                assert dtype == pl.Datetime("us", "UTC"), (table, name)


async def test_the_date_range_leaves_out_what_is_outside_it(seeded: Seeded, tmp_path: Path) -> None:
    narrow = await run(seeded, "--format", "parquet", "-o", str(tmp_path / "narrow"), *IN_RANGE)
    wide = await run(seeded, "--format", "parquet", "-o", str(tmp_path / "wide"), *WIDE)
    before_resolution = await run(
        seeded, "--format", "csv", "-o", str(tmp_path / "early"), "--from", "2026-11-01", "--to", "2026-11-20T14:00"
    )
    assert narrow.exit_code == wide.exit_code == before_resolution.exit_code == 0
    narrow_frames = read_back(tmp_path / "narrow", "parquet")
    wide_frames = read_back(tmp_path / "wide", "parquet")
    early = read_back(tmp_path / "early", "csv")
    assert seeded.old_alert not in narrow_frames["alerts"]["alert_id"].to_list()
    assert seeded.old_alert not in narrow_frames["decisions"]["decision_id"].to_list()
    assert seeded.old_alert in wide_frames["alerts"]["alert_id"].to_list()
    assert seeded.old_alert in wide_frames["decisions"]["decision_id"].to_list()
    assert narrow_frames["cases"].height == 3 and wide_frames["cases"].height == 4
    assert wide_frames["cases"]["opened_at"].min() == OLD
    assert early["resolutions"].height == 0 and narrow_frames["resolutions"].height == 1
    assert early["cases"].height == 3  # the cases opened before the resolution are in
    # An empty range still writes every column.
    empty = await run(seeded, "-o", str(tmp_path / "none"), "--from", "2020-01-01", "--to", "2020-01-02")
    assert empty.exit_code == 0, empty.output
    for table, frame in read_back(tmp_path / "none", "csv").items():
        assert frame.height == 0 and frame.columns == list(SCHEMAS[table])


async def test_the_export_is_in_the_audit_chain(seeded: Seeded, tmp_path: Path) -> None:
    before = await seeded.store.audit_entries()
    result = await run(seeded, "--format", "csv", "-o", str(tmp_path / "audited"), *IN_RANGE)
    assert result.exit_code == 0, result.output
    entries = await seeded.store.audit_entries()
    assert len(entries) == len(before) + 1 and verify(entries) is None
    last = entries[-1]
    assert (last.actor, last.action, last.subject) == ("cli", "export", "export")
    assert last.payload["format"] == "csv"
    assert last.payload["from"] == "2026-11-01T00:00:00+00:00"
    assert last.payload["to"] == "2026-12-01T00:00:00+00:00"  # --to is inclusive of its day
    assert last.payload["rows"] == {"cases": 3, "alerts": 3, "decisions": 2, "resolutions": 1}


async def test_goaml_is_not_wired_and_writes_nothing(seeded: Seeded, tmp_path: Path) -> None:
    before = await seeded.store.audit_entries()
    result = await run(seeded, "--format", "goaml", "-o", str(tmp_path / "goaml"))
    assert result.exit_code == 2
    assert "goaml export: not yet wired" in result.output
    assert not (tmp_path / "goaml").exists()
    assert len(await seeded.store.audit_entries()) == len(before)


async def test_a_bad_date_is_refused(seeded: Seeded, tmp_path: Path) -> None:
    result = await run(seeded, "-o", str(tmp_path / "bad"), "--from", "yesterday")
    assert result.exit_code == 2 and "not an ISO date" in result.output
    reversed_ = await run(seeded, "-o", str(tmp_path / "bad"), "--from", "2026-12-01", "--to", "2026-11-01")
    assert reversed_.exit_code == 2
    assert not (tmp_path / "bad").exists()
