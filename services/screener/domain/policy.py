"""The screening policy: rule weights, thresholds, forced outcomes and score bands, with a version.

The policy arrives as a parsed TOML mapping; `Policy.parse` checks it against `RULE_PARAMETERS`
(which names each rule's parameters and their types, never their values: values live in the
versioned policy file) and raises `PolicyError` naming the offending key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from schemas import Action

Param = float | int | bool | str | tuple[Any, ...]

# Parameter names and types of every configurable rule. `float` accepts integers too.
RULE_PARAMETERS: Mapping[str, Mapping[str, type]] = MappingProxyType(
    {
        "sanctions.wallet": {},
        "sanctions.name": {"threshold": float, "floor": float},
        "wallet.checksum": {},
        "graph.exposure.direct": {},
        "graph.exposure.indirect": {"max_hops": int, "min_share": float},
        "graph.fan_in": {
            "window_hours": float,
            "min_counterparties": int,
            "amount_tolerance": float,
            "min_rise": float,
        },
        "graph.fan_out": {
            "window_hours": float,
            "min_counterparties": int,
            "amount_tolerance": float,
            "min_rise": float,
        },
        "graph.scatter_gather": {"window_hours": float, "min_intermediaries": int},
        "graph.gather_scatter": {
            "window_hours": float,
            "min_sources": int,
            "min_destinations": int,
            "min_rise": float,
        },
        "graph.cycle": {
            "window_hours": float,
            "max_hops": int,
            "amount_tolerance": float,
            "max_branching": int,
            "max_lag_hours": float,
        },
        "graph.pass_through": {"window_minutes": float, "min_share_out": float, "max_share_out": float},
        "graph.peel_chain": {"window_hours": float, "max_peel_share": float, "min_hops": int},
        "graph.structuring": {"margin": float, "min_transfers": int, "window_hours": float, "thresholds": list},
        "graph.split_transfers": {"window_hours": float, "min_transfers": int},
        "graph.velocity_spike": {"factor": float, "min_transfers": int, "min_history_days": float},
        "graph.new_account_value": {"max_age_days": float, "min_observed_days": float, "thresholds": list},
        "graph.outside_window": {},
        "travel_rule.missing_data": {"thresholds": list},
        "travel_rule.unhosted_exposure": {"max_hops": int},
        "jurisdiction.call_for_action": {},
        "jurisdiction.increased_monitoring": {},
    }
)
_RULE_KEYS = frozenset({"weight", "forced", "enabled"})
DEFAULT_SLA_HOURS: Mapping[int, float] = MappingProxyType({1: 4.0, 2: 12.0, 3: 120.0, 4: 720.0})
_FORCED = {"hold": Action.HOLD, "flag": Action.FLAG}


class PolicyError(ValueError):
    """The policy file is invalid; the message names the bad key."""


@dataclass(frozen=True, slots=True)
class Bands:
    """Score bands: at or above `hold` holds, at or above `flag` flags, else allow."""

    flag: float = 0.5
    hold: float = 1.0


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """One rule's weight, forced outcome and thresholds as the policy sets them."""

    weight: float
    forced: Action | None = None
    params: Mapping[str, Param] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.params[name]


