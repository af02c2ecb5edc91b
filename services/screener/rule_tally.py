"""How often each rule fired in a backtest: what drives the alerts, before a policy goes live.

Counted per rule: the transfers it fired on, how many of those were held or flagged (a rule can
fire on a transfer the policy still allows, when its weight alone stays under the flag band), and
the distinct accounts it named as subjects.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from schemas import Action, Decision


@dataclass
class RuleCount:
    rule_id: str
    transfers: int = 0
    held: int = 0
    flagged: int = 0
    accounts: set[str] = field(default_factory=set)


class RuleTally:
    """Counts as decisions come, so a backtest need not keep them: per rule, and actions overall."""

    def __init__(self) -> None:
        self.rules: dict[str, RuleCount] = {}
        self.actions: Counter[str] = Counter({action.value: 0 for action in Action})

    def add(self, decision: Decision) -> None:
        self.actions[decision.action.value] += 1
        fired: set[str] = set()
        for reason in decision.reasons:
            row = self.rules.get(reason.rule_id)
            if row is None:
                row = self.rules[reason.rule_id] = RuleCount(reason.rule_id)
            row.accounts.update(reason.subjects)
            if reason.rule_id in fired:
                continue  # several reasons of one rule on one transfer (two listed entries) count once
            fired.add(reason.rule_id)
            row.transfers += 1
            row.held += decision.action == Action.HOLD
            row.flagged += decision.action == Action.FLAG

    def rows(self) -> list[RuleCount]:
        """One row per rule that fired, the most frequent first (ties by rule id)."""
        return sorted(self.rules.values(), key=lambda r: (-r.transfers, r.rule_id))
