"""UN Security Council consolidated XML on the real 2026 file, plus broken-input cases."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from services.watchlists.adapters import un_xml
from services.watchlists.adapters.errors import WatchlistFormatError
from services.watchlists.domain.entry import EntityKind, EntryIdentifier, NameKind, WatchlistEntry


@pytest.fixture(scope="module")
def un(shared_data: Path) -> dict[str, WatchlistEntry]:
    return {e.entry_id: e for e in un_xml.read(shared_data / "un-consolidated" / "UN_consolidated.xml")}


def test_every_individual_and_entity_is_read_with_its_reference_number(un: dict[str, WatchlistEntry]) -> None:
    assert Counter(e.kind for e in un.values()) == {EntityKind.PERSON: 730, EntityKind.ORGANISATION: 273}
    assert Counter(e.programme for e in un.values())["Al-Qaida"] == 341
    individuals = [e for e in un.values() if e.kind is EntityKind.PERSON]
    assert sum(n.kind is NameKind.WEAK_ALIAS for e in individuals for n in e.names) == 615
    # 378 original-script names; QDe.164's repeats its Latin name and collapses into it.
    assert sum(len([n for n in e.names if n.kind is NameKind.PRIMARY]) == 2 for e in un.values()) == 377


def test_an_individual_has_aliases_by_quality_original_script_dobs_and_listing(
        un: dict[str, WatchlistEntry]) -> None:
    saif = un["QDi.001"]
    assert saif.names[0].full == "MOHAMMED SALAHALDIN ABD EL HALIM ZIDANE"
    assert (saif.names[1].full, saif.names[1].kind, saif.names[1].script) == (
        "محمد صلاح الدين عبدالحليم زيدان", NameKind.PRIMARY, "Arab")
    kinds = {n.full: n.kind for n in saif.names}
    assert kinds["Sayf-Al Adl"] is NameKind.ALIAS
    assert kinds["Seif al Adel"] is NameKind.WEAK_ALIAS
    assert saif.dates_of_birth == ("1963-04-11", "1960-04-11")
    assert saif.nationalities == ("EG",)
    assert saif.listed_on == date(2001, 1, 25)
    assert saif.programme == "Al-Qaida"


def test_year_only_dobs_documents_and_entities(un: dict[str, WatchlistEntry]) -> None:
    assert un["CDi.001"].dates_of_birth == ("1971",)
    assert un["CDi.001"].nationalities == ("CD",)
    assert EntryIdentifier(type="passport", number="381310014") in un["KPi.033"].identifiers
    qaida = un["QDe.004"]
    assert qaida.kind is EntityKind.ORGANISATION and qaida.names[0].full == "AL-QAIDA"
    assert "Al Qaeda" in [n.full for n in qaida.names if n.kind is NameKind.ALIAS]


def test_a_record_without_reference_number_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "un.xml"
    path.write_text("<CONSOLIDATED_LIST><INDIVIDUALS>\n<INDIVIDUAL><DATAID>1</DATAID>\n"
                    "<FIRST_NAME>X</FIRST_NAME></INDIVIDUAL>\n</INDIVIDUALS></CONSOLIDATED_LIST>")
    with pytest.raises(WatchlistFormatError, match=r"un\.xml:line 2 <INDIVIDUAL>: .*no REFERENCE_NUMBER"):
        un_xml.read(path)


def test_malformed_xml_and_foreign_xml_are_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n</CONSOLIDATED_LIST>")
    with pytest.raises(WatchlistFormatError, match=r"broken\.xml:line 3: is not well-formed XML"):
        un_xml.read(broken)
    foreign = tmp_path / "other.xml"
    foreign.write_text("<export/>")
    with pytest.raises(WatchlistFormatError, match="not a UN consolidated list"):
        un_xml.read(foreign)
