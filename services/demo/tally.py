"""What the demo observed: decisions per transfer, dead letters, latency from submission to decision."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from schemas import Action, Decision
from services.demo.scenarios import Expectation


@dataclass
class Tally:
    submitted_at: dict[str, float] = field(default_factory=dict)
    listed: set[str] = field(default_factory=set)
    decisions: dict[str, Decision] = field(default_factory=dict)
    conflicting: set[str] = field(default_factory=set)
    """Transfers that received two different system decisions (must stay empty)."""
    redelivered: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    dead_letters: int = 0
    expected: dict[str, Expectation] = field(default_factory=dict)
    """Last legs of planted scenarios, by transfer id: the rule that must catch each, and the action."""

    def submitted(self, transfer_id: str, at: float, listed: bool, expect: Expectation | None = None) -> None:
        self.submitted_at[transfer_id] = at
        if listed:
            self.listed.add(transfer_id)
        if expect is not None:
            self.expected[transfer_id] = expect

    def decided(self, decision: Decision, at: float) -> None:
        if decision.transfer_id not in self.submitted_at or decision.is_resolution:
            return
        first = self.decisions.get(decision.transfer_id)
        if first is None:
            self.decisions[decision.transfer_id] = decision
            self.latencies_ms.append((at - self.submitted_at[decision.transfer_id]) * 1000)
        elif first.decision_id == decision.decision_id and first.action == decision.action:
            self.redelivered += 1
        else:
            self.conflicting.add(decision.transfer_id)

    @property
    def pending(self) -> int:
        return len(self.submitted_at) - len(self.decisions)

    def counts(self) -> dict[str, int]:
        out = {a.value: 0 for a in Action}
        for decision in self.decisions.values():
            out[decision.action.value] += 1
        return out

    def listed_not_held(self) -> list[str]:
        return sorted(t for t in self.listed if t in self.decisions and self.decisions[t].action != Action.HOLD)

    def scenarios(self) -> list[dict[str, Any]]:
        """Each planted scenario: the rule and action it must get, what it got, and whether it was caught."""
        rows = []
        for transfer_id, expect in self.expected.items():
            decision = self.decisions.get(transfer_id)
            rules = sorted({r.rule_id for r in decision.reasons}) if decision is not None else []
            action = decision.action.value if decision is not None else None
            rows.append(
                {
                    "scenario": expect.scenario,
                    "story": expect.story,
                    "transfer_id": transfer_id,
                    "expected": f"{expect.action.value} {expect.rule_id}",
                    "action": action,
                    "rules": rules,
                    "caught": action == expect.action.value and expect.rule_id in rules,
                }
            )
        return rows

    def latency(self) -> dict[str, float | None]:
        if not self.latencies_ms:
            return {"p50": None, "p99": None, "max": None}
        ordered = sorted(self.latencies_ms)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return {"p50": round(statistics.median(ordered), 1), "p99": round(p99, 1), "max": round(ordered[-1], 1)}

    def summary(self, ledger: dict[str, Any]) -> dict[str, Any]:
        planted = self.scenarios()
        return {
            "transfers": len(self.submitted_at),
            "decisions": self.counts(),
            "undecided": self.pending,
            "redelivered_decisions": self.redelivered,
            "conflicting_decisions": len(self.conflicting),
            "listed_wallet_transfers": len(self.listed),
            "listed_wallet_not_held": len(self.listed_not_held()),
            "scenarios": {row["scenario"]: row for row in planted},
            "scenarios_missed": [row["scenario"] for row in planted if not row["caught"]],
            "ledger": ledger,
            "dead_letters": self.dead_letters,
            "latency_ms": self.latency(),
        }
