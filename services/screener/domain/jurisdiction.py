"""Jurisdiction risk: FATF "call for action" (black list) and "increased monitoring" (grey list).

The lists are dated data, loaded from a file (services/screener/data/fatf_jurisdictions.toml),
so a new FATF plenary means a new data file, not a code change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from rigour.territories import get_territory

from schemas import Severity, TransferEvent
from services.screener.domain.hit import Hit
from services.screener.domain.policy import Policy

CALL_FOR_ACTION = "jurisdiction.call_for_action"
INCREASED_MONITORING = "jurisdiction.increased_monitoring"


PLENARY_GAP = timedelta(days=140)
"""FATF meets in February, June and October, at most about four months apart: lists older than
this have very likely been changed by a plenary since."""

_COUNTRY = re.compile(r"^[A-Z]{2}$")


class JurisdictionListError(ValueError):
    """The jurisdiction list file is malformed; the message names the key and the bad value."""


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
                raise JurisdictionListError(f"{key}: missing from the jurisdiction list")
        as_of = data["as_of"]
        try:
            day = as_of if isinstance(as_of, date) else date.fromisoformat(str(as_of))
        except ValueError:
            raise JurisdictionListError(f"as_of: expected a date like 2026-06-19, got {as_of!r}") from None
        lists = {key: _codes(key, data[key]) for key in ("call_for_action", "increased_monitoring")}
        if both := lists["call_for_action"] & lists["increased_monitoring"]:
            raise JurisdictionListError(f"{', '.join(sorted(both))}: on both call_for_action and increased_monitoring")
        return cls(day.isoformat(), lists["call_for_action"], lists["increased_monitoring"])

    def staleness(self, today: date) -> str | None:
        """A warning when a FATF plenary has very likely changed the lists since `as_of`, else None."""
        age = today - date.fromisoformat(self.as_of)
        if age <= PLENARY_GAP:
            return None
        return (
            f"the FATF jurisdiction lists are as of {self.as_of}, {age.days} days ago: FATF has very likely met "
            "since (February, June, October); replace the file with the lists after the latest plenary"
        )


def country_name(code: str) -> str:
    """The country's short English name (rigour's territory data), or the code when it names no
    country or territory with an ISO alpha-3 code (rigour also knows "ZZ" as "Global")."""
    territory = get_territory(code.lower())
    return str(territory.name) if territory is not None and territory.alpha3 else code


def _codes(key: str, value: Any) -> frozenset[str]:
    if not isinstance(value, list):
        raise JurisdictionListError(f"{key}: expected a list of ISO 3166-1 alpha-2 codes, got {value!r}")
    for code in value:
        if not isinstance(code, str) or not _COUNTRY.match(code):
            raise JurisdictionListError(f"{key}: {code!r} is not an ISO 3166-1 alpha-2 code (two capital letters)")
    return frozenset(value)


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
                    explanation=(
                        f"The {role} is in {country_name(party.country)} ({party.country}), which FATF lists as "
                        f"{label} ({lists.as_of})."
                    ),
                    severity=Severity.HIGH if rule_id == CALL_FOR_ACTION else Severity.MEDIUM,
                    weight=settings.weight,
                    forced=settings.forced,
                    evidence={"role": role, "country": party.country, "fatf_list_as_of": lists.as_of},
                    subjects=(party.account_id,),
                )
