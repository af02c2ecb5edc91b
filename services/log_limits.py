"""Repeated log lines held back: one line per (logger, message template) per interval, then a count.

aiokafka logs every failed reconnect and metadata refresh, so a stopped broker turns into thousands of
identical ERROR lines a second, which bury the one line that says what happened and fill the disk.
`install_repeat_limit()` is called by every service's process start; `RepeatLimiter` is the pure core
(no clock of its own, no logging), so its decisions are tested directly.

A burst is reported with the next record of its kind after the interval: one extra line saying how many
were held back, then that record. A burst that stops for good is not reported afterwards (no timer runs
here); the first line of it was let through, so the problem is still on record.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

DEFAULT_INTERVAL_S = 10.0
MAX_KEYS = 1024
"""Templates tracked at once; the stalest is forgotten first. Templates are code constants, so few exist."""
_SUMMARY = "_repeat_limit_summary"
"""Attribute marking the summary records this module makes, which must pass their own filter."""


@dataclass(frozen=True, slots=True)
class Verdict:
    passes: bool
    held_back: int
    """Records of the same key held back since the last one that passed (reported when `passes`)."""
    since: float
    """When that last one passed (same clock as `now`)."""


@dataclass(slots=True)
class _Window:
    opened: float
    held_back: int = 0


class RepeatLimiter:
    """Lets the first record of a key through, holds back the rest for `interval_s`, then starts over."""

    def __init__(self, interval_s: float = DEFAULT_INTERVAL_S, max_keys: int = MAX_KEYS) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        self.interval_s = interval_s
        self.max_keys = max_keys
        self.held_back_total = 0
        self._windows: OrderedDict[Hashable, _Window] = OrderedDict()

    def admit(self, key: Hashable, now: float) -> Verdict:
        window = self._windows.get(key)
        if window is None or now - window.opened >= self.interval_s:
            held, since = (window.held_back, window.opened) if window is not None else (0, now)
            self._windows[key] = _Window(now)
            self._windows.move_to_end(key)
            while len(self._windows) > self.max_keys:
                self._windows.popitem(last=False)
            return Verdict(True, held, since)
        window.held_back += 1
        self.held_back_total += 1
        return Verdict(False, window.held_back, window.opened)


class RepeatLimitFilter(logging.Filter):
    """A `logging.Filter` around `RepeatLimiter`, keyed by logger name and the unformatted message."""

    def __init__(self, interval_s: float = DEFAULT_INTERVAL_S, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.limiter = RepeatLimiter(interval_s)
        self._clock = clock
        self._loggers: list[logging.Logger] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _SUMMARY, False):
            return True
        now = self._clock()
        # The template, not the formatted text: "Unable connect to node with id %s" with another id or
        # errno is the same line again.
        verdict = self.limiter.admit((record.name, str(record.msg)), now)
        if verdict.passes and verdict.held_back:
            summary = logging.makeLogRecord(
                {
                    "name": record.name,
                    "levelno": record.levelno,
                    "levelname": record.levelname,
                    "msg": "%d more like %r were held back in the last %.0f s",
                    "args": (verdict.held_back, str(record.msg), now - verdict.since),
                    _SUMMARY: True,
                }
            )
            logging.getLogger(record.name).handle(summary)
        return verdict.passes

    def attach(self, loggers: Iterable[logging.Logger]) -> None:
        for logger in loggers:
            if self not in logger.filters:
                logger.addFilter(self)
                self._loggers.append(logger)

    def detach(self) -> None:
        """Remove the filter from every logger it was attached to (tests restore logging with it)."""
        for logger in self._loggers:
            logger.removeFilter(self)
        self._loggers.clear()


def package_loggers(package: str) -> list[logging.Logger]:
    """The logger of `package` and of each of its modules.

    A filter on a logger sees only records made on that very logger, not those its children propagate,
    so each module's `getLogger(__name__)` needs its own. Getting one before the module is imported
    returns the same object the module will use.
    """
    root = importlib.import_module(package)
    names = [package, *(info.name for info in pkgutil.walk_packages(root.__path__, f"{package}."))]
    return [logging.getLogger(name) for name in names]


_installed: dict[str, RepeatLimitFilter] = {}


def install_repeat_limit(package: str = "aiokafka", interval_s: float = DEFAULT_INTERVAL_S) -> RepeatLimitFilter:
    """Limit repeats on every logger of `package`; calling it again returns the filter already installed."""
    existing = _installed.get(package)
    if existing is not None:
        return existing
    limit = RepeatLimitFilter(interval_s)
    limit.attach(package_loggers(package))
    _installed[package] = limit
    return limit


def uninstall_repeat_limit(package: str = "aiokafka") -> None:
    limit = _installed.pop(package, None)
    if limit is not None:
        limit.detach()
