"""Labelled data into transfers: the AMLworld answer key parses fully and plants without leaking size."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from services.evaluation.graph import DATA, PATTERNS, _detected
from services.evaluation.graph_data import Attempt, Transfer, flat_rows, parse_patterns, plant, redraw_amounts

needs_data = pytest.mark.skipif(not (DATA / PATTERNS).exists(), reason="shared AML data not present")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@needs_data
def test_the_answer_key_has_all_370_attempts_and_3209_transfers() -> None:
    attempts = parse_patterns(DATA / PATTERNS)
    assert len(attempts) == 370 and sum(len(a.transfers) for a in attempts) == 3209
    assert Counter(a.typology for a in attempts)["FAN-IN"] == 40


def _background(n: int = 200) -> list[Transfer]:
    rng = random.Random(1)
    return [
        Transfer(f"b{rng.randrange(50)}", f"b{rng.randrange(50)}", rng.uniform(100, 600), T0 + timedelta(hours=i))
        for i in range(n)
    ]


def test_planting_maps_accounts_onto_background_accounts_and_amounts_into_its_range() -> None:
    attempt = Attempt(
        "FAN-IN", [Transfer(f"x{i}", "hub", 10_000.0 * (i + 1), T0 + timedelta(minutes=i)) for i in range(5)]
    )
    base = _background()
    transfers, (planted,) = plant(base, [attempt], random.Random(3))
    background_accounts = {a for t in base for a in (t.src, t.dst)}
    assert planted.accounts <= background_accounts and len(planted.accounts) == 6
    assert all(100 <= t.amount <= 600 for t in planted.transfers)
    assert len(transfers) == len(base) + 5
    span = max(t.at for t in planted.transfers) - min(t.at for t in planted.transfers)
    assert span == timedelta(minutes=4)  # the attempt keeps its own timing


def test_redrawn_amounts_come_from_the_pool_and_rows_are_in_the_flat_form() -> None:
    redrawn = redraw_amounts(_background(10), [1.0, 2.0], random.Random(0))
    assert {t.amount for t in redrawn} <= {1.0, 2.0}
    row = flat_rows(redrawn)[0]
    assert set(row) == {"transfer_id", "occurred_at", "originator_account", "beneficiary_account", "amount", "asset"}


def test_an_attempt_counts_as_detected_when_half_its_accounts_are_alerted() -> None:
    attempt = Attempt("CYCLE", [Transfer("a", "b", 1, T0), Transfer("b", "c", 1, T0), Transfer("c", "d", 1, T0)])
    assert _detected(attempt, {"a", "b"}) and not _detected(attempt, {"a"})
