"""OFAC advanced XML and EU FSF XML: only their XSDs are public here, so hand-made fixtures that
validate against them are read, and broken copies must fail validation with a clear place."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from services.watchlists.adapters import eu_fsf_xml, ofac_xml
from services.watchlists.adapters.errors import WatchlistFormatError
from services.watchlists.domain.entry import EntityKind, EntryIdentifier, EntryWallet, ListName, NameKind

FIXTURES = Path(__file__).parents[2] / "fixtures" / "watchlists"


def test_ofac_advanced_xml_resolves_reference_values_into_the_entry() -> None:
    entries = {e.entry_id: e for e in ofac_xml.read(FIXTURES / "ofac_advanced_sample.xml")}
    person, company = entries["90001"], entries["90002"]
    assert person.list_name is ListName.OFAC_SDN and person.kind is EntityKind.PERSON
    assert [(n.full, n.kind, n.script) for n in person.names] == [
        ("Ivan Petrovich TESTOV", NameKind.PRIMARY, None), ("Ivan TESTOFF", NameKind.ALIAS, None),
        ("Иван ТЕСТОВ", NameKind.ALIAS, "Cyrl"), ("VANYA", NameKind.WEAK_ALIAS, None)]  # noqa: RUF001
    # An exact date, and a "circa 1968 to 1969" period that is only as precise as its years.
    assert person.dates_of_birth == ("1970-01-12", "1968", "1969") and person.nationalities == ("RU",)
    assert person.identifiers == (EntryIdentifier(type="passport", number="7501234567", country="RU"),
                                  EntryIdentifier(type="national_id", number="123456789012"))
    assert person.wallets == (EntryWallet(ticker="XBT", address="bc1qexampleexampleexampleexample0000000000"),
                              EntryWallet(ticker="ETH", address="0x00000000000000000000000000000000000000aa"))
    assert person.programme == "SDGT; CYBER2" and person.listed_on == date(2021, 3, 4)
    assert company.kind is EntityKind.ORGANISATION
    assert [(n.full, n.kind) for n in company.names] == [("EXAMPLE TRADING LLC", NameKind.PRIMARY),
                                                         ("SAMPLE IMPORTS LLC", NameKind.ALIAS)]


def test_ofac_advanced_xml_that_breaks_the_schema_is_refused(tmp_path: Path) -> None:
    text = (FIXTURES / "ofac_advanced_sample.xml").read_text()
    missing_attribute = tmp_path / "missing.xml"
    missing_attribute.write_text(text.replace(' LowQuality="true"', ""))
    with pytest.raises(WatchlistFormatError, match=r"missing\.xml:line \d+: does not match its schema: .*LowQuality"):
        ofac_xml.read(missing_attribute)
    dangling = tmp_path / "dangling.xml"
    dangling.write_text(text.replace('ProfileID="90002"', 'ProfileID="99999"'))
    with pytest.raises(WatchlistFormatError, match=r"dangling\.xml.*SanctionsEntry.*'99999'"):
        ofac_xml.read(dangling)


def test_eu_fsf_xml_reads_attributes_into_the_entry() -> None:
    entries = {e.entry_id: e for e in eu_fsf_xml.read(FIXTURES / "eu_fsf_sample.xml")}
    person, company = entries["900101"], entries["900102"]
    assert person.list_name is ListName.EU_FSF and person.kind is EntityKind.PERSON
    assert [(n.full, n.kind, n.script) for n in person.names] == [
        ("Omar EXAMPLEMAN", NameKind.PRIMARY, None), ("Abu Example", NameKind.WEAK_ALIAS, None),
        ("عمر اكزامبلمان", NameKind.ALIAS, "Arab")]
    assert person.dates_of_birth == ("1975-03-14", "1976", "1977")
    assert person.nationalities == ("SY",)  # "00" (unknown) is dropped
    assert [(i.type, i.number, i.country) for i in person.identifiers] == [
        ("passport", "N0012345", "SY"), ("national_id", "0102030405", "SY")]
    assert person.programme == "TAQA" and person.listed_on == date(2019, 5, 20)
    assert "UN reference: QDi.999" in person.remarks
    assert company.kind is EntityKind.ORGANISATION and company.names[1].script == "Cyrl"
    assert company.identifiers == (EntryIdentifier(type="registration", number="1027700000000", country="RU"),)


def test_eu_fsf_xml_that_breaks_the_schema_is_refused_with_its_line(tmp_path: Path) -> None:
    broken = tmp_path / "eu.xml"
    broken.write_text((FIXTURES / "eu_fsf_sample.xml").read_text().replace('classificationCode="E"',
                                                                           'classificationCode="X"'))
    with pytest.raises(WatchlistFormatError, match=r"eu\.xml:line \d+: does not match its schema"):
        eu_fsf_xml.read(broken)
