"""NACTA Fourth Schedule JSON on made-up people that reproduce the real feed's quirks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.watchlists.adapters import nacta_json
from services.watchlists.adapters.errors import WatchlistFormatError
from services.watchlists.domain.entry import EntityKind, EntryIdentifier, ListName, NameKind

FIXTURE = Path(__file__).parents[2] / "fixtures" / "watchlists" / "nacta_sample.json"


def test_names_aliases_father_names_and_cnics_are_cleaned() -> None:
    entries = {e.entry_id: e for e in nacta_json.read(FIXTURE)}
    assert len(entries) == 6
    khan = entries["3520100000011"]
    assert khan.names[0].full == "Muhammad Fakir Khan" and khan.father_name == "Gul Fakir Khan"
    assert khan.identifiers == (EntryIdentifier(type="cnic", number="3520100000011", country="PK"),)
    assert khan.list_name is ListName.NACTA_4TH and khan.kind is EntityKind.PERSON
    assert khan.remarks == "Province: Punjab; District: LAHORE"
    zubair = entries["4210100000023"]
    assert [(n.full, n.kind) for n in zubair.names] == [("Zubair Testwala", NameKind.PRIMARY),
                                                        ("Zubi Bhai", NameKind.ALIAS)]
    assert zubair.father_name is None  # "nill"
    # Dashes in a CNIC are dropped; "Nil" is no father name either.
    assert entries["6110100000042"].father_name is None


def test_missing_and_shared_cnics_still_give_stable_distinct_ids() -> None:
    first = {e.names[0].full: e.entry_id for e in nacta_json.read(FIXTURE)}
    again = {e.names[0].full: e.entry_id for e in nacta_json.read(FIXTURE)}
    assert first == again
    assert first["Noor Sample Ahmed"].startswith("h")  # no CNIC: content hash
    imran, irfan = first["Imran Placeholder"], first["Irfan Placeholder"]
    assert imran != irfan and imran.startswith("1730100000035/") and irfan.startswith("1730100000035/")


def test_a_record_without_the_export_keys_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nacta.json"
    path.write_text(json.dumps([{"Name": "A", "FatherName": "B", "CNIC": "", "Province": "", "District": ""},
                                {"Name": "C"}]))
    with pytest.raises(WatchlistFormatError, match=r"nacta\.json:record 1: expected an object with keys"):
        nacta_json.read(path)


def test_invalid_json_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "nacta.json"
    path.write_text('[\n{"Name": "A",\n')
    with pytest.raises(WatchlistFormatError, match=r"nacta\.json:3: not valid JSON"):
        nacta_json.read(path)


def test_the_real_export_loads_without_losing_a_distinct_person(shared_data: Path) -> None:
    # Counts only: the real names stay out of the repository.
    entries = nacta_json.read(shared_data / "pakistan-nacta" / "nacta_fourth_schedule_persons.json")
    # 4,665 rows; three repeat a person (same name, father name and CNIC or no CNIC) and collapse.
    assert len(entries) == 4662
    assert len({e.entry_id for e in entries}) == len(entries)
    with_cnic = [e for e in entries if e.identifiers]
    assert len(with_cnic) >= 4640
    assert all(e.identifiers[0].type == "cnic" and len(e.identifiers[0].number) == 13 for e in with_cnic)
    assert sum(n.kind is NameKind.ALIAS for e in entries for n in e.names) >= 120  # "alias …" and "@ …"
    assert all(e.names[0].full == e.names[0].full.strip() and "  " not in e.names[0].full for e in entries)
