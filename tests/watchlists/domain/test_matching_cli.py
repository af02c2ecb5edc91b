"""`aml watchlists search` / `screen-names` on a small custom list given with --list."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.watchlists.matching_cli import OUTPUT_COLUMNS, matching_app

LIST = """entry_id,name,aliases,date_of_birth,nationality,id_type,id_number,wallet_ticker,wallet_address,programme
W1,Abdul Ghani Baradar,Mullah Baradar,1968,AF,,,,,
W2,Tariq Anwar al-Sayyid Ahmad,,1963-03-15,EG,passport,AB1234567,,,
W3,Muhammad Iqbal Khan,,1975,PK,cnic,35202-1234567-1,,,
"""

runner = CliRunner()


@pytest.fixture()
def watchlist(tmp_path: Path) -> list[str]:
    path = tmp_path / "list.csv"
    path.write_text(LIST, encoding="utf-8")
    return ["--list", str(path), "--format", "csv"]


def test_search_prints_json_with_the_hit(watchlist: list[str]) -> None:
    result = runner.invoke(matching_app, ["search", "BARADAR, Abdul Ghani", "--dob", "1968", "--json", *watchlist])
    assert result.exit_code == 0, result.output
    matches = json.loads(result.output)
    assert matches[0]["entry_id"] == "W1" and matches[0]["is_match"] is True
    assert "year of birth 1968 matches" in matches[0]["explanation"]


def test_search_by_identifier_is_decisive(watchlist: list[str]) -> None:
    result = runner.invoke(matching_app, ["search", "Somebody Else", "--id", "3520212345671", "--json", *watchlist])
    assert json.loads(result.output)[0]["entry_id"] == "W3"


def test_search_table_without_matches(watchlist: list[str]) -> None:
    result = runner.invoke(matching_app, ["search", "Patricia Wheeler", *watchlist])
    assert result.exit_code == 0 and "0 match" in result.output


def test_screen_names_writes_one_row_per_match(watchlist: list[str], tmp_path: Path) -> None:
    queries = tmp_path / "queries.csv"
    queries.write_text("query_id,name,date_of_birth,country,id_number\n"
                       "q1,Abdulghani Baradar,,,\n"
                       "q2,Baradar,,,\n"
                       "q3,Mohd Iqbal Khan,1975-02-01,Pakistan,\n"
                       "q4,Patricia Lucas Wheeler,2002-07-14,GB,\n", encoding="utf-8")
    output = tmp_path / "out.csv"
    result = runner.invoke(matching_app, ["screen-names", str(queries), "-o", str(output), *watchlist])
    assert result.exit_code == 0, result.output
    with output.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == OUTPUT_COLUMNS
        rows = list(reader)
    hits = {(r["query_id"], r["entry_id"]) for r in rows if r["is_match"] == "true"}
    assert hits == {("q1", "W1"), ("q3", "W3")}
    assert not [r for r in rows if r["query_id"] == "q4"]
    # "Pakistan" in the batch file is compared as the ISO code the list carries.
    assert "nationality PK matches" in next(r["explanation"] for r in rows if r["query_id"] == "q3")


def test_screen_names_rejects_a_file_without_name_column(watchlist: list[str], tmp_path: Path) -> None:
    queries = tmp_path / "bad.csv"
    queries.write_text("id,full_name\n1,x\n", encoding="utf-8")
    result = runner.invoke(matching_app, ["screen-names", str(queries), "-o", str(tmp_path / "o.csv"), *watchlist])
    assert result.exit_code == 2


def test_list_without_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(LIST, encoding="utf-8")
    result = runner.invoke(matching_app, ["search", "x", "--list", str(path)])
    assert result.exit_code != 0


def test_empty_store_is_an_error(tmp_path: Path) -> None:
    result = runner.invoke(matching_app, ["search", "x", "--dir", str(tmp_path / "store")])
    assert result.exit_code == 2 and "no watchlist loaded" in result.output
