"""Case-desk data for the web UI's tests: transfers and screener decisions filed through the store, as the
intake files them (`CaseStore.record_transfers`, `CaseStore.absorb`), decisions built as in
tests/casedesk/domain/builders.py.

Five cases are always there, relative to `now`, most urgent first:

- NAME: a hold on a sanctions name hit ("Ali Hassan Khan" vs UN entry "KHAN, Ali Hasan") whose beneficiary
  is also the hub of a fan-in (five senders, the evidence edges); raised 5 hours ago, so 1 hour overdue;
- HOSTILE: a hold on a name hit whose party is called `HOSTILE` (markup, a template, SQL);
- WALLET: a hold on a listed wallet;
- RETRO: a retro-screening hit (an `Alert`): a party paid three days ago is now on an EU list (priority 2);
- CYCLE: a flag on a ring of three accounts (graph.cycle), on another exchange (exB).

`extra` adds routine flags and holds spread over the last days, so a screenshot shows a lived-in desk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from schemas import Action, Alert, AlertKind, Decision, Reason, Severity, TransferEvent
from services.casedesk.adapters.case_store import CaseStore, case_id_for
from services.casedesk.domain.alert import CaseAlert
from services.casedesk.domain.priority import DEFAULT_SLA_HOURS
from tests.casedesk.domain.builders import decision
from tests.factories import party, transfer

HOSTILE = "<script>alert('pwned')</script> {{ 7*7 }} Robert'); DROP TABLE casedesk_cases;--"
HOSTILE_ACCOUNT = "acct-<img src=x onerror=alert(1)>"
FAN_IN_TEXT = "5 accounts it never dealt with before sent acct-hub funds within 24 hours (many-to-one)."
NAME_TEXT = (
    "The originator 'Ali Hassan Khan' matches UN entry QDi.001 ('KHAN, Ali Hasan', score 0.93: "
    "given name and surname agree; date of birth agrees)."
)
RETRO_TEXT = "New list version: name 'Olga Petrova' matches eu EU.77 'PETROVA, Olga' (0.88)"
CYCLE_TEXT = "Funds went round a ring of 3 accounts back to acct-r1 with amounts nearly unchanged (round-tripping)."
LISTED_WALLET = "0x7f367cc41522ce07553e823bf3be79a889debe1b"


def case_of(transfer_id: str) -> str:
    return case_id_for(str(Decision.system_id(transfer_id)))


@dataclass(frozen=True)
class Seeded:
    now: datetime
    name: str
    hostile: str
    wallet: str
    cycle: str
    retro: str
    extra: tuple[str, ...]


def _reason(
    rule_id: str, explanation: str, *subjects: str, severity: Severity = Severity.HIGH, **evidence: Any
) -> Reason:
    return Reason(rule_id=rule_id, explanation=explanation, severity=severity, evidence=evidence, subjects=subjects)


def _edge(transfer_id: str, src: str, dst: str, amount: float, at: datetime) -> dict[str, Any]:
    return {"transfer_id": transfer_id, "from": src, "to": dst, "amount": amount, "ts": at.timestamp()}


async def seed(store: CaseStore, now: datetime, extra: int = 0) -> Seeded:
    events: list[TransferEvent] = []
    decisions: list[tuple[Decision, str]] = []

    # NAME: a listed person pays the hub of a fan-in.
    t0 = now - timedelta(hours=5, minutes=10)
    khan = party(
        "acct-khan",
        name="Ali Hassan Khan",
        date_of_birth="1975-03-14",
        country="PK",
        id_type="passport",
        id_number="AB1234567",
        wallet_address="0x" + "1" * 40,
    )
    hub = party("acct-hub", name="Northwind Traders", wallet_address="0x" + "9" * 40)
    events.append(
        transfer(
            transfer_id="exA:t-1001",
            exchange_id="exA",
            occurred_at=t0,
            originator=khan,
            beneficiary=hub,
            amount=Decimal("9800.00"),
            asset="USDT",
            chain="tron",
        )
    )
    fan_edges = []
    for i in range(1, 5):
        at = t0 - timedelta(minutes=40 * i)
        tid = f"exA:t-f{i}"
        events.append(
            transfer(
                transfer_id=tid,
                exchange_id="exA",
                occurred_at=at,
                originator=party(f"acct-s{i}"),
                beneficiary=hub,
                amount=Decimal(f"{9500 + 50 * i}.00"),
                asset="USDT",
                chain="tron",
            )
        )
        fan_edges.append(_edge(tid, f"acct-s{i}", "acct-hub", 9500.0 + 50 * i, at))
    fan_edges.append(_edge("exA:t-1001", "acct-khan", "acct-hub", 9800.0, t0))
    name_hit = _reason(
        "sanctions.name",
        NAME_TEXT,
        "acct-khan",
        severity=Severity.CRITICAL,
        role="originator",
        party_name="Ali Hassan Khan",
        list="UN",
        entry_id="QDi.001",
        entry_key="un:QDi.001",
        entry_name="KHAN, Ali Hasan",
        matched_name="KHAN, Ali Hasan",
        programme="Al-Qaida (1267)",
        entry_dob="1975-03-14",
        entry_nationalities=["PK"],
        entry_identifiers=[{"type": "passport", "number": "AB1234567"}],
        name_kind="primary",
        score=0.93,
        watchlist_version="wl-2026-12-01",
    )
    fan_in = _reason(
        "graph.fan_in",
        FAN_IN_TEXT,
        "acct-hub",
        "acct-s1",
        "acct-s2",
        "acct-s3",
        "acct-s4",
        "acct-khan",
        severity=Severity.MEDIUM,
        account="acct-hub",
        counterparties=5,
        edges=fan_edges,
    )
    decisions.append(
        (decision("exA:t-1001", Action.HOLD, name_hit, fan_in, score=1.5, decided_at=t0 + timedelta(minutes=10)), "exA")
    )

    # HOSTILE: the party's name and account are markup, a template and SQL.
    t1 = now - timedelta(hours=2)
    evil = party(HOSTILE_ACCOUNT, name=HOSTILE)
    events.append(
        transfer(
            transfer_id="exA:t-4001",
            exchange_id="exA",
            occurred_at=t1,
            originator=evil,
            beneficiary=party("acct-b2", name="Plain Beneficiary"),
            amount=Decimal("120.5"),
        )
    )
    hostile_hit = _reason(
        "sanctions.name",
        f"The originator '{HOSTILE}' matches OFAC entry 9999 ('Robert Tables').",
        HOSTILE_ACCOUNT,
        severity=Severity.CRITICAL,
        role="originator",
        party_name=HOSTILE,
        list="OFAC",
        entry_id="9999",
        entry_key="ofac:9999",
        entry_name="Robert Tables",
        score=0.71,
        watchlist_version="wl-2026-12-01",
    )
    decisions.append((decision("exA:t-4001", Action.HOLD, hostile_hit, score=1.0, decided_at=t1), "exA"))

    # WALLET: the beneficiary's wallet is listed.
    t2 = now - timedelta(hours=1)
    events.append(
        transfer(
            transfer_id="exA:t-2001",
            exchange_id="exA",
            occurred_at=t2,
            originator=party("acct-w1", name="Maria Lopez", wallet_address="0x" + "2" * 40),
            beneficiary=party("acct-w2", wallet_address=LISTED_WALLET),
            amount=Decimal("2500"),
        )
    )
    wallet_hit = _reason(
        "sanctions.wallet",
        "The beneficiary's wallet is listed on OFAC (entry 31337, LAZARUS GROUP; for ETH, USDT).",
        "acct-w2",
        severity=Severity.CRITICAL,
        role="beneficiary",
        wallet_address=LISTED_WALLET,
        listed_address=LISTED_WALLET,
        tickers=["ETH", "USDT"],
        list="OFAC",
        entry_id="31337",
        entry_key="ofac:31337",
        entry_name="LAZARUS GROUP",
        programme="DPRK3",
        watchlist_version="wl-2026-12-01",
    )
    decisions.append((decision("exA:t-2001", Action.HOLD, wallet_hit, score=1.0, decided_at=t2), "exA"))

    # CYCLE: a ring of three accounts on exchange exB, flagged.
    t3 = now - timedelta(hours=30)
    ring = [
        ("exB:t-c1", "acct-r1", "acct-r2", 5000.0),
        ("exB:t-c2", "acct-r2", "acct-r3", 4990.0),
        ("exB:t-3001", "acct-r3", "acct-r1", 4975.0),
    ]
    ring_edges = []
    for i, (tid, src, dst, amount) in enumerate(ring):
        at = t3 + timedelta(minutes=20 * i)
        events.append(
            transfer(
                transfer_id=tid,
                exchange_id="exB",
                occurred_at=at,
                originator=party(src),
                beneficiary=party(dst),
                amount=Decimal(str(amount)),
                asset="PKTB-3M",
            )
        )
        ring_edges.append(_edge(tid, src, dst, amount, at))
    cycle = _reason(
        "graph.cycle",
        CYCLE_TEXT,
        "acct-r1",
        "acct-r2",
        "acct-r3",
        severity=Severity.MEDIUM,
        ring=["acct-r1", "acct-r2", "acct-r3"],
        hops=3,
        edges=ring_edges,
    )
    decisions.append(
        (decision("exB:t-3001", Action.FLAG, cycle, score=0.6, decided_at=t3 + timedelta(minutes=40)), "exB")
    )

    # RETRO: a new list version names a party paid out three days ago (an `Alert`, not a decision).
    t4 = now - timedelta(days=3)
    petrova = party("acct-old", name="Olga Petrova", date_of_birth="1969-11-02", country="RU")
    events.append(
        transfer(
            transfer_id="exA:t-old",
            exchange_id="exA",
            occurred_at=t4,
            originator=petrova,
            beneficiary=party("acct-b3"),
            amount=Decimal("40000"),
            asset="USDC",
        )
    )
    retro = Alert(
        alert_id=Alert.derive_id(AlertKind.RETRO_HIT, "wl-2026-12-02", "eu:EU.77", "acct-old"),
        kind=AlertKind.RETRO_HIT,
        watchlist_version="wl-2026-12-02",
        entry_key="eu:EU.77",
        entry_name="PETROVA, Olga",
        transfer_ids=("exA:t-old",),
        subjects=("acct-old",),
        score=0.88,
        explanation=RETRO_TEXT,
        evidence={"party": petrova.model_dump(mode="json")},
        raised_at=now - timedelta(hours=3),
    )

    extra_ids = []
    rules = (
        "graph.structuring",
        "travel_rule.missing_data",
        "graph.fan_out",
        "graph.velocity_spike",
        "jurisdiction.increased_monitoring",
        "graph.pass_through",
    )
    for i in range(extra):
        hold = i % 5 == 0
        # Holds still within their SLA (the NAME case stays the most urgent), flags spread over the last days.
        at = now - (timedelta(minutes=20 + 15 * i) if hold else timedelta(hours=7 + 9 * i))
        tid = f"exA:t-x{i:03d}"
        account = f"acct-x{i:03d}"
        events.append(
            transfer(
                transfer_id=tid,
                exchange_id="exA",
                occurred_at=at,
                originator=party(account, name=f"Customer {i:03d}"),
                beneficiary=party(f"acct-y{i:03d}"),
                amount=Decimal(f"{300 + 37 * i}.25"),
            )
        )
        rule = rules[i % len(rules)]
        action = Action.HOLD if hold else Action.FLAG
        why = _reason(rule, f"{rule} pattern on {account}.", account, severity=Severity.MEDIUM)
        decisions.append((decision(tid, action, why, score=0.5 + (i % 3) * 0.4, decided_at=at), "exA"))
        extra_ids.append(case_of(tid))

    await store.record_transfers(events)
    items = []
    for made, exchange in decisions:
        alert = CaseAlert.from_decision(made, exchange)
        assert alert is not None
        items.append((alert, made.model_dump(mode="json")))
    items.append((CaseAlert.from_alert(retro), retro.model_dump(mode="json")))
    assert await store.absorb(items, now, DEFAULT_SLA_HOURS) == len(items)
    return Seeded(
        now,
        case_of("exA:t-1001"),
        case_of("exA:t-4001"),
        case_of("exA:t-2001"),
        case_of("exB:t-3001"),
        case_id_for(str(retro.alert_id)),
        tuple(extra_ids),
    )
