"""The retry policy: which failures are retried, and how long to wait before each retry.

A small value object in the manner of urllib3's ``Retry``: it holds the rules and answers
one question per method; the client's send loop asks it and does the waiting.

Image calls are billed.  A request that reached the server may have produced (and
charged for) an image even if the response never arrived, so by default only failures
that prove the server did not act are retried: a connection that could not be made or
broke while the request was still being sent, and the statuses in ``statuses`` (the
server answered, so it tells us it did not produce the image).  ``retry_on_timeout=True``
also retries read timeouts and connections lost after the request was sent: use it only
when paying twice is better than failing.
"""

from __future__ import annotations

import copyreg
import functools
import math
import random
import time
from collections.abc import Collection, Mapping
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Callable, NoReturn, Optional, Union

from openapiopenai.exceptions import ApiTransportError, ApiTypeError, ApiValueError

__all__ = ["DEFAULT_RETRY_STATUSES", "Retry", "parse_retry_after"]

DEFAULT_RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})


@functools.lru_cache(maxsize=64, typed=True)  # typed: True and 1 differ here
def _policy_for(value: Union[int, bool, None]) -> Retry:
    return Retry._convert(value)


def parse_retry_after(
    headers: Mapping[str, str], now: Optional[Callable[[], float]] = None
) -> Optional[float]:
    """Seconds the server asks us to wait, from ``retry-after-ms`` or ``retry-after``.

    ``retry-after-ms`` (OpenAI's, in milliseconds) wins over ``retry-after`` (seconds or
    an HTTP date).  A date in the past means 0.  Missing, negative, non-finite or
    unparseable values give ``None`` (the caller falls back to its backoff).
    """
    ms = _number(headers.get("retry-after-ms"))
    if ms is not None:
        return ms / 1000.0
    raw = headers.get("retry-after")
    if raw is None:
        return None
    seconds = _number(raw)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None or when.tzinfo is None:
        return None
    current = (now or time.time)()
    return max(0.0, when.timestamp() - current)


def _number(raw: Optional[str]) -> Optional[float]:
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return value


def _checked_number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ApiTypeError(f"retries: {name} must be a number, got {value!r}")
    return value


