"""Login throttling: after a few failed attempts for one name, further attempts wait.

Counted per user name, not per address: guessing one officer's password from many addresses is the
attack that matters, and an officer behind a shared NAT must not be locked out by a colleague.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Throttle:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)

    def retry_after(self, failures: Sequence[datetime], now: datetime) -> float | None:
        """Seconds until the next attempt may be made, or None when one may be made now.

        `failures` are the times of failed attempts since the last success, any order."""
        recent = sorted(at for at in failures if now - at < self.window)
        if len(recent) < self.max_failures:
            return None
        # Blocked until the oldest of the last `max_failures` failures leaves the window.
        free_at = recent[-self.max_failures] + self.window
        return max((free_at - now).total_seconds(), 0.0) or None
