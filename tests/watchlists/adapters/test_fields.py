"""Shared field normalisers: partial dates, scripts, country names."""

from __future__ import annotations

import pytest

from services.watchlists.adapters.countries import country_code, country_codes
from services.watchlists.adapters.fields import full_date, partial_date, script_of, stable_id, year_range


@pytest.mark.parametrize(("text", "expected"), [
    ("12 Jan 1970", "1970-01-12"), ("1970-05-17", "1970-05-17"), ("7.10.1952 POB: Leningrad", "1952-10-07"),
    ("Feb 1965", "1965-02"), ("circa 1970", "1970"), ("Approximately 1963", "1963"), ("31 Feb 1970", None),
    ("unknown", None),
])
def test_partial_dates_keep_only_the_precision_given(text: str, expected: str | None) -> None:
    assert partial_date(text) == expected


def test_year_ranges_and_full_dates() -> None:
    assert year_range(1968, 1970) == ("1968", "1969", "1970")
    assert year_range(1900, 1990) == ("1900", "1990")  # an implausibly wide range is not enumerated
    assert full_date("1970") is None and str(full_date("6.10.2001")) == "2001-10-06"


@pytest.mark.parametrize(("name", "script"), [
    ("Владимир", "Cyrl"), ("محمد", "Arab"), ("김정은", "Hang"), ("金正恩", "Hani"), ("Müller", None), ("ABC", None),
])
def test_scripts_are_detected(name: str, script: str | None) -> None:
    assert script_of(name) == script


@pytest.mark.parametrize(("text", "codes"), [
    ("Korea, North", ("KP",)), ("Democratic People\u2019s Republic of Korea", ("KP",)),
    ("Iran (Islamic Republic of)", ("IR",)),
    ("(a) Russian, (b) Georgian", ("RU", "GE")), ("Syrian/Lebanese", ("SY", "LB")), ("Türkiye", ("TR",)),
    ("United Kingdom of Great Britain and Northern Ireland", ("GB",)), ("Atlantis", ()),
])
def test_country_names_and_adjectives_become_iso_codes(text: str, codes: tuple[str, ...]) -> None:
    assert country_codes(text) == codes


def test_country_code_accepts_codes_and_rejects_unknowns() -> None:
    assert country_code("pk") == "PK" and country_code("Pakistani") == "PK" and country_code("Narnia") is None
    assert stable_id("a", "b") == stable_id("a", "b") != stable_id("ab", "")
