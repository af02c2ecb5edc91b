"""Labelled AML data turned into transfers: AMLSim graphs, and AMLworld attempts planted into them.

AMLSim steps become days from a fixed start, spread evenly within the day in file order, so
that several transfers of one step keep their order. Planting maps every AMLworld account
onto a distinct background account (so launderers also transact normally) and every amount
onto the same quantile of the background's amounts (so size alone tells nothing).
"""

from __future__ import annotations

import bisect
import csv
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2026, 1, 1, tzinfo=UTC)
# Approximate US dollars per unit in September 2022, the month AMLworld HI-Small simulates:
# amounts must share one currency before they are ranked, or a rupee transfer would look huge.
USD_PER_UNIT = {
    "US Dollar": 1.0,
    "Euro": 1.0,
    "UK Pound": 1.15,
    "Swiss Franc": 1.03,
    "Canadian Dollar": 0.75,
    "Australian Dollar": 0.67,
    "Yuan": 0.14,
    "Yen": 0.0070,
    "Rupee": 0.0124,
    "Ruble": 0.0165,
    "Saudi Riyal": 0.266,
    "Shekel": 0.29,
    "Mexican Peso": 0.05,
    "Brazil Real": 0.19,
    "Bitcoin": 19500.0,
}
DAY_SECONDS = 86400


@dataclass(frozen=True, slots=True)
class Transfer:
    src: str
    dst: str
    amount: float
    at: datetime


@dataclass
class Attempt:
    typology: str
    transfers: list[Transfer] = field(default_factory=list)

    @property
    def accounts(self) -> set[str]:
        return {a for t in self.transfers for a in (t.src, t.dst)}


@dataclass
class AmlSim:
    transfers: list[Transfer]
    accounts: set[str]
    fraud: set[str]


def load_amlsim(folder: Path) -> AmlSim:
    with (folder / "nodes.csv").open() as handle:
        nodes = list(csv.DictReader(handle))
    with (folder / "transactions.csv").open() as handle:
        rows = [
            (r["sourceNodeId"], r["targetNodeId"], float(r["value"]), int(r["time"])) for r in csv.DictReader(handle)
        ]
    per_step = Counter(step for *_, step in rows)
    seen: Counter[int] = Counter()
    transfers = []
    for src, dst, amount, step in rows:
        offset = seen[step] * DAY_SECONDS // per_step[step]
        seen[step] += 1
        at = START + timedelta(days=step, seconds=offset)
        transfers.append(Transfer(f"n{src}", f"n{dst}", amount, at))
    return AmlSim(
        transfers=transfers,
        accounts={f"n{n['nodeid']}" for n in nodes},
        fraud={f"n{n['nodeid']}" for n in nodes if n["isFraud"] == "1"},
    )


def background(sim: AmlSim) -> list[Transfer]:
    """The transfers that touch none of the graph's own fraud accounts."""
    return [t for t in sim.transfers if t.src not in sim.fraud and t.dst not in sim.fraud]


def redraw_amounts(transfers: list[Transfer], pool: list[float], rng: random.Random) -> list[Transfer]:
    """Every amount replaced by a draw from `pool`, so no rule can lean on amount sizes."""
    return [Transfer(t.src, t.dst, rng.choice(pool), t.at) for t in transfers]


def parse_patterns(path: Path) -> list[Attempt]:
    """The attempts of an AMLworld `*_Patterns.txt`, amounts converted to US dollars."""
    attempts: list[Attempt] = []
    current: Attempt | None = None
    for line in path.read_text().splitlines():
        if line.startswith("BEGIN LAUNDERING ATTEMPT - "):
            current = Attempt(line.removeprefix("BEGIN LAUNDERING ATTEMPT - ").split(":")[0].strip())
        elif line.startswith("END LAUNDERING ATTEMPT"):
            if current is not None:
                attempts.append(current)
            current = None
        elif current is not None and line.strip():
            cells = line.split(",")
            at = datetime.strptime(cells[0], "%Y/%m/%d %H:%M").replace(tzinfo=UTC)
            usd = float(cells[7]) * USD_PER_UNIT[cells[8]]
            current.transfers.append(Transfer(f"{cells[1]}:{cells[2]}", f"{cells[3]}:{cells[4]}", usd, at))
    return attempts


def plant(base: list[Transfer], attempts: list[Attempt], rng: random.Random) -> tuple[list[Transfer], list[Attempt]]:
    """Background plus the attempts, re-keyed onto background accounts, amounts and times."""
    accounts = sorted({a for t in base for a in (t.src, t.dst)})
    foreign = sorted({a for attempt in attempts for a in attempt.accounts})
    alias = dict(zip(foreign, rng.sample(accounts, len(foreign)), strict=True))
    ours = sorted(t.amount for t in base)
    theirs = sorted(t.amount for attempt in attempts for t in attempt.transfers)

    def amount(value: float) -> float:
        quantile = bisect.bisect_left(theirs, value) / max(len(theirs) - 1, 1)
        return ours[min(int(quantile * (len(ours) - 1)), len(ours) - 1)]

    first = min(t.at for t in base)
    span = (max(t.at for t in base) - first).total_seconds()
    planted: list[Attempt] = []
    for attempt in attempts:
        begin = min(t.at for t in attempt.transfers)
        length = (max(t.at for t in attempt.transfers) - begin).total_seconds()
        shift = first + timedelta(seconds=rng.uniform(0, max(span - length, 0)))
        planted.append(
            Attempt(
                attempt.typology,
                [
                    Transfer(alias[t.src], alias[t.dst], amount(t.amount), shift + (t.at - begin))
                    for t in attempt.transfers
                ],
            )
        )
    return base + [t for attempt in planted for t in attempt.transfers], planted


def flat_rows(transfers: list[Transfer]) -> list[dict[str, str]]:
    """The flat column form `aml screen` reads."""
    return [
        {
            "transfer_id": f"x{i:07d}",
            "occurred_at": t.at.isoformat(),
            "originator_account": t.src,
            "beneficiary_account": t.dst,
            "amount": f"{t.amount:.2f}",
            "asset": "PKTB-3M",
        }
        for i, t in enumerate(transfers)
    ]
