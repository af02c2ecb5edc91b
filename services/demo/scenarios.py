"""Laundering and compliance scenarios planted in the demo workload, each with the rule that must catch it.

The random exchange traffic keeps the graph rules almost quiet (customers pay each other at
random), so on its own the demo would show only the sanctioned-wallet holds. These scenarios
give it the patterns the screener exists for: a mule fan-in, a round trip, structuring under
Pakistan's PKR 2 million reporting line, a scatter-gather, a transfer missing travel-rule data,
a payee named like a listed person, money passed on from a sanctioned wallet, and parties in
FATF-listed countries. Every scenario uses accounts of its own (named after the run, so a rerun on
the same cluster starts them fresh) and names the rule and the action its last leg must get; the
demo reports any scenario that was not caught, and fails.

Pure and seeded, like the rest of the workload.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from schemas import Action, IdType, Party, TransferEvent


@dataclass(frozen=True, slots=True)
class Leg:
    originator: Party
    beneficiary: Party
    asset: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    story: str
    rule_id: str
    """The rule that must be among the reasons of the last leg's decision."""
    action: Action
    """The action the last leg must get."""
    legs: tuple[Leg, ...]


@dataclass(frozen=True, slots=True)
class Expectation:
    scenario: str
    story: str
    rule_id: str
    action: Action


class _Cast:
    """Makes the scenario's own customers: fresh accounts with complete travel-rule data."""

    def __init__(self, rng: random.Random, run_tag: str, exchange_id: str) -> None:
        self._rng = rng
        self._run_tag = run_tag
        self._exchange_id = exchange_id

    def party(self, scenario: str, role: str, **changes: object) -> Party:
        rng = self._rng
        party = Party(
            account_id=f"{self._run_tag}-{scenario}-{role}",
            wallet_address="0x" + "".join(rng.choices("0123456789abcdef", k=40)),
            name=f"{scenario} {role}".title(),
            country="PK",
            id_number=f"{rng.randint(10000, 99999)}-{rng.randint(1000000, 9999999)}-{rng.randint(1, 9)}",
            id_type=IdType.CNIC,
            date_of_birth=date(rng.randint(1960, 2000), rng.randint(1, 12), rng.randint(1, 28)),
            vasp_id=self._exchange_id,
            hosted=True,
        )
        return party.model_copy(update=changes) if changes else party


def _usdt(originator: Party, beneficiary: Party, amount: str) -> Leg:
    return Leg(originator, beneficiary, "USDT", Decimal(amount))


