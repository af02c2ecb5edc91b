"""Jurisdiction risk: FATF "call for action" (black list) and "increased monitoring" (grey list).

The lists are dated data, loaded from a file (services/screener/data/fatf_jurisdictions.toml),
so a new FATF plenary means a new data file, not a code change.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from schemas import Severity, TransferEvent
from services.screener.domain.hit import Hit
from services.screener.domain.policy import Policy

CALL_FOR_ACTION = "jurisdiction.call_for_action"
INCREASED_MONITORING = "jurisdiction.increased_monitoring"


@dataclass(frozen=True, slots=True)
class JurisdictionLists:
    """The FATF lists as published on `as_of`, as ISO 3166-1 alpha-2 codes."""

    as_of: str
    call_for_action: frozenset[str]
    increased_monitoring: frozenset[str]

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> JurisdictionLists:
        for key in ("as_of", "call_for_action", "increased_monitoring"):
            if key not in data:
                raise ValueError(f"{key}: missing from the jurisdiction list")
        return cls(
            as_of=str(data["as_of"]),
            call_for_action=frozenset(str(code) for code in data["call_for_action"]),
            increased_monitoring=frozenset(str(code) for code in data["increased_monitoring"]),
        )


def jurisdiction_risk(transfer: TransferEvent, lists: JurisdictionLists | None, policy: Policy | None) -> Iterator[Hit]:
    """A party sits in a country FATF lists for call for action (hold) or increased monitoring (flag)."""
    if lists is None or policy is None:
        return
    if transfer.originator.country is None and transfer.beneficiary.country is None:
        return  # no country given: nothing to look up
    for rule_id, listed, label in (
        (CALL_FOR_ACTION, lists.call_for_action, "high-risk, subject to a call for action"),
        (INCREASED_MONITORING, lists.increased_monitoring, "under increased monitoring"),
    ):
        settings = policy.rule(rule_id)
        if settings is None:
            continue
        for role, party in (("originator", transfer.originator), ("beneficiary", transfer.beneficiary)):
            if party.country is not None and party.country in listed:
                yield Hit(
                    rule_id=rule_id,
                    explanation=f"The {role} is in {party.country}, which FATF lists as {label} ({lists.as_of}).",
                    severity=Severity.HIGH if rule_id == CALL_FOR_ACTION else Severity.MEDIUM,
                    weight=settings.weight,
                    forced=settings.forced,
                    evidence={"role": role, "country": party.country, "fatf_list_as_of": lists.as_of},
                    subjects=(party.account_id,),
                )
