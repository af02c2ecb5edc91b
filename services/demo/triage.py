"""The demo's scripted officers: they work cases through the same HTTP API an officer's browser uses.

Two officers (an analyst and a senior) log in, and the analyst takes the queue from the top: a hold on a
listed wallet is released (analyst proposes, senior approves: four eyes), another hold is rejected (one
officer), a hold on a listed wallet is frozen (four eyes), a listed-name hold is closed as a false positive
with a suppression (four eyes), and a flag is marked for a suspicious transaction report (four eyes).
Whatever the queue lacks is left out and the summary says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True)
class Officer:
    name: str
    role: str
    password: str


@dataclass
class TriageReport:
    resolutions: Counter[str] = field(default_factory=Counter)
    cases: list[dict[str, Any]] = field(default_factory=list)
    """(case id, action, transfer ids) of every case worked."""
    refused: list[str] = field(default_factory=list)


class _Session:
    def __init__(self, base: str, officer: Officer) -> None:
        self.client = httpx.AsyncClient(base_url=base, timeout=15)
        self.officer = officer
        self.csrf = ""

    async def __aenter__(self) -> _Session:
        answer = await self.client.post(
            "/login",
            data={"username": self.officer.name, "password": self.officer.password},
            headers={"Accept": "application/json"},
        )
        answer.raise_for_status()
        self.csrf = answer.json()["csrf_token"]
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.client.aclose()

    async def queue(self, **filters: Any) -> list[dict[str, Any]]:
        answer = await self.client.get("/v1/cases", params={"limit": 500, **filters})
        answer.raise_for_status()
        cases: list[dict[str, Any]] = answer.json()["cases"]
        return cases

    async def act(self, case_id: str, action: str, note: str) -> httpx.Response:
        return await self.client.post(
            f"/v1/cases/{case_id}/actions", json={"action": action, "note": note}, headers={"X-CSRF-Token": self.csrf}
        )


def _rules(case: dict[str, Any]) -> set[str]:
    return {rule for alert in case["alerts"] for rule in alert["rule_ids"]}


def _held(case: dict[str, Any]) -> list[str]:
    return [a["transfer_id"] for a in case["alerts"] if a["kind"] == "hold" and a["transfer_id"]]


def _listed_wallet_hold(case: dict[str, Any]) -> bool:
    # Not a case with a name match as well: that one is the false positive's to close.
    return "sanctions.wallet" in _rules(case) and "sanctions.name" not in _rules(case) and bool(_held(case))


def _other_hold(case: dict[str, Any]) -> bool:
    return bool(_held(case)) and not _rules(case) & {"sanctions.wallet", "sanctions.name"}


def _listed_name(case: dict[str, Any]) -> bool:
    return "sanctions.name" in _rules(case)


def _flag(case: dict[str, Any]) -> bool:
    return not _held(case)


@dataclass(frozen=True)
class _Step:
    outcome: str
    action: str
    fits: Callable[[dict[str, Any]], bool]
    four_eyes: bool
    note: str


# What the script does, in order.
_PLAN = (
    _Step(
        "release",
        "release",
        _listed_wallet_hold,
        True,
        "the wallet is the exchange's own omnibus address, confirmed with the chain analytics report",
    ),
    _Step("reject", "reject", _other_hold, False, "the customer could not explain the source of funds"),
    _Step(
        "freeze",
        "freeze",
        _listed_wallet_hold,
        True,
        "the beneficiary wallet is an OFAC-listed address: funds frozen, freeze report due",
    ),
    _Step(
        "false_positive",
        "close_false_positive",
        _listed_name,
        True,
        "same name as the listed person, different date of birth and CNIC on file",
    ),
    _Step("str", "mark_str", _flag, True, "structured payments into one account over two days"),
)


async def triage(base: str, analyst: Officer, senior: Officer) -> TriageReport:
    report = TriageReport()
    async with _Session(base, analyst) as maker, _Session(base, senior) as checker:
        for step in _PLAN:
            outcome, action, fits, four_eyes, note = step.outcome, step.action, step.fits, step.four_eyes, step.note
            open_cases = await maker.queue(status="open")
            case = next((c for c in open_cases if c["status"] in ("new", "in_review") and fits(c)), None)
            if case is None:
                report.refused.append(f"{outcome}: no open case of that kind in the queue")
                continue
            answer = await maker.act(case["case_id"], action, note)
            if answer.status_code != 200:
                report.refused.append(f"{outcome}: {answer.json().get('detail')}")
                continue
            if four_eyes:
                if answer.json()["case"]["status"] != "awaiting_approval":
                    report.refused.append(f"{outcome}: took effect without a checker")
                approval = await checker.act(case["case_id"], "approve", "checked the evidence")
                if approval.status_code != 200:
                    report.refused.append(f"{outcome}: approval refused: {approval.json().get('detail')}")
                    continue
            report.resolutions[outcome] += 1
            report.cases.append({"case_id": case["case_id"], "action": action, "transfers": _held(case)})
    return report
