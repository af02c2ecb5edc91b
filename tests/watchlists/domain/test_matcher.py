"""The matcher's decisions: weak aliases never hit, identifiers decide, DOB and nationality adjust."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.watchlists.domain.criteria import MatchConfig, NameQuery
from services.watchlists.domain.entry import (
    EntityKind,
    EntryIdentifier,
    EntryName,
    ListName,
    NameKind,
    WatchlistEntry,
)
from services.watchlists.domain.matcher import NameMatcher


def _entry(entry_id: str, *names: tuple[str, NameKind], **fields: object) -> WatchlistEntry:
    return WatchlistEntry(entry_id=entry_id, list_name=ListName.UN_SC, kind=EntityKind.PERSON,
                          names=tuple(EntryName(full=n, kind=k) for n, k in names), **fields)


@pytest.fixture(scope="module")
def matcher() -> NameMatcher:
    entries = [
        _entry("QDi.001", ("Abdul Ghani Baradar", NameKind.PRIMARY), ("Mullah Baradar Akhund", NameKind.ALIAS),
               dates_of_birth=("1968",), nationalities=("AF",)),
        _entry("QDi.002", ("Tariq Anwar al-Sayyid Ahmad", NameKind.PRIMARY), ("Abu Hamza", NameKind.WEAK_ALIAS),
               dates_of_birth=("1963-03-15",), nationalities=("EG",),
               identifiers=(EntryIdentifier(type="passport", number="AB-123 4567", country="EG"),)),
        _entry("QDi.003", ("Muhammad Iqbal Khan", NameKind.PRIMARY), father_name="Ghulam Rasool"),
        *(_entry(f"X{i}", (f"Filler{i} Person{i}", NameKind.PRIMARY)) for i in range(200)),
    ]
    return NameMatcher.build(entries)


def _top(matcher: NameMatcher, query: NameQuery) -> tuple[str, float, bool] | None:
    found = matcher.match(query)
    return (found[0].entry_id, found[0].score, found[0].is_match) if found else None


def test_full_name_in_any_order_and_spelling_is_a_hit(matcher: NameMatcher) -> None:
    for name in ("Abdul Ghani Baradar", "BARADAR, Abdul Ghani", "Abdulghani Baradar", "عبد الغني برادر"):
        top = _top(matcher, NameQuery(name))
        assert top is not None and top[0] == "QDi.001" and top[2], name


def test_one_part_of_the_name_is_not_a_hit(matcher: NameMatcher) -> None:
    top = _top(matcher, NameQuery("Baradar"))
    assert top is None or not top[2]


def test_weak_alias_alone_is_never_a_hit(matcher: NameMatcher) -> None:
    found = matcher.match(NameQuery("Abu Hamza"))
    assert found and found[0].entry_id == "QDi.002"
    assert found[0].weak_alias_only and not found[0].is_match
    # Not even with matching DOB and nationality on top.
    found = matcher.match(NameQuery("Abu Hamza", date_of_birth="1963-03-15", country="EG"))
    assert found[0].weak_alias_only and not found[0].is_match


def test_exact_identifier_is_decisive_whatever_the_name(matcher: NameMatcher) -> None:
    found = matcher.match(NameQuery("Completely Different", id_number="ab1234567"))
    assert found[0].entry_id == "QDi.002" and found[0].is_match and found[0].score == 1.0
    assert "decisive" in found[0].explanation


def test_dob_and_nationality_mismatch_lower_the_score(matcher: NameMatcher) -> None:
    plain = _top(matcher, NameQuery("Abdul Ghani Baradar"))
    agreeing = _top(matcher, NameQuery("Abdul Ghani Baradar", date_of_birth="1968-01-01", country="AF"))
    clashing = _top(matcher, NameQuery("Abdul Ghani Baradar", date_of_birth="1990", country="FR"))
    assert plain and agreeing and clashing
    assert clashing[1] < plain[1] <= agreeing[1]
    assert not clashing[2]


def test_father_name_is_secondary_evidence(matcher: NameMatcher) -> None:
    same = _top(matcher, NameQuery("Muhammad Iqbal Khan s/o Ghulam Rasool"))
    other = _top(matcher, NameQuery("Muhammad Iqbal Khan s/o Bashir Ahmed"))
    assert same and other and same[1] > other[1]


def test_organisation_queried_against_a_person_is_discounted(matcher: NameMatcher) -> None:
    person = _top(matcher, NameQuery("Abdul Ghani Baradar", kind=EntityKind.PERSON))
    company = _top(matcher, NameQuery("Abdul Ghani Baradar", kind=EntityKind.ORGANISATION))
    assert person and person[2] and (company is None or not company[2])


def test_explanation_names_the_aligned_tokens(matcher: NameMatcher) -> None:
    found = matcher.match(NameQuery("Abdul Ghani Baradur", date_of_birth="1968"))
    assert "baradur~baradar" in found[0].explanation and "year of birth 1968 matches" in found[0].explanation


def test_threshold_and_floor_come_from_the_config() -> None:
    entries = [_entry("A", ("Abdul Ghani Baradar", NameKind.PRIMARY))]
    strict = NameMatcher.build(entries, replace(MatchConfig(), threshold=1.01, floor=0.99))
    assert not strict.match(NameQuery("Abdul Ghani Baradur"))
    assert all(not m.is_match for m in strict.match(NameQuery("Abdul Ghani Baradar")))


def test_compare_scores_one_entry_without_the_index(matcher: NameMatcher) -> None:
    assert matcher.compare(NameQuery("Zzz Qqq"), 0).score == 0.0
    assert matcher.compare(NameQuery("Abdul Ghani Baradar"), 0).is_match
