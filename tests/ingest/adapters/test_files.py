from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from schemas.flat import from_event
from services.ingest.adapters.files import FileFormatError, read_rows
from services.ingest.domain.admission import AdmissionRules
from services.ingest.intake import Admission
from services.ingest.loader import InvalidRowError, validate_file
from tests.factories import transfer

DEFAULTS = {"exchange_id": "file", "chain": "unspecified"}


def _rows(n: int) -> list[dict[str, str | None]]:
    return [from_event(transfer(transfer_id=f"t{i}")) for i in range(n)]


def test_csv_rows_are_numbered_as_lines_with_the_header_as_line_one(tmp_path: Path) -> None:
    rows = _rows(3)
    rows[1]["amount"] = "-4"
    path = tmp_path / "batch.csv"
    pl.DataFrame(rows).write_csv(path)
    with pytest.raises(InvalidRowError, match=r"batch.csv:3: amount: Input should be greater than 0"):
        validate_file(path, DEFAULTS, skip_invalid=False)
    events, invalid = validate_file(path, DEFAULTS, skip_invalid=True)
    assert [e.transfer_id for e in events] == ["t0", "t2"]
    assert [(e.line, e.row["transfer_id"]) for e in invalid] == [(3, "t1")]


def test_csv_line_numbers_count_line_breaks_inside_quoted_cells(tmp_path: Path) -> None:
    rows = _rows(4)
    rows[0]["originator_name"] = "Ayesha\nKhan\n(joint)"  # this row spans lines 2-4
    rows[2]["amount"] = "-4"
    path = tmp_path / "batch.csv"
    pl.DataFrame(rows).write_csv(path)
    assert path.read_text().splitlines()[5].startswith("t2,")  # line 6 of the file
    # The contract refuses line breaks in names, so the first row is bad too; the third keeps its line.
    _, invalid = validate_file(path, DEFAULTS, skip_invalid=True)
    assert [(e.line, e.reason.split(":")[0]) for e in invalid] == [(2, "originator_name"), (6, "amount")]
    assert [row.line for row in read_rows(path)] == [2, 5, 6, 7]


def test_parquet_rows_and_minimal_columns(tmp_path: Path) -> None:
    path = tmp_path / "batch.parquet"
    pl.DataFrame(
        {
            "transfer_id": ["p1", "p2"],
            "occurred_at": ["2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z"],
            "originator_account": ["a", "a"],
            "beneficiary_account": ["b", ""],
            "amount": [1.5, 2.0],
            "asset": ["USDT", "USDT"],
        }
    ).write_parquet(path)
    with pytest.raises(InvalidRowError, match=r"batch.parquet:2: beneficiary_account: Field required"):
        validate_file(path, DEFAULTS, skip_invalid=False)


def test_ndjson_keeps_physical_line_numbers_and_accepts_nested_events(tmp_path: Path) -> None:
    path = tmp_path / "batch.ndjson"
    path.write_text(transfer(transfer_id="n1").model_dump_json() + "\n\n" + '{"transfer_id": "n2", broken\n')
    with pytest.raises(InvalidRowError, match=r"batch.ndjson:3: invalid JSON"):
        validate_file(path, DEFAULTS, skip_invalid=False)


def test_unknown_columns_and_types_are_rejected_up_front(tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    path.write_text("transfer_id,colour\n1,red\n")
    with pytest.raises(InvalidRowError, match=r"missing required column.*unknown column.*colour"):
        validate_file(path, DEFAULTS, skip_invalid=True)
    with pytest.raises(FileFormatError, match="unknown file type"):
        list(read_rows(tmp_path / "batch.xlsx"))


NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ADMISSION = Admission(AdmissionRules(timedelta(seconds=300), timedelta(days=3650)), clock=lambda: NOW)


def test_rows_the_admission_rules_refuse_are_line_errors_like_other_bad_rows(tmp_path: Path) -> None:
    rows = [from_event(transfer(transfer_id=f"rupee-vx:t{i}", occurred_at=NOW)) for i in range(4)]
    rows[1]["occurred_at"] = "2026-11-20T13:00:00Z"  # an hour ahead of the clock
    rows[2]["occurred_at"] = "2016-01-01T00:00:00Z"  # more than 3650 days back
    rows[3]["transfer_id"] = "indus-digital:t3"  # another exchange's namespace
    path = tmp_path / "batch.csv"
    pl.DataFrame(rows).write_csv(path)
    with pytest.raises(InvalidRowError, match=r"batch.csv:3: occurred_at: 1.0 h ahead of the ingest clock"):
        validate_file(path, DEFAULTS, skip_invalid=False, admission=ADMISSION)
    events, invalid = validate_file(path, DEFAULTS, skip_invalid=True, admission=ADMISSION)
    assert [e.transfer_id for e in events] == ["rupee-vx:t0"]
    lines = [(e.line, e.reason.split(":")[0]) for e in invalid]
    assert lines == [(3, "occurred_at"), (4, "occurred_at"), (5, "transfer_id")]
    assert "the limit is 3650 days behind" in invalid[1].reason
    # Without the admission only the contract is checked here (the intake still enforces the rules).
    assert len(validate_file(path, DEFAULTS, skip_invalid=False)[0]) == 4
