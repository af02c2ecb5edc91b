"""The officers' API on SQLite and PostgreSQL: every action and every refusal (no session, wrong role, no
CSRF token, own approval, another exchange's case), resolutions in the outbox, the audit chain."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import select, text
from typer.testing import CliRunner

from schemas import Action, Decision
from services.auth.adapters.store import AuthStore
from services.auth.domain.principal import Role
from services.auth.http import Authenticator
from services.auth.settings import AuthSettings
from services.casedesk.adapters.case_store import CaseStore
from services.casedesk.adapters.tables import outbox
from services.casedesk.api import create_app
from services.casedesk.bootstrap import compose
from services.casedesk.desk import RESOLUTION, Desk
from services.casedesk.domain.alert import CaseAlert
from services.casedesk.domain.audit_chain import verify
from services.casedesk.domain.priority import DEFAULT_SLA_HOURS
from services.casedesk.intake import IntakeStatus
from services.casedesk.settings import CasedeskSettings
from services.cli import app
from services.database import create_engine, upgrade_schema
from tests.casedesk.domain.builders import decision, reason, wallet_hit
from tests.factories import party, transfer

pytestmark = pytest.mark.asyncio
PASSWORD = "correct horse battery"
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@dataclass
class Desk_:
    client: httpx.AsyncClient
    store: CaseStore
    held: Decision
    flagged: Decision


async def _nothing() -> int:
    return 0  # publishing is the outbox's job (tests/casedesk/test_resolutions_e2e.py); here the outbox rows are read


@pytest_asyncio.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def desk(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Desk_]:
    if request.param == "sqlite":
        urls = [f"sqlite+aiosqlite:///{tmp_path / name}" for name in ("casedesk.db", "auth.db")]
    else:
        cluster = request.getfixturevalue("postgres_cluster")
        urls = [cluster.create_database(f"{name}_{uuid.uuid4().hex[:8]}") for name in ("casedesk", "auth")]
    engine, auth_engine = create_engine(urls[0]), create_engine(urls[1])
    await upgrade_schema(engine, "services.casedesk")
    await upgrade_schema(auth_engine, "services.auth")
    auth_store = AuthStore(auth_engine)
    for name, role, exchange in [
        ("amina", Role.ANALYST, None),
        ("bilal", Role.SENIOR, None),
        ("chen", Role.SENIOR, None),
        ("rita", Role.REGULATOR, None),
        ("omar", Role.ANALYST, "exB"),
    ]:
        await auth_store.add_user(name, PASSWORD, role, exchange, NOW)
    store = CaseStore(engine)
    held = decision("exA:t1", Action.HOLD, wallet_hit(account="acct-1"), score=1.0)
    flagged = decision("exB:t2", Action.FLAG, reason("graph.fan_in", "acct-9"), score=0.5)
    await store.record_transfers(
        [
            transfer(transfer_id="exA:t1", exchange_id="exA", originator=party("acct-1")),
            transfer(transfer_id="exB:t2", exchange_id="exB", originator=party("acct-9")),
        ]
    )
    items = [
        (CaseAlert.from_decision(held, "exA"), held.model_dump(mode="json")),
        (CaseAlert.from_decision(flagged, "exB"), flagged.model_dump(mode="json")),
    ]
    assert await store.absorb([(a, s) for a, s in items if a is not None], NOW, DEFAULT_SLA_HOURS) == 2
    settings = AuthSettings(cookie_secure=False)
    app = create_app(store, Desk(store), Authenticator(auth_store, settings), IntakeStatus(), _nothing)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk") as client:
        yield Desk_(client, store, held, flagged)
    await engine.dispose()
    await auth_engine.dispose()


async def login(client: httpx.AsyncClient, name: str) -> str:
    client.cookies.clear()
    answer = await client.post(
        "/login", data={"username": name, "password": PASSWORD}, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["csrf_token"]
    return token


async def act(client: httpx.AsyncClient, csrf: str, case_id: str, action: str, **extra: Any) -> httpx.Response:
    return await client.post(
        f"/v1/cases/{case_id}/actions", json={"action": action, **extra}, headers={"X-CSRF-Token": csrf}
    )


async def resolutions(store: CaseStore) -> list[dict[str, Any]]:
    async with store.engine.connect() as connection:
        rows = await connection.execute(select(outbox.c.body).where(outbox.c.kind == RESOLUTION))
        return [dict(r.body) for r in rows]


async def test_the_queue_needs_an_officer_and_puts_holds_first(desk: Desk_) -> None:
    assert (await desk.client.get("/v1/cases")).status_code == 401
    await login(desk.client, "rita")
    assert (await desk.client.get("/v1/cases")).status_code == 403  # a regulator reads through issue 13's API
    await login(desk.client, "amina")
    queue = (await desk.client.get("/v1/cases")).json()
    assert queue["total"] == 2
    assert [c["alerts"][0]["transfer_id"] for c in queue["cases"]] == ["exA:t1", "exB:t2"]
    assert (await desk.client.get("/v1/cases", params={"action": "flag"})).json()["total"] == 1
    assert (await desk.client.get("/v1/cases", params={"rule": "sanctions.wallet"})).json()["total"] == 1
    assert (await desk.client.get("/v1/cases", params={"q": "acct-9"})).json()["total"] == 1
    assert (await desk.client.get("/v1/cases", params={"asset": "PKTB-3M"})).json()["total"] == 2
    assert (await desk.client.get("/v1/cases", params={"asset": "USDT"})).json()["total"] == 0


async def test_an_exchange_scoped_officer_sees_and_touches_only_that_exchange(desk: Desk_) -> None:
    csrf = await login(desk.client, "omar")
    queue = (await desk.client.get("/v1/cases")).json()
    assert [c["exchange_id"] for c in queue["cases"]] == ["exB"]
    other = (await login(desk.client, "amina"), (await desk.client.get("/v1/cases")).json()["cases"][0]["case_id"])[1]
    csrf = await login(desk.client, "omar")
    assert (await desk.client.get(f"/v1/cases/{other}")).status_code == 404
    assert (await act(desk.client, csrf, other, "comment", note="x")).status_code == 404


async def test_releasing_a_sanctions_hold_takes_a_maker_and_a_different_senior(desk: Desk_) -> None:
    csrf = await login(desk.client, "amina")
    case_id = (await desk.client.get("/v1/cases")).json()["cases"][0]["case_id"]
    # No CSRF token, no change.
    no_token = await desk.client.post(f"/v1/cases/{case_id}/actions", json={"action": "release"})
    assert no_token.status_code == 403 and "CSRF" in no_token.text
    proposed = await act(desk.client, csrf, case_id, "release", note="wallet belongs to the exchange's hot wallet")
    assert proposed.status_code == 200 and proposed.json()["case"]["status"] == "awaiting_approval"
    assert await resolutions(desk.store) == []  # a proposal settles nothing
    refused = await act(desk.client, csrf, case_id, "approve")
    assert refused.status_code == 409  # an analyst cannot check
    csrf = await login(desk.client, "bilal")
    declined = await act(desk.client, csrf, case_id, "decline", note="ask for the wallet ownership proof")
    assert declined.json()["case"]["status"] == "in_review"
    own = await act(desk.client, csrf, case_id, "release")
    assert own.json()["case"]["status"] == "awaiting_approval"
    self_approval = await act(desk.client, csrf, case_id, "approve")
    assert self_approval.status_code == 409 and "cannot check it" in self_approval.json()["detail"]
    csrf = await login(desk.client, "chen")
    approved = await act(desk.client, csrf, case_id, "approve")
    assert approved.status_code == 200 and approved.json()["case"]["outcome"] == "released"
    (published,) = await resolutions(desk.store)
    resolution = Decision.model_validate(published)
    assert resolution.resolution == "release" and resolution.supersedes == desk.held.decision_id
    assert resolution.decided_by == "bilal/chen" and resolution.transfer_id == "exA:t1"
    history = (await desk.client.get(f"/v1/cases/{case_id}")).json()["history"]
    # Proposal, decline, proposal again, then the approval and the release it carries out, then the resolution.
    actions = [h["action"] for h in history]
    assert actions == ["alert", "release", "decline", "release", "approve", "release", "resolution"]
    assert history[5]["payload"]["approved_by"] == "chen" and history[5]["actor"] == "bilal"


async def test_a_flag_is_closed_by_one_officer_and_reject_needs_no_checker(desk: Desk_) -> None:
    csrf = await login(desk.client, "amina")
    cases = (await desk.client.get("/v1/cases")).json()["cases"]
    flag_case = next(c["case_id"] for c in cases if c["exchange_id"] == "exB")
    assert (await act(desk.client, csrf, flag_case, "assign")).json()["case"]["assignee"] == "amina"
    assert (await act(desk.client, csrf, flag_case, "comment", note="")).status_code == 409
    closed = await act(desk.client, csrf, flag_case, "close_false_positive", note="payroll")
    assert closed.status_code == 200 and closed.json()["case"]["status"] == "closed"
    assert (await act(desk.client, csrf, flag_case, "release")).status_code == 409  # closed


async def test_the_audit_chain_verifies_and_names_an_edited_entry(desk: Desk_) -> None:
    csrf = await login(desk.client, "amina")
    case_id = (await desk.client.get("/v1/cases")).json()["cases"][0]["case_id"]
    await act(desk.client, csrf, case_id, "comment", note="looking")
    entries = await desk.store.audit_entries()
    assert len(entries) == 3 and verify(entries) is None
    async with desk.store.engine.begin() as connection:
        edit = text("UPDATE casedesk_audit SET actor = 'mallory' WHERE seq = 2")
        if desk.store.engine.dialect.name == "postgresql":
            with pytest.raises(Exception, match="append-only"):
                await connection.execute(edit)
            return
        await connection.execute(edit)
    assert verify(await desk.store.audit_entries()) == 2


async def outbox_kinds(store: CaseStore) -> list[str]:
    async with store.engine.connect() as connection:
        return [r.kind for r in await connection.execute(select(outbox.c.kind).order_by(outbox.c.id))]


async def test_freeze_and_an_str_take_two_officers_and_leave_their_tasks(desk: Desk_) -> None:
    csrf = await login(desk.client, "amina")
    cases = (await desk.client.get("/v1/cases")).json()["cases"]
    held = next(c["case_id"] for c in cases if c["exchange_id"] == "exA")
    flagged = next(c["case_id"] for c in cases if c["exchange_id"] == "exB")
    assert (await act(desk.client, csrf, held, "freeze", note="listed wallet")).json()["case"]["status"] == (
        "awaiting_approval"
    )
    assert (await act(desk.client, csrf, flagged, "mark_str", note="fan-in")).json()["case"]["status"] == (
        "awaiting_approval"
    )
    assert await outbox_kinds(desk.store) == []
    csrf = await login(desk.client, "bilal")
    frozen = await act(desk.client, csrf, held, "approve")
    reported = await act(desk.client, csrf, flagged, "approve")
    assert frozen.json()["case"]["outcome"] == "frozen" and reported.json()["case"]["reported"] is True
    (resolution,) = [Decision.model_validate(b) for b in await resolutions(desk.store)]
    assert resolution.resolution == "freeze" and resolution.decided_by == "amina/bilal"
    assert sorted(await outbox_kinds(desk.store)) == ["report", "report", "resolution"]  # freeze and STR reports


async def test_an_escalated_case_is_for_seniors_only(desk: Desk_) -> None:
    csrf = await login(desk.client, "amina")
    held = next(c["case_id"] for c in (await desk.client.get("/v1/cases")).json()["cases"] if c["exchange_id"] == "exA")
    assert (await act(desk.client, csrf, held, "escalate", note="sanctions: senior call")).status_code == 200
    refused = await act(desk.client, csrf, held, "reject")
    assert refused.status_code == 409 and "escalated" in refused.json()["detail"]
    assert (await act(desk.client, csrf, held, "comment", note="the customer called")).status_code == 200
    csrf = await login(desk.client, "bilal")
    rejected = await act(desk.client, csrf, held, "reject", note="no explanation of the funds")
    assert rejected.json()["case"]["outcome"] == "rejected"
    (resolution,) = await resolutions(desk.store)
    assert resolution["resolution"] == "reject" and resolution["decided_by"] == "bilal"


async def test_a_regulator_or_a_caller_without_a_session_cannot_act(desk: Desk_) -> None:
    csrf = await login(desk.client, "rita")
    any_case = "C-0000000000"
    assert (await act(desk.client, csrf, any_case, "comment", note="x")).status_code == 403
    desk.client.cookies.clear()
    assert (await act(desk.client, "no-session", any_case, "comment", note="x")).status_code == 401


async def test_every_login_attempt_is_in_the_audit_chain(tmp_path: Path) -> None:
    parts = compose(
        CasedeskSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"),
        AuthSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}", cookie_secure=False),
    )
    try:
        await upgrade_schema(parts.engine, "services.casedesk")
        await upgrade_schema(parts.auth_engine, "services.auth")
        await AuthStore(parts.auth_engine).add_user("amina", PASSWORD, Role.ANALYST, None, NOW)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=parts.api), base_url="http://desk") as client:
            wrong = await client.post(
                "/login",
                data={"username": "amina", "password": "not the password"},
                headers={"Accept": "application/json"},
            )
            assert wrong.status_code == 401
            await login(client, "amina")
        entries = await parts.store.audit_entries()
        assert [(e.actor, e.action) for e in entries] == [("amina", "login_refused"), ("amina", "login")]
        assert verify(entries) is None
    finally:
        await parts.engine.dispose()
        await parts.auth_engine.dispose()


async def test_unfreezing_a_frozen_case_takes_two_officers_and_leaves_a_lift_freeze_task(desk: Desk_) -> None:
    csrf = await login(desk.client, "amina")
    held = next(c["case_id"] for c in (await desk.client.get("/v1/cases")).json()["cases"] if c["exchange_id"] == "exA")
    await act(desk.client, csrf, held, "freeze", note="listed wallet")
    csrf = await login(desk.client, "bilal")
    assert (await act(desk.client, csrf, held, "approve")).json()["case"]["outcome"] == "frozen"
    proposed = await act(desk.client, csrf, held, "unfreeze", note="OFAC delisted the address")
    assert proposed.status_code == 200 and proposed.json()["case"]["proposal"]["action"] == "unfreeze"
    assert "lift_freeze" not in await outbox_kinds(desk.store)
    csrf = await login(desk.client, "chen")
    assert (await act(desk.client, csrf, held, "approve")).status_code == 200
    assert "lift_freeze" in await outbox_kinds(desk.store)


async def test_aml_audit_verify_names_the_entry_edited_in_the_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"

    async def seed() -> None:
        engine = create_engine(url)
        await upgrade_schema(engine, "services.casedesk")
        store = CaseStore(engine)
        for n in range(4):
            await store.audit("amina", "comment", "C-1", {"note": f"note {n}"}, NOW)
        await engine.dispose()

    await seed()
    runner, env = CliRunner(), {"CASEDESK_DATABASE_URL": url}
    # In a thread: the command runs its own event loop.
    intact = await asyncio.to_thread(runner.invoke, app, ["audit", "verify"], env=env)
    assert intact.exit_code == 0 and "intact: 4 entries" in intact.output
    with sqlite3.connect(tmp_path / "desk.db") as db:
        db.execute("""UPDATE casedesk_audit SET payload = '{"note": "nothing happened"}' WHERE seq = 3""")
    broken = await asyncio.to_thread(runner.invoke, app, ["audit", "verify"], env=env)
    assert broken.exit_code == 1 and "broken at entry 3 (of 4)" in broken.output


async def test_the_regulator_api_is_for_regulators_only_and_every_pull_is_audited(desk: Desk_) -> None:
    await login(desk.client, "amina")
    assert (await desk.client.get("/v1/regulator/cases")).status_code == 403  # an officer uses /v1/cases
    csrf = await login(desk.client, "rita")
    listed = await desk.client.get("/v1/regulator/cases", params={"from": "2026-12-01", "to": "2026-12-04"})
    assert listed.status_code == 200 and listed.json()["total"] == 2
    assert (await desk.client.get("/v1/regulator/cases", params={"to": "2026-12-01"})).json()["total"] == 0
    assert (await desk.client.get("/v1/regulator/cases", params={"action": "flag"})).json()["total"] == 1
    case_id = listed.json()["cases"][0]["case_id"]
    one = await desk.client.get(f"/v1/regulator/cases/{case_id}")
    assert one.status_code == 200 and one.json()["history"][0]["action"] == "alert"
    # Read-only: a regulator acts on nothing, even with a valid session and CSRF token.
    refused = await act(desk.client, csrf, case_id, "comment", note="x")
    assert refused.status_code == 403 and "regulator" in refused.text
    pulls = [e for e in await desk.store.audit_entries() if e.action == "regulator_pull"]
    assert [(e.actor, e.subject) for e in pulls] == [("rita", "cases")] * 3 + [("rita", case_id)]
    assert pulls[0].payload["from"] == "2026-12-01" and verify(await desk.store.audit_entries()) is None
    desk.client.cookies.clear()
    assert (await desk.client.get("/v1/regulator/cases")).status_code == 401
