"""FATF jurisdiction lists: validated on load with errors that name the bad key, and dated."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.screener.bootstrap import load_jurisdictions
from services.screener.domain.jurisdiction import JurisdictionListError, JurisdictionLists, country_name

GOOD: dict[str, Any] = {"as_of": "2026-06-19", "call_for_action": ["KP", "IR"], "increased_monitoring": ["KE"]}


def test_the_packaged_lists_load() -> None:
    lists = load_jurisdictions()
    assert {"KP", "IR"} <= lists.call_for_action and "PK" not in lists.increased_monitoring
    assert date.fromisoformat(lists.as_of)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"as_of": "June 2026"}, "as_of: expected a date like 2026-06-19, got 'June 2026'"),
        ({"call_for_action": ["KP", "Iran"]}, "call_for_action: 'Iran' is not an ISO 3166-1 alpha-2 code"),
        ({"increased_monitoring": ["ke"]}, "increased_monitoring: 'ke' is not an ISO 3166-1 alpha-2 code"),
        ({"increased_monitoring": "KE"}, "increased_monitoring: expected a list of ISO 3166-1 alpha-2 codes"),
        ({"increased_monitoring": ["KE", "IR"]}, "IR: on both call_for_action and increased_monitoring"),
    ],
)
def test_a_bad_list_is_refused_naming_the_key_and_value(change: dict[str, Any], message: str) -> None:
    with pytest.raises(JurisdictionListError) as raised:
        JurisdictionLists.parse(GOOD | change)
    assert message in str(raised.value)


def test_a_missing_list_and_a_broken_file_are_named(tmp_path: Path) -> None:
    with pytest.raises(JurisdictionListError, match="increased_monitoring: missing"):
        JurisdictionLists.parse({"as_of": "2026-06-19", "call_for_action": []})
    broken = tmp_path / "lists.toml"
    broken.write_text('as_of = "2026-06-19"\ncall_for_action = ["KP"\n')
    with pytest.raises(JurisdictionListError, match=str(broken)):
        load_jurisdictions(broken)


def test_lists_older_than_the_gap_between_plenaries_are_reported_stale() -> None:
    lists = JurisdictionLists.parse(GOOD)
    assert lists.as_of == "2026-06-19"
    assert lists.staleness(date(2026, 10, 1)) is None  # before the October plenary could have changed them
    assert lists.staleness(date(2026, 11, 6)) is None  # 140 days: the edge
    warning = lists.staleness(date(2026, 11, 23))
    assert warning is not None and "as of 2026-06-19, 157 days ago" in warning


def test_countries_are_named_in_explanations_and_an_unknown_code_stays_a_code() -> None:
    assert [country_name(c) for c in ("KP", "VG", "KE")] == ["North Korea", "British Virgin Islands", "Kenya"]
    assert country_name("ZZ") == "ZZ" and country_name("EU") == "EU" and country_name("QQ") == "QQ"