def build(rng: random.Random, run_tag: str, exchange_id: str, listed_wallet: str | None) -> list[Scenario]:
    """The scenarios, each with fresh accounts at `exchange_id`; `listed_wallet` is a sanctioned
    address, the exposure scenario's source of funds (no exposure scenario without one)."""
    cast = _Cast(rng, run_tag, exchange_id)
    collector = cast.party("fan-in", "collector")
    mules = [cast.party("fan-in", f"mule{i}") for i in range(1, 6)]
    ring = [cast.party("round-trip", name) for name in ("a", "b", "c")]
    smurf = cast.party("structuring", "sender")
    payees = [cast.party("structuring", f"payee{i}") for i in range(1, 4)]
    source, sink = cast.party("scatter-gather", "source"), cast.party("scatter-gather", "sink")
    middle = [cast.party("scatter-gather", f"via{i}") for i in range(1, 4)]
    exposed = cast.party("exposure", "customer")
    sanctioned = Party(account_id=f"{run_tag}-exposure-listed", wallet_address=listed_wallet, hosted=False)
    built = [
        Scenario(
            "fan-in",
            "five new accounts pay one collector within minutes",
            "graph.fan_in",
            Action.FLAG,
            tuple(
                _usdt(mule, collector, amount)
                for mule, amount in zip(mules, ("820", "760", "905", "690", "840"), strict=True)
            ),
        ),
        Scenario(
            "round-trip",
            "funds leave an account and come back to it through two others",
            "graph.cycle",
            Action.FLAG,
            (
                _usdt(ring[0], ring[1], "4000"),
                _usdt(ring[1], ring[2], "3930"),
                _usdt(ring[2], ring[0], "3870"),
            ),
        ),
        Scenario(
            "structuring",
            "three bond transfers just under the PKR 2,000,000 reporting line in a day",
            "graph.structuring",
            Action.FLAG,
            tuple(
                Leg(smurf, payee, "PIB-5Y", Decimal(amount))
                for payee, amount in zip(payees, ("1950", "1880", "1925"), strict=True)  # PKR 1,000 a unit
            ),
        ),
        Scenario(
            "scatter-gather",
            "one account splits funds over three others that pay them on to one receiver",
            "graph.scatter_gather",
            Action.FLAG,
            (
                *(_usdt(source, via, amount) for via, amount in zip(middle, ("1200", "1150", "1230"), strict=True)),
                *(_usdt(via, sink, amount) for via, amount in zip(middle, ("1180", "1120", "1210"), strict=True)),
            ),
        ),
        Scenario(
            "travel-rule",
            "PKR 1.4 million sent without the originator's national id or date of birth",
            "travel_rule.missing_data",
            Action.HOLD,
            (
                _usdt(
                    cast.party("travel-rule", "sender", id_number=None, id_type=None, date_of_birth=None),
                    cast.party("travel-rule", "payee"),
                    "5000",
                ),
            ),
        ),
        Scenario(
            "listed-name",
            "a payment to a customer whose name and birth date are an OFAC-listed person's, spelt differently",
            "sanctions.name",
            Action.HOLD,
            (
                _usdt(
                    cast.party("listed-name", "sender"),
                    # OFAC SDN 29702 is "LIFSHITS, Artem Mikhaylovich", born 1992-12-26; the wallet is a fresh one.
                    cast.party(
                        "listed-name",
                        "payee",
                        name="Artem Mikhailovich Lifshitz",
                        country="RU",
                        id_number=None,
                        id_type=None,
                        date_of_birth=date(1992, 12, 26),
                    ),
                    "450",
                ),
            ),
        ),
        Scenario(
            "exposure",
            "a customer paid from a sanctioned wallet passes the money on to another",
            "graph.exposure.indirect",
            Action.FLAG,
            (
                # The first leg is held (sanctions.wallet); the funds' trail still runs through the customer.
                _usdt(sanctioned, exposed, "3000"),
                _usdt(exposed, cast.party("exposure", "payee"), "2500"),
            ),
        ),
        _payment_abroad(cast, "call-for-action", "Iran, on FATF's call-for-action list", "IR", Action.HOLD),
        _payment_abroad(cast, "increased-monitoring", "Kenya, under FATF's increased monitoring", "KE", Action.FLAG),
    ]
    return [scenario for scenario in built if listed_wallet is not None or scenario.name != "exposure"]


def _payment_abroad(cast: _Cast, name: str, where: str, country: str, action: Action) -> Scenario:
    """A small payment from a Pakistani customer to one in a FATF-listed country (the scenario's name is the rule's)."""
    return Scenario(
        name,
        f"a payment to a customer in {where}",
        f"jurisdiction.{name.replace('-', '_')}",
        action,
        (_usdt(cast.party(name, "sender"), cast.party(name, "payee", country=country), "300"),),
    )


MIN_TRANSFERS = 200
"""Fewer transfers than this and the demo plants no scenario (they would crowd out the traffic)."""

MAX_SPACING = 250
"""At most this many transfers between a scenario's legs: a long stream shows them all early on."""


def schedule(scenarios: Sequence[Scenario], count: int) -> dict[int, tuple[Scenario, int]]:
    """Stream position → (scenario, leg index). The legs of all scenarios advance together, spread
    over the run so that each leg reaches the screener well after the one before it."""
    if count < MIN_TRANSFERS or not scenarios:
        return {}
    legs = max(len(s.legs) for s in scenarios)
    spacing = min(MAX_SPACING, count // (legs + 1))
    plan: dict[int, tuple[Scenario, int]] = {}
    for leg in range(legs):
        for offset, scenario in enumerate(scenarios):
            if leg < len(scenario.legs):
                plan[spacing // 2 + leg * spacing + offset] = (scenario, leg)
    return plan


def event(
    leg: Leg, local_id: str, at: datetime, assets: dict[str, tuple[str, tuple[int, int], Decimal]]
) -> TransferEvent:
    """The leg as its exchange reports it, with the transfer id `<exchange_id>:<local_id>` (ingest wants
    every exchange's ids in its own namespace)."""
    chain, _, fiat_rate = assets[leg.asset]
    # Reported by the originator's exchange, or for funds from outside by the receiving one.
    exchange_id = leg.originator.vasp_id or leg.beneficiary.vasp_id or "unknown"
    return TransferEvent(
        transfer_id=f"{exchange_id}:{local_id}",
        occurred_at=at.astimezone(UTC),
        exchange_id=exchange_id,
        asset=leg.asset,
        chain=chain,
        amount=leg.amount,
        fiat_value=(leg.amount * fiat_rate).quantize(Decimal("0.01")),
        fiat_currency="PKR",
        originator=leg.originator,
        beneficiary=leg.beneficiary,
    )
