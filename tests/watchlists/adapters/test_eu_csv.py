"""EU sanctions CSV transcription on the real 37 regulation files, plus error cases."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from services.watchlists.adapters import eu_csv
from services.watchlists.adapters.errors import WatchlistFormatError
from services.watchlists.domain.entry import EntityKind, ListName, NameKind, WatchlistEntry


@pytest.fixture(scope="module")
def eu(shared_data: Path) -> dict[str, WatchlistEntry]:
    folder = shared_data / "eu-sanctions" / "opensanctions-eu-journal-consolidated"
    return {e.entry_id: e for e in eu_csv.read(folder)}


def test_every_row_of_every_regulation_is_an_entry(eu: dict[str, WatchlistEntry]) -> None:
    # 8,017 rows; two are exact repeats without a recordId and collapse into one entry each.
    assert len(eu) == 8015
    kinds = Counter(e.kind for e in eu.values())
    assert kinds[EntityKind.PERSON] == 4498 and kinds[EntityKind.VESSEL] == 708
    assert {e.list_name for e in eu.values()} == {ListName.EU_FSF}


def test_putin_has_his_cyrillic_alias_dob_and_listing_date(eu: dict[str, WatchlistEntry]) -> None:
    putin = eu["32014R0269/I.PERSONS/669"]
    assert putin.names[0].full == "Vladimir Vladimirovich PUTIN"
    assert (putin.names[1].kind, putin.names[1].script) == (NameKind.ALIAS, "Cyrl")
    assert putin.dates_of_birth == ("1952-10-07",)
    assert putin.listed_on == date(2022, 2, 25)
    assert putin.programme == "EU-UKR" and putin.kind is EntityKind.PERSON


def test_nationality_adjectives_and_passports_are_normalised(eu: dict[str, WatchlistEntry]) -> None:
    artyakov = eu["32014R0269/I.PERSONS/1729"]
    assert artyakov.nationalities == ("RU",)
    assert [(i.type, i.number) for i in artyakov.identifiers] == [("passport", "511528697")]
    assert sum(1 for e in eu.values() if e.nationalities) > 2500


def test_a_file_with_a_foreign_header_is_refused_on_line_1(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("name,alias\nA,B\n")
    with pytest.raises(WatchlistFormatError, match=r"x\.csv:1: header lacks column\(s\) celex"):
        eu_csv.read(path)


def test_a_row_without_name_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "y.csv"
    header = ",".join(eu_csv.REQUIRED)
    path.write_text(f"{header}\n32001R2580,1,EU-TERR,I,1.1.2002,Person,A,,\n32001R2580,2,EU-TERR,I,,Person,,,\n")
    with pytest.raises(WatchlistFormatError, match=r"y\.csv:3: row has no celex or no name"):
        eu_csv.read(path)
