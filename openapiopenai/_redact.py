"""Keeping credentials out of what is shown: exceptions built from responses, and logs.

A server may echo the API key (``Incorrect API key provided: sk-...``) in a body, an
error's ``message``/``code``/``param``, a reason phrase or a header; everything an
exception carries is built from text that went through these functions first.  Logs are
covered by :class:`RedactingFilter`, put on this package's logger and urllib3's: it drops
the query string of every URL they log (where signed image URLs keep their signature and
query authentication its key) and replaces every credential a live ``Configuration``
registered with :func:`register`.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import weakref
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

# Nothing from typing at run time: logging keeps the log filter (this module's class, and
# so its globals) until the interpreter's end, and whatever those globals reach, such as
# the type caches (which hold every model class), outlives the main collection at exit.
if TYPE_CHECKING:
    from typing import Any, Callable, Optional, TypeVar

    T = TypeVar("T")

__all__ = [
    "REDACTED",
    "RedactingFilter",
    "install_log_filter",
    "redact_bytes",
    "redact_error",
    "redact_headers",
    "redact_text",
    "register",
    "scrub_message",
]

REDACTED = "[redacted]"
_REDACTED_BYTES = REDACTED.encode()
#: Shorter values are not looked for: they would match ordinary text.
MIN_SECRET = 8


def _usable(secrets: Iterable[str]) -> list[str]:
    return [s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET]


def redact_bytes(body: T, secrets: Iterable[str]) -> T:
    """``body`` (bytes) with every secret in it replaced; the same object when none is."""
    if not isinstance(body, (bytes, bytearray)):
        return body
    out: Any = body
    for secret in _usable(secrets):
        raw = secret.encode("utf-8", "replace")
        if raw in out:
            out = out.replace(raw, _REDACTED_BYTES)
    return out  # type: ignore[no-any-return]


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret in it replaced; the same object when none is."""
    for secret in _usable(secrets):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def contains_secret(text: Optional[str], secrets: Iterable[str]) -> bool:
    return bool(text) and any(s in text for s in _usable(secrets))  # type: ignore[operator]


def redact_headers(headers: Any, secrets: Iterable[str]) -> None:
    """Replace, in place, every secret in the values of ``headers`` (a urllib3 header dict)."""
    usable = _usable(secrets)
    if not usable or not isinstance(headers, Mapping):
        return
    found = [name for name, value in list(headers.items()) if contains_secret(value, usable)]
    for name in dict.fromkeys(found):
        getlist: Optional[Callable[[str], list[str]]] = getattr(headers, "getlist", None)
        values = getlist(name) if getlist is not None else [headers[name]]
        clean = [redact_text(v, usable) if isinstance(v, str) else v for v in values]
        del headers[name]  # type: ignore[attr-defined]
        add = getattr(headers, "add", None)
        for value in clean:
            if add is not None:
                add(name, value)
            else:
                headers[name] = value  # type: ignore[index]


def scrub_response(response: Any, secrets: Iterable[str], *, headers: bool = True) -> None:
    """Replace, in place, secrets echoed in a ``RESTResponse``'s reason (and headers).

    Everything an exception built from ``response`` carries then comes out clean.
    """
    usable = _usable(secrets)
    if not usable:
        return
    reason = response.reason
    if isinstance(reason, str) and contains_secret(reason, usable):
        clean = redact_text(reason, usable)
        inner = getattr(response, "response", None)
        if inner is not None and hasattr(inner, "reason"):
            inner.reason = clean
        with contextlib.suppress(AttributeError):  # a read-only view of the inner one
            response.reason = clean
    if headers:
        # The urllib3 response's own headers: what every view of them is made from.
        inner_headers = getattr(getattr(response, "response", None), "headers", None)
        if inner_headers is not None:
            redact_headers(inner_headers, usable)
        shown = response.getheaders()
        if shown is not inner_headers:
            redact_headers(shown, usable)


def scrub_message(error: BaseException, secrets: Iterable[str]) -> bool:
    """Replace secrets in the message of ``error`` (an ``ApiException`` built without a
    response), in place; whether there were any."""
    message = getattr(error, "_message", None)
    if not isinstance(message, str) or not contains_secret(message, secrets):
        return False
    error._message = redact_text(message, secrets)  # type: ignore[attr-defined]
    error.args = (str(error),)
    return True


def redact_error(data: Any, secrets: Iterable[str]) -> Any:
    """A parsed ``ErrorResponse`` with secrets replaced in its error's text fields."""
    error = getattr(data, "error", None)
    if error is None:
        return data
    for field in ("message", "code", "param", "type"):
        value = getattr(error, field, None)
        if isinstance(value, str):
            clean = redact_text(value, secrets)
            if clean is not value:
                error.__dict__[field] = clean  # no re-validation: the type stays str
    return data


# -- logs ---------------------------------------------------------------------------

_lock = threading.Lock()
# Owner (a Configuration) -> its secrets; weak, so that no configuration is kept alive.
_owners: weakref.WeakKeyDictionary[Any, tuple[str, ...]] = weakref.WeakKeyDictionary()
_known: tuple[str, ...] = ()


def register(owner: Any, secrets: Iterable[str]) -> None:
    """Have :class:`RedactingFilter` hide ``secrets`` while ``owner`` is alive."""
    global _known
    usable = tuple(_usable(secrets))
    with _lock:
        if _owners.get(owner) == usable:
            return
        _owners[owner] = usable
        _known = tuple(dict.fromkeys(s for values in _owners.values() for s in values))


def _secrets() -> tuple[str, ...]:
    return _known


# "?..." up to the next quote, space or end: the query string of a logged URL or target
# (not "?…", which is how this package already writes a URL without its query).
_QUERY = r"\?(?!…)[^\s\"']+"  # compiled by its first use (a log record)


def _strip_queries(text: str) -> str:
    return re.sub(_QUERY, "?[redacted]", text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message without credentials (and, for urllib3, without queries).

    It never drops a record.  The message is formatted here, once, and stored without its
    arguments, so every handler sees the clean text.
    """

    def __init__(self, strip_queries: bool = False) -> None:
        super().__init__()
        self.strip_queries = strip_queries

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = _secrets()
        if not secrets and not self.strip_queries:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error handling
            return True
        clean = _strip_queries(message) if self.strip_queries else message
        clean = redact_text(clean, secrets)
        if clean != message:
            record.msg, record.args = clean, None
        return True


#: urllib3's loggers that name URLs or hosts (a filter on a logger sees only its records).
_URLLIB3_LOGGERS = (
    "urllib3",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
)
_installed = False


def install_log_filter() -> None:
    """Put :class:`RedactingFilter` on this package's logger and urllib3's (once)."""
    global _installed
    if _installed:
        return
    with _lock:
        if _installed:
            return
        # Its own records name no query string; an error quoted in one might.
        logging.getLogger("openapiopenai").addFilter(RedactingFilter(strip_queries=True))
        for name in _URLLIB3_LOGGERS:
            logging.getLogger(name).addFilter(RedactingFilter(strip_queries=True))
        _installed = True
