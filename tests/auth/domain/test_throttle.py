from datetime import UTC, datetime, timedelta

from services.auth.domain.throttle import Throttle

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def test_a_fifth_recent_failure_blocks_until_the_oldest_of_them_leaves_the_window() -> None:
    throttle = Throttle(max_failures=5, window=timedelta(minutes=15))
    failures = [NOW - timedelta(minutes=m) for m in (10, 8, 6, 4)]
    assert throttle.retry_after(failures, NOW) is None
    failures.append(NOW - timedelta(minutes=1))
    assert throttle.retry_after(failures, NOW) == 5 * 60  # the one of 10 minutes ago leaves in 5
    assert throttle.retry_after(failures, NOW + timedelta(minutes=5)) is None


def test_old_failures_do_not_count() -> None:
    throttle = Throttle(max_failures=2, window=timedelta(minutes=1))
    assert throttle.retry_after([NOW - timedelta(hours=1)] * 10, NOW) is None
