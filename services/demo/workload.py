"""A synthetic but realistic workload: licensed exchanges distributing tokenized T-bills and bonds
alongside stablecoin flows, with a share of transfers touching real OFAC-listed wallets.

Pure and seeded: the same seed gives the same transfers, so demo runs can be compared.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from schemas import IdType, Party, TransferEvent
from services.demo import scenarios
from services.demo.scenarios import Expectation
from services.screener.domain.watchlist import ListedWallet

EXCHANGES = ("rupee-vx", "indus-digital", "karachi-tokens")
STEP_MS = (5, 400)
"""Event time between two consecutive transfers, drawn uniformly (milliseconds)."""
# symbol -> (chain, typical face value range in PKR-denominated units, fiat per unit in PKR)
ASSETS: dict[str, tuple[str, tuple[int, int], Decimal]] = {
    "PKTB-3M": ("ethereum", (10, 5_000), Decimal("100")),
    "PKTB-12M": ("ethereum", (10, 5_000), Decimal("100")),
    "PIB-5Y": ("polygon", (5, 2_000), Decimal("1000")),
    "PIB-10Y": ("polygon", (5, 2_000), Decimal("1000")),
    "USDT": ("tron", (20, 20_000), Decimal("280")),
    "USDC": ("ethereum", (20, 20_000), Decimal("280")),
}
_GIVEN = (
    "Ayesha",
    "Bilal",
    "Fatima",
    "Hamza",
    "Sana",
    "Usman",
    "Zainab",
    "Omar",
    "Hira",
    "Ali",
    "Mariam",
    "Faisal",
    "Nadia",
    "Imran",
    "Sadia",
    "Kamran",
    "Rabia",
    "Tariq",
    "Amna",
    "Yasir",
)
_FAMILY = (
    "Qureshi",
    "Siddiqui",
    "Chaudhry",
    "Malik",
    "Sheikh",
    "Butt",
    "Khan",
    "Abbasi",
    "Raza",
    "Hashmi",
    "Mirza",
    "Baig",
    "Awan",
    "Jatoi",
    "Memon",
    "Bhatti",
)
_HEX = "0123456789abcdef"
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class Account:
    account_id: str
    exchange_id: str
    name: str
    cnic: str
    date_of_birth: datetime
    evm_wallet: str
    tron_wallet: str


@dataclass(frozen=True, slots=True)
class PlannedTransfer:
    event: TransferEvent
    listed: bool
    """True when a party's wallet is on the sanctions list: the pipeline must hold it."""
    scenario: str | None = None
    """The planted scenario this transfer is a leg of, if any."""
    expect: Expectation | None = None
    """Set on the last leg of a planted scenario: the rule that must catch it, and the action."""


def _account(rng: random.Random, n: int) -> Account:
    return Account(
        account_id=f"acct-{n:06d}",
        exchange_id=rng.choice(EXCHANGES),
        name=f"{rng.choice(_GIVEN)} {rng.choice(_FAMILY)}",
        cnic=f"{rng.randint(10000, 99999)}-{rng.randint(1000000, 9999999)}-{rng.randint(1, 9)}",
        date_of_birth=datetime(1950, 1, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 20000)),
        evm_wallet="0x" + "".join(rng.choices(_HEX, k=40)),
        tron_wallet="T" + "".join(rng.choices(_BASE58, k=33)),
    )


def _party(account: Account, wallet: str) -> Party:
    return Party(
        account_id=account.account_id,
        wallet_address=wallet,
        name=account.name,
        country="PK",
        id_number=account.cnic,
        id_type=IdType.CNIC,
        date_of_birth=account.date_of_birth.date(),
        vasp_id=account.exchange_id,
        hosted=True,
    )


def _listed_party(wallet: ListedWallet, n: int) -> Party:
    # An external, unhosted counterparty that happens to be a listed address.
    return Party(account_id=f"ext-{n:06d}", wallet_address=wallet.address, hosted=False)


def _advance(clock: datetime, rng: random.Random, not_after: Callable[[], datetime] | None) -> datetime:
    # The draw happens whether or not the clock caps it: the same seed gives the same transfers.
    step = timedelta(milliseconds=rng.randint(*STEP_MS))
    return clock + step if not_after is None else min(clock + step, not_after())


def lead_time(count: int) -> timedelta:
    """How far before now a run of `count` transfers can start so that its last one is not in the future."""
    return timedelta(milliseconds=count * STEP_MS[1])


def generate(
    count: int,
    listed_wallets: Sequence[ListedWallet],
    *,
    seed: int = 7,
    listed_share: float = 0.03,
    accounts: int = 5000,  # a licensed exchange's customers; 500 made every account a fan hub within seconds
    start: datetime | None = None,
    run_tag: str = "demo",
    plant: bool = True,
    not_after: Callable[[], datetime] | None = None,
) -> Iterator[PlannedTransfer]:
    """`count` transfers; with `plant`, the scenarios of `services.demo.scenarios` take some of the
    positions (from `scenarios.MIN_TRANSFERS` transfers on), and their last legs carry what must catch them.

    Transfer ids are `<exchange_id>:<run_tag>-<n>`: ingest requires each exchange's ids in its own
    namespace. Event time advances by `STEP_MS` per transfer from `start`; with `not_after` (a clock) it
    never passes that clock, since ingest refuses transfers dated ahead of its own."""
    rng = random.Random(seed)
    # Their own generator: the scenarios' accounts and wallets do not depend on the traffic around them.
    evm_listed = [w for w in listed_wallets if w.address.lower().startswith("0x")]
    sanctioned = evm_listed[0].address if evm_listed else None
    planted = scenarios.build(random.Random(seed + 1), run_tag, EXCHANGES[0], sanctioned) if plant else []
    plan = scenarios.schedule(planted, count)
    population = [_account(rng, i) for i in range(accounts)]
    tron_listed = [w for w in listed_wallets if w.address.startswith("T")]
    clock = start or datetime.now(UTC)
    for n in range(count):
        if n in plan:
            scenario, index = plan[n]
            clock = _advance(clock, rng, not_after)
            last = index == len(scenario.legs) - 1
            yield PlannedTransfer(
                scenarios.event(scenario.legs[index], f"{run_tag}-{n:07d}", clock, ASSETS),
                listed=False,
                scenario=scenario.name,
                expect=Expectation(scenario.name, scenario.story, scenario.rule_id, scenario.action) if last else None,
            )
            continue
        asset = rng.choice(tuple(ASSETS))
        chain, (low, high), fiat_rate = ASSETS[asset]
        amount = Decimal(rng.randint(low * 100, high * 100)) / 100
        sender = rng.choice(population)
        receiver = rng.choice(population)
        tron = chain == "tron"
        originator = _party(sender, sender.tron_wallet if tron else sender.evm_wallet)
        beneficiary = _party(receiver, receiver.tron_wallet if tron else receiver.evm_wallet)
        pool = tron_listed if chain == "tron" else evm_listed
        listed = bool(pool) and rng.random() < listed_share
        if listed:
            beneficiary = _listed_party(rng.choice(pool), n)
        clock = _advance(clock, rng, not_after)
        event = TransferEvent(
            transfer_id=f"{sender.exchange_id}:{run_tag}-{n:07d}",
            occurred_at=clock,
            exchange_id=sender.exchange_id,
            asset=asset,
            chain=chain,
            amount=amount,
            fiat_value=(amount * fiat_rate).quantize(Decimal("0.01")),
            fiat_currency="PKR",
            originator=originator,
            beneficiary=beneficiary,
        )
        yield PlannedTransfer(event, listed)
