"""Secondary evidence: each piece moves the score by its stated weight; missing data is neutral."""

from __future__ import annotations

from services.watchlists.domain.criteria import EvidenceWeights, NameQuery
from services.watchlists.domain.entry import EntityKind, EntryIdentifier, EntryName, ListName, WatchlistEntry
from services.watchlists.domain.evidence import (
    date_of_birth,
    father,
    identifier_key,
    identifier_matches,
    kind,
    nationality,
)

W = EvidenceWeights()


def test_date_of_birth_exact_year_tolerance_and_mismatch() -> None:
    assert date_of_birth("1968-05-01", ("1968-05-01",), W).delta == W.dob_exact  # type: ignore[union-attr]
    assert date_of_birth("1968-05-01", ("1968",), W).delta == W.dob_year  # type: ignore[union-attr]
    assert date_of_birth("1969", ("1968",), W) is None  # within the tolerance: neither up nor down
    assert date_of_birth("1990", ("1968", "1969"), W).delta == W.dob_mismatch  # type: ignore[union-attr]
    assert date_of_birth("1990", (), W) is None


def test_nationality_match_and_mismatch() -> None:
    assert nationality("af", ("AF",), W).delta == W.country_match  # type: ignore[union-attr]
    assert nationality("FR", ("AF", "PK"), W).delta == W.country_mismatch  # type: ignore[union-attr]
    assert nationality("FR", (), W) is None


def test_father_name_compares_as_a_name() -> None:
    assert father(("ghulam", "rasool"), "Ghulam Rasul", W).delta == W.father_match  # type: ignore[union-attr]
    assert father(("bashir", "ahmed"), "Ghulam Rasul", W).delta == W.father_mismatch  # type: ignore[union-attr]
    assert father((), "Ghulam Rasul", W) is None


def test_kind_mismatch_only_when_both_are_known() -> None:
    assert kind(EntityKind.PERSON, EntityKind.ORGANISATION, W).delta == W.kind_mismatch  # type: ignore[union-attr]
    assert kind(EntityKind.UNKNOWN, EntityKind.ORGANISATION, W) is None


def test_identifiers_compare_without_punctuation_or_case() -> None:
    assert identifier_key("35202-1234567-1") == identifier_key("3520212345671")
    entry = WatchlistEntry(entry_id="1", list_name=ListName.CUSTOM, names=(EntryName(full="X Y"),),
                           identifiers=(EntryIdentifier(type="passport", number="ab 123"),))
    assert identifier_matches(NameQuery("z", id_number="AB-123"), entry) == "passport ab 123"
    assert identifier_matches(NameQuery("z", id_number="AB-124"), entry) is None
    assert identifier_matches(NameQuery("z"), entry) is None
