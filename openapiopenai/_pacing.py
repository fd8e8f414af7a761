"""Pacing against rate limits: how many requests may be in flight, and when the next may go.

An additive-increase, multiplicative-decrease window, as TCP paces itself: every 429
halves the number of requests allowed in flight and pauses new ones for as long as the
server asks (``Retry-After``, ``retry-after-ms``, or the ``x-ratelimit-reset-*`` header
of the exhausted limit), backing off exponentially when it does not say; a run of
successes widens the window again by one, up to the concurrency asked for.  A success
whose ``x-ratelimit-remaining-requests`` (or ``-tokens``) is 0 pauses until that limit
resets, before the 429 it would bring.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from typing import Callable, Optional

from openapiopenai.retry import parse_retry_after

__all__ = ["Pacer", "parse_reset"]

#: The longest pause a header may impose (a longer one is clamped, not obeyed).
MAX_PAUSE = 120.0
_BACKOFF_BASE = 1.0

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")


def parse_reset(value: Optional[str]) -> Optional[float]:
    """Seconds in an ``x-ratelimit-reset-*`` value such as ``1s``, ``6m0s``, ``20ms``."""
    if value is None:
        return None
    text = value.strip().lower()
    if not text or len(text) > 32:
        return None
    try:
        return max(0.0, float(text))  # plain seconds
    except ValueError:
        pass
    total = 0.0
    position = 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            return None
        number, unit = float(match.group(1)), match.group(2)
        total += number * {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}[unit]
        position = match.end()
    return total if position == len(text) and position else None


class Pacer:
    """Admits requests one at a time within the current window; thread-safe."""

    def __init__(
        self,
        concurrency: int,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_concurrency = concurrency
        self.limit = concurrency
        self.in_flight = 0
        self.paused_until = 0.0
        self.rate_limited = 0
        self._successes = 0
        self._backoff_step = 0
        self._clock = clock
        self._cond = threading.Condition()

    def acquire(self, stop: threading.Event, *, poll: float = 0.25) -> bool:
        """Wait for a place in the window; ``False`` if ``stop`` was set meanwhile."""
        with self._cond:
            while True:
                if stop.is_set():
                    return False
                now = self._clock()
                if now >= self.paused_until and self.in_flight < self.limit:
                    self.in_flight += 1
                    return True
                wait = poll
                if now < self.paused_until:
                    wait = min(poll, self.paused_until - now)
                self._cond.wait(wait)

    def release(self) -> None:
        """The request admitted last by this thread is over (whatever its outcome)."""
        with self._cond:
            self.in_flight -= 1
            self._cond.notify_all()

    def succeeded(self, headers: Optional[Mapping[str, str]] = None) -> None:
        """A request succeeded: widen the window; pause if a limit is used up."""
        with self._cond:
            self._backoff_step = 0
            self._successes += 1
            if self._successes >= self.limit and self.limit < self.max_concurrency:
                self.limit += 1
                self._successes = 0
            if headers is not None:
                for kind in ("requests", "tokens"):
                    if (headers.get(f"x-ratelimit-remaining-{kind}") or "").strip() == "0":
                        reset = parse_reset(headers.get(f"x-ratelimit-reset-{kind}"))
                        if reset:
                            self._pause(reset)
            self._cond.notify_all()

    def throttled(self, headers: Optional[Mapping[str, str]] = None) -> float:
        """A 429: halve the window and pause; returns the pause in seconds."""
        with self._cond:
            self.rate_limited += 1
            self._successes = 0
            self.limit = max(1, self.limit // 2)
            wait = _server_wait(headers)
            if wait is None:
                wait = min(MAX_PAUSE, _BACKOFF_BASE * 2.0**self._backoff_step)
                self._backoff_step += 1
            self._pause(wait)
            self._cond.notify_all()
            return wait

    def backoff(self) -> float:
        """A transient failure (5xx, a connection that could not be made): pause a while."""
        with self._cond:
            wait = min(MAX_PAUSE, _BACKOFF_BASE * 2.0**self._backoff_step)
            self._backoff_step += 1
            self._pause(wait)
            self._cond.notify_all()
            return wait

    def _pause(self, seconds: float) -> None:
        until = self._clock() + min(MAX_PAUSE, max(0.0, seconds))
        self.paused_until = max(self.paused_until, until)


def _server_wait(headers: Optional[Mapping[str, str]]) -> Optional[float]:
    if not headers:
        return None
    wait = parse_retry_after(headers)
    if wait is not None:
        return wait
    resets = [
        parse_reset(headers.get(f"x-ratelimit-reset-{kind}"))
        for kind in ("requests", "tokens")
        if (headers.get(f"x-ratelimit-remaining-{kind}") or "").strip() == "0"
    ]
    known = [r for r in resets if r is not None]
    return max(known) if known else None
