"""`Decision.system_id` is exactly uuid5 over the decision namespace (it is only built faster)."""

from __future__ import annotations

import uuid

import pytest

from schemas.decision import DECISION_NAMESPACE, Decision


@pytest.mark.parametrize("transfer_id", ["t-1", "x0000001", "a" * 128, "tötö 😀", "0"])
def test_system_id_is_uuid5_of_the_transfer_id(transfer_id: str) -> None:
    made = Decision.system_id(transfer_id)
    expected = uuid.uuid5(DECISION_NAMESPACE, f"system:{transfer_id}")
    assert made == expected and hash(made) == hash(expected) and str(made) == str(expected)
    assert made.version == 5 and made.variant == uuid.RFC_4122 and made.is_safe == expected.is_safe