def _checked_statuses(value: object) -> frozenset[int]:
    """``statuses`` as a frozenset of HTTP statuses (any collection of ints is taken)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Collection):
        raise ApiTypeError(
            "retries: statuses must be a collection of HTTP statuses (e.g. {429, 503};"
            f" an empty set retries none), got {value!r}"
        )
    for status in value:
        if isinstance(status, bool) or not isinstance(status, int):
            raise ApiTypeError(f"retries: statuses must hold ints, got {status!r}")
        if not 100 <= status <= 599:
            raise ApiValueError(f"retries: statuses must be HTTP statuses, got {status!r}")
    return value if isinstance(value, frozenset) else frozenset(value)


class Retry:
    """How many times to retry, which failures, and how long to wait in between.

    ``total``: retries after the first attempt (0 turns retrying off).
    ``backoff_base`` / ``backoff_max``: the exponential backoff, in seconds, used when the
    server gives no ``retry-after``; each wait is reduced by up to ``jitter`` (a fraction)
    at random so that many clients do not retry in step.
    ``max_retry_after``: the longest server-requested wait we honour; a longer one makes
    the call fail at once instead of sleeping.
    ``deadline``: seconds from the first attempt after which no retry is started.
    ``statuses``: HTTP statuses retried (``x-should-retry`` from the server overrides).
    ``retry_on_timeout``: also retry read timeouts and connections lost after the request
    was sent (the image may already have been generated and billed).

    A frozen value: equal policies compare and hash equal, and ``replace()`` gives a
    changed copy.  (Written out rather than a frozen dataclass, which costs every
    process's start most of a millisecond to make.)
    """

    #: The fields, in order: the positional arguments, and as a dataclass's match
    #: arguments (``case Retry(0):`` matches a policy that never retries).
    __match_args__ = (
        "total",
        "backoff_base",
        "backoff_max",
        "jitter",
        "max_retry_after",
        "deadline",
        "statuses",
        "retry_on_timeout",
    )
    __slots__ = __match_args__

    if TYPE_CHECKING:  # read-only to type checkers, as the frozen dataclass's fields were

        @property
        def total(self) -> int: ...

        @property
        def backoff_base(self) -> float: ...

        @property
        def backoff_max(self) -> float: ...

        @property
        def jitter(self) -> float: ...

        @property
        def max_retry_after(self) -> float: ...

        @property
        def deadline(self) -> Optional[float]: ...

        @property
        def statuses(self) -> frozenset[int]: ...

        @property
        def retry_on_timeout(self) -> bool: ...

    def __init__(
        self,
        total: int = 2,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        jitter: float = 0.25,
        max_retry_after: float = 60.0,
        deadline: Optional[float] = None,
        statuses: Collection[int] = DEFAULT_RETRY_STATUSES,
        retry_on_timeout: bool = False,
    ) -> None:
        # Checked here, once: a wrong type would otherwise surface mid-call (a str jitter
        # as a TypeError after the first failure) or, worse, be taken as true
        # (retry_on_timeout="false" resending a billed request).
        if isinstance(total, bool) or not isinstance(total, int):
            raise ApiTypeError(f"retries: total must be an int >= 0, got {total!r}")
        if total < 0:
            raise ApiValueError(f"retries: total must be an int >= 0, got {total!r}")
        numbers = {
            "backoff_base": backoff_base,
            "backoff_max": backoff_max,
            "max_retry_after": max_retry_after,
            "jitter": jitter,
        }
        for name, value in numbers.items():
            value = _checked_number(name, value)
            if not value >= 0 or (name != "max_retry_after" and value == math.inf):
                raise ApiValueError(f"retries: {name} must be a finite number >= 0, got {value!r}")
        if not jitter <= 1:
            raise ApiValueError(f"retries: jitter must be between 0 and 1, got {jitter!r}")
        if deadline is not None and not _checked_number("deadline", deadline) > 0:
            raise ApiValueError(f"retries: deadline must be > 0 seconds, got {deadline!r}")
        if not isinstance(retry_on_timeout, bool):
            raise ApiTypeError(
                f"retries: retry_on_timeout must be True or False, got {retry_on_timeout!r}"
            )
        checked = (
            total,
            backoff_base,
            backoff_max,
            jitter,
            max_retry_after,
            deadline,
            _checked_statuses(statuses),
            retry_on_timeout,
        )
        for name, checked_value in zip(_FIELDS, checked):
            object.__setattr__(self, name, checked_value)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _FIELDS)

    def _fields(self) -> dict[str, Any]:
        return dict(zip(_FIELDS, self._values()))

    def replace(self, **changes: Any) -> Retry:
        """A copy with ``changes`` applied (checked as the constructor checks them)."""
        unknown = changes.keys() - set(_FIELDS)
        if unknown:
            raise ApiTypeError(f"retries: no field named {sorted(unknown)[0]!r}")
        return type(self)(**{**self._fields(), **changes})

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in self._fields().items())
        return f"{type(self).__qualname__}({fields})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Retry) or other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __setattr__(self, name: str, value: object) -> NoReturn:
        from dataclasses import FrozenInstanceError  # as the frozen dataclass raised

        raise FrozenInstanceError(f"Retry is frozen: cannot assign to {name!r} (use replace())")

    def __delattr__(self, name: str) -> NoReturn:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"Retry is frozen: cannot delete {name!r}")

    def __reduce__(self) -> tuple[Callable[..., Retry], tuple[type[Retry]], dict[str, Any]]:
        # As the frozen dataclass pickled (so pickles load across the change): made
        # without calling __init__ (a subclass may take other arguments), then the
        # fields and any state of a subclass set.
        state = self._fields()
        state.update(getattr(self, "__dict__", ()))
        return (copyreg.__newobj__, (type(self),), state)  # type: ignore[attr-defined]

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    @classmethod
    def from_value(cls, value: Union[Retry, int, bool, None]) -> Retry:
        """A policy from what ``Configuration.retries`` or ``_retries`` may hold."""
        if isinstance(value, Retry):
            return value
        if cls is Retry and (value is None or type(value) in (int, bool)):
            return _policy_for(value)  # the same few values on every call: cached
        return cls._convert(value)

    @classmethod
    def _convert(cls, value: Union[Retry, int, bool, None]) -> Retry:
        if value is None:
            return cls()
        if isinstance(value, Retry):
            return value
        if isinstance(value, bool):
            return cls() if value else cls(total=0)
        if isinstance(value, int):
            return cls(total=value)
        # urllib3's Retry: keep its count, apply our rules.
        total = getattr(value, "total", None)
        if isinstance(total, int) and not isinstance(total, bool):
            return cls(total=max(total, 0))
        raise ApiValueError(
            f"retries: expected an int, a bool or an openapiopenai.Retry, got {value!r}"
        )

    # -- questions the send loop asks ------------------------------------------

    def should_retry_status(self, status: int, headers: Mapping[str, str]) -> bool:
        """Whether a response with ``status`` is worth another attempt."""
        hint = (headers.get("x-should-retry") or "").strip().lower()
        if hint == "true":
            return True
        if hint == "false":
            return False
        return status in self.statuses

    def should_retry_error(self, error: ApiTransportError) -> bool:
        """Whether a transport failure is safe (or, with opt-in, wanted) to retry."""
        if not error.transient:
            return False
        return not error.request_sent or self.retry_on_timeout

    def backoff(self, retry_number: int) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based) absent server advice."""
        delay = min(float(self.backoff_max), self.backoff_base * 2.0 ** (retry_number - 1))
        return delay * (1 - self.jitter * random.random())

    def wait_after_error(
        self, error: ApiTransportError, retry_number: int, elapsed: float
    ) -> Optional[float]:
        """Seconds to sleep before retrying after ``error``, or ``None`` to raise it."""
        if not self.should_retry_error(error):
            return None
        return self.wait_before(retry_number, elapsed)

    def wait_after_response(
        self, status: int, headers: Mapping[str, str], retry_number: int, elapsed: float
    ) -> Optional[float]:
        """Seconds to sleep before retrying a response, or ``None`` to keep it."""
        if status < 400 or not self.should_retry_status(status, headers):
            return None
        return self.wait_before(retry_number, elapsed, headers)

    def wait_before(
        self,
        retry_number: int,
        elapsed: float,
        headers: Optional[Mapping[str, str]] = None,
    ) -> Optional[float]:
        """Seconds to sleep before retry ``retry_number``, or ``None`` to give up.

        Gives up when the count is spent, when the server asks for a wait longer than
        ``max_retry_after``, or when the wait would end past the ``deadline``.
        """
        if retry_number > self.total:
            return None
        advised = parse_retry_after(headers) if headers is not None else None
        if advised is not None and advised > self.max_retry_after:
            return None
        delay = advised if advised is not None else self.backoff(retry_number)
        if self.deadline is not None and elapsed + delay >= self.deadline:
            return None
        return delay


#: The fields of a ``Retry``, in order (its positional arguments, repr, equality and pickle).
_FIELDS = Retry.__match_args__