@dataclass(frozen=True, slots=True)
class Policy:
    """A validated policy. A rule missing from `rules` does not run (the sanctions rules always run)."""

    version: str
    bands: Bands = Bands()
    window_days: float = 30.0
    max_future_skew_s: float = 300.0
    """How far ahead of the screener's clock a transfer may be dated and still enter the graph (event_time.py)."""
    sla_hours: Mapping[int, float] = field(default_factory=lambda: MappingProxyType(dict(DEFAULT_SLA_HOURS)))
    """The case desk's hours to resolve a case, per priority (1: funds waiting ... 4: a routine flag)."""
    rules: Mapping[str, RuleSettings] = field(default_factory=dict)

    def rule(self, rule_id: str) -> RuleSettings | None:
        return self.rules.get(rule_id)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Policy:
        unknown = set(data) - {"version", "bands", "graph", "rules", "casedesk"}
        if unknown:
            raise PolicyError(f"unknown key {sorted(unknown)[0]!r} at the top level")
        version = _typed(data, "version", str, "version")
        if not version.strip() or len(version) > 128 or version != version.strip():
            raise PolicyError("version: must be a non-empty identifier without surrounding spaces")
        bands_data = _table(data, "bands", "bands")
        _no_extra(bands_data, {"flag", "hold"}, "bands")
        bands = Bands(flag=_number(bands_data, "flag", "bands.flag"), hold=_number(bands_data, "hold", "bands.hold"))
        if not 0 < bands.flag <= bands.hold:
            raise PolicyError("bands.flag: must be positive and not above bands.hold")
        graph = _table(data, "graph", "graph")
        _no_extra(graph, {"window_days", "max_future_skew_s"}, "graph")
        window = _number(graph, "window_days", "graph.window_days")
        skew = _number(graph, "max_future_skew_s", "graph.max_future_skew_s") if "max_future_skew_s" in graph else 300.0
        rules = {rid: _rule(rid, value) for rid, value in _table(data, "rules", "rules").items()}
        return cls(
            version=version,
            bands=bands,
            window_days=window,
            max_future_skew_s=skew,
            sla_hours=_sla_hours(_table(data, "casedesk", "casedesk")),
            rules=MappingProxyType(rules),
        )


def _sla_hours(casedesk: Mapping[str, Any]) -> Mapping[int, float]:
    _no_extra(casedesk, {"sla_hours"}, "casedesk")
    given = _table(casedesk, "sla_hours", "casedesk.sla_hours")
    hours = dict(DEFAULT_SLA_HOURS)
    for key in given:
        if key not in {"1", "2", "3", "4"}:
            raise PolicyError(f'casedesk.sla_hours."{key}": priorities are "1" (funds waiting) to "4" (routine flag)')
        hours[int(key)] = _number(given, key, f'casedesk.sla_hours."{key}"')
    return MappingProxyType(hours)


def _rule(rule_id: str, value: Any) -> RuleSettings:
    where = f'rules."{rule_id}"'
    if rule_id not in RULE_PARAMETERS:
        raise PolicyError(f"{where}: unknown rule id (known: {', '.join(sorted(RULE_PARAMETERS))})")
    if not isinstance(value, Mapping):
        raise PolicyError(f"{where}: must be a table")
    spec = RULE_PARAMETERS[rule_id]
    _no_extra(value, _RULE_KEYS | set(spec), where)
    weight = _number(value, "weight", f"{where}.weight")
    forced: Action | None = None
    if "forced" in value:
        name = value["forced"]
        if name not in _FORCED:
            raise PolicyError(f"{where}.forced: must be one of {sorted(_FORCED)}, not {name!r}")
        forced = _FORCED[name]
    params: dict[str, Param] = {}
    for name, kind in spec.items():
        key = f"{where}.{name}"
        if kind is float:
            params[name] = _number(value, name, key)
        elif kind is list:
            params[name] = tuple(_typed(value, name, list, key))
        else:
            params[name] = _typed(value, name, kind, key)
    return RuleSettings(weight=weight, forced=forced, params=MappingProxyType(params))


def _typed(data: Mapping[str, Any], name: str, kind: type, key: str) -> Any:
    if name not in data:
        raise PolicyError(f"{key}: missing")
    value = data[name]
    # bool is an int in Python; a `true` where a count belongs is a typo, not a value.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise PolicyError(f"{key}: expected {kind.__name__}, got {type(value).__name__} {value!r}")
    return value


def _number(data: Mapping[str, Any], name: str, key: str) -> float:
    value = data.get(name)
    if name not in data:
        raise PolicyError(f"{key}: missing")
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise PolicyError(f"{key}: expected a non-negative number, got {value!r}")
    return float(value)


def _table(data: Mapping[str, Any], name: str, key: str) -> Mapping[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, Mapping):
        raise PolicyError(f"{key}: must be a table")
    return value


def _no_extra(data: Mapping[str, Any], allowed: set[str] | frozenset[str], where: str) -> None:
    extra = sorted(set(data) - set(allowed))
    if extra:
        raise PolicyError(f"{where}.{extra[0]}: unknown key")
