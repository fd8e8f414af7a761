"""Text the wire cannot carry: a clear error naming the parameter, before anything is sent.

Python strings may hold lone surrogates (``"\\ud800"``; ``os.fsdecode`` makes them from
undecodable file names), which UTF-8 cannot encode, and HTTP/1.1 header values are
Latin-1.  Without these checks the failure surfaces as a bare ``UnicodeEncodeError`` from
deep inside the JSON or multipart encoder or ``http.client``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Optional

from openapiopenai.exceptions import ApiValueError

__all__ = ["first_unencodable", "utf8"]


def utf8(param: str, text: str, what: str = "the text") -> bytes:
    """``text`` as UTF-8; a lone surrogate in it is an ``ApiValueError`` naming ``param``."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise unencodable(param, what, text, e) from None


def unencodable(param: str, what: str, text: str, e: UnicodeEncodeError) -> ApiValueError:
    """The error for ``text`` (of ``param``) that failed to encode as ``e`` says."""
    code = ord(text[e.start])
    kind = "a lone surrogate" if 0xD800 <= code <= 0xDFFF else "a character"
    return ApiValueError(
        f"{param}: {what} has {kind} (U+{code:04X}, at position {e.start}) "
        f"that {e.encoding.upper()} cannot encode"
    )


def first_unencodable(values: Iterable[tuple[str, Any]]) -> Optional[ApiValueError]:
    """The error for the first string (or string in a list) that UTF-8 cannot encode."""
    for param, value in values:
        for text in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(text, str):
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError as e:
                    return unencodable(param, "the text", text, e)
    return None
