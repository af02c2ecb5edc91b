"""Report deadlines: 48 hours for a freeze report, 7 working days for an STR."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.casedesk.domain.effect import ReportKind, report_due_at


def test_a_freeze_report_is_due_in_48_hours() -> None:
    friday = datetime(2026, 11, 6, 17, 0, tzinfo=UTC)
    assert report_due_at(ReportKind.FREEZE, friday) == friday + timedelta(hours=48)  # weekends count


@pytest.mark.parametrize(
    ("decided", "due"),
    [
        (datetime(2026, 11, 2, 9, tzinfo=UTC), datetime(2026, 11, 11, 9, tzinfo=UTC)),  # Monday → Wednesday next
        (datetime(2026, 11, 6, 9, tzinfo=UTC), datetime(2026, 11, 17, 9, tzinfo=UTC)),  # Friday → Tuesday week after
        (datetime(2026, 11, 7, 9, tzinfo=UTC), datetime(2026, 11, 17, 9, tzinfo=UTC)),  # Saturday → as from Friday
    ],
)
def test_an_str_is_due_after_seven_working_days(decided: datetime, due: datetime) -> None:
    assert report_due_at(ReportKind.STR, decided) == due
