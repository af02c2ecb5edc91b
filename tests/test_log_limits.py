"""The repeat limit on log lines: the pure core with a hand-driven clock, then the logging filter."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from services.log_limits import (
    RepeatLimiter,
    RepeatLimitFilter,
    install_repeat_limit,
    package_loggers,
    uninstall_repeat_limit,
)


def test_a_key_passes_once_per_interval_and_then_reports_what_was_held_back() -> None:
    limiter = RepeatLimiter(interval_s=10.0)
    assert limiter.admit("k", 0.0).passes
    assert [limiter.admit("k", t).passes for t in (0.1, 5.0, 9.99)] == [False, False, False]
    again = limiter.admit("k", 10.0)
    assert (again.passes, again.held_back, again.since) == (True, 3, 0.0)
    # A new window opened at 10.0: nothing held back in it yet.
    assert not limiter.admit("k", 19.0).passes
    assert limiter.admit("k", 20.0).held_back == 1
    assert limiter.held_back_total == 4


def test_keys_are_limited_independently() -> None:
    limiter = RepeatLimiter(interval_s=10.0)
    assert limiter.admit(("a", "x"), 0.0).passes
    assert limiter.admit(("a", "y"), 0.0).passes
    assert limiter.admit(("b", "x"), 0.0).passes
    assert not limiter.admit(("a", "x"), 1.0).passes


def test_the_key_table_stays_bounded_forgetting_the_stalest() -> None:
    limiter = RepeatLimiter(interval_s=10.0, max_keys=2)
    limiter.admit("a", 0.0)
    limiter.admit("b", 0.0)
    limiter.admit("c", 0.0)  # "a" is forgotten, so it passes again at once
    assert limiter.admit("a", 1.0).passes
    assert not limiter.admit("c", 1.0).passes


def test_a_non_positive_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        RepeatLimiter(interval_s=0)


@pytest.fixture
def noisy() -> Iterator[logging.Logger]:
    logger = logging.getLogger("tests.log_limits.noisy")
    yield logger
    for attached in list(logger.filters):
        logger.removeFilter(attached)


def test_the_filter_keys_by_template_and_writes_one_summary_line(
    noisy: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    now = [0.0]
    limit = RepeatLimitFilter(interval_s=10.0, clock=lambda: now[0])
    limit.attach([noisy])
    with caplog.at_level(logging.WARNING, logger=noisy.name):
        for errno in range(1000):  # other arguments, same template: the same line again
            noisy.error("Unable connect to node with id %s: %s", 1, errno)
        noisy.warning("another line")
        now[0] = 10.2
        noisy.error("Unable connect to node with id %s: %s", 1, "again")
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "Unable connect to node with id 1: 0",
        "another line",
        "999 more like 'Unable connect to node with id %s: %s' were held back in the last 10 s",
        "Unable connect to node with id 1: again",
    ]
    limit.detach()
    assert noisy.filters == []


def test_install_covers_every_module_logger_of_the_package_once() -> None:
    uninstall_repeat_limit("aiokafka")
    try:
        limit = install_repeat_limit("aiokafka", interval_s=5.0)
        assert install_repeat_limit("aiokafka") is limit
        loggers = package_loggers("aiokafka")
        # A filter on "aiokafka" alone would not see records of "aiokafka.conn" and the others.
        assert {"aiokafka", "aiokafka.conn", "aiokafka.producer.sender", "aiokafka.cluster"} <= {
            lg.name for lg in loggers
        }
        assert all(lg.filters.count(limit) == 1 for lg in loggers)
    finally:
        uninstall_repeat_limit("aiokafka")
    assert all(limit not in lg.filters for lg in package_loggers("aiokafka"))
