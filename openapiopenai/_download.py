"""Fetching generated images from their URLs: through the client's pool, capped and safe.

A download is not an API call: it takes no retries, and it carries the API key only when
the URL's origin is the configured API host's own (image URLs normally point at a CDN
that must never see the key).  The body is read as it arrives and abandoned as soon as it
passes the size cap.  Logs name the URL without its query string, which holds the signature.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, cast
from urllib.parse import urljoin, urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util.url import Url, parse_url

from openapiopenai._file_types import sniff_image_type
from openapiopenai._request import ApiRequest
from openapiopenai._results import DEFAULT_MAX_DOWNLOAD_BYTES
from openapiopenai.exceptions import (
    ApiException,
    ApiValueError,
    ImageDownloadError,
    ImageUrlExpiredError,
)

if TYPE_CHECKING:
    from openapiopenai._image_client import ImageClient
    from openapiopenai.api_client import ApiClient
    from openapiopenai.configuration import TimeoutValue
    from openapiopenai.rest import RESTResponse

__all__ = [
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "Download",
    "UnsafeUrl",
    "download_image",
    "fetch_image",
    "parse_http_url",
    "redact_url",
    "same_origin",
]

logger = logging.getLogger("openapiopenai")

_MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Blob storage answers 403 for an expired signature, 404 once the blob is gone.
_EXPIRED = frozenset({403, 404, 410})
# Types a CDN may put on image bytes; accepted only when the bytes sniff as an image.
_GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
_ERROR_BODY_LIMIT = 16 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Download:
    """A downloaded image: its bytes and the ``Content-Type`` the server gave them."""

    data: bytes
    content_type: str


def redact_url(url: str) -> str:
    """``url`` without its query string and fragment (where signed URLs keep the secret)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<a URL that does not parse>"
    hidden = "?…" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc}{parts.path}{hidden}"


_READ_DIFFERENTLY = ", which URL parsers read differently"


class UnsafeUrl(ValueError):
    """A URL that is not an absolute http(s) URL every parser reads the same way."""


def parse_http_url(url: str) -> Url:
    """``url`` parsed by urllib3, the parser that connects: one parse for check and send.

    Refused (:class:`UnsafeUrl`): a URL that is not absolute http(s), and one that parsers
    read differently: a backslash, control characters, whitespace or ``user@`` in the
    authority, a percent-encoded host.  ``urllib.parse`` and browsers take
    ``http://OTHER\\@API/x`` for API-HOST, urllib3 connects to OTHER.
    """
    if not isinstance(url, str):
        raise UnsafeUrl(f"expected a string, got {type(url).__name__}")
    if "\\" in url or any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        # Whitespace in the path and query is percent-encoded by urllib3; refused anywhere
        # all the same, since some parsers strip it (urlsplit drops tabs and newlines).
        what = "a backslash, a control character or whitespace"
        raise UnsafeUrl(f"it holds {what}{_READ_DIFFERENTLY}")
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in _DEFAULT_PORTS:
        raise UnsafeUrl("not an absolute http:// or https:// URL")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in authority:
        raise UnsafeUrl(f"it holds user@ before the host{_READ_DIFFERENTLY}")
    if "%" in authority and not authority.startswith("["):
        raise UnsafeUrl(f"its host is percent-encoded{_READ_DIFFERENTLY}")
    try:
        parsed = parse_url(url)
    except LocationParseError:
        raise UnsafeUrl("it does not parse as a URL") from None
    if not parsed.host:
        raise UnsafeUrl("it names no host")
    return parsed


def _origin(parsed: Url) -> tuple[str, str, Optional[int]]:
    scheme = (parsed.scheme or "").lower()
    return scheme, (parsed.host or "").lower(), parsed.port or _DEFAULT_PORTS.get(scheme)


def same_origin(url: str, other: str) -> bool:
    """Whether two URLs share scheme, host and port (default ports filled in).

    Both are read by urllib3's parser, the one that connects; a URL it cannot read, or one
    :func:`parse_http_url` refuses, shares no origin.
    """
    try:
        return _origin(parse_http_url(url)) == _origin(parse_http_url(other))
    except UnsafeUrl:
        return False


def download_image(
    url: str,
    client: ApiClient,
    *,
    timeout: TimeoutValue = None,
    max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
) -> Download:
    """GET the image at ``url`` through ``client``'s connection pool and TLS settings.

    ``timeout`` defaults to the client's configured one; a body over ``max_bytes`` is
    abandoned.  Raises :class:`ImageUrlExpiredError` for 403/404/410,
    :class:`ImageDownloadError` for other failures of the image host, and the transport
    errors (``ApiConnectionError``, ``ApiTimeoutError``) as API calls do.  A ``url`` that
    :func:`parse_http_url` refuses is an ``ApiValueError``, a redirect to one an
    ``ImageDownloadError``; nothing is sent to it.
    """
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise ApiValueError(f"max_bytes: must be a positive int, got {max_bytes!r}")
    parsed = _checked_url(url)
    for _ in range(_MAX_REDIRECTS + 1):
        url = parsed.url  # what is sent is what was checked
        response = _get(client, parsed, timeout)
        if response.status not in _REDIRECTS:
            return _read_image(client, response, url, max_bytes)
        location = response.getheader("location")
        response.release()
        if not location:
            raise _error(response, url, "a redirect without a Location header")
        try:
            if "\\" in location or any(ord(c) < 0x20 or ord(c) == 0x7F for c in location):
                raise UnsafeUrl(f"it holds a backslash or a control character{_READ_DIFFERENTLY}")
            target = parse_http_url(urljoin(url, location))
        except UnsafeUrl as e:
            raise _error(response, url, f"refusing a redirect to an unsafe URL: {e}") from None
        if parsed.scheme == "https" and target.scheme != "https":
            shown = redact_url(target.url)
            raise _error(response, url, f"refusing a redirect from https to {shown}")
        parsed = target
    raise ImageDownloadError(message=f"more than {_MAX_REDIRECTS} redirects from the image URL")


def fetch_image(
    url: str,
    client: Optional[ImageClient],
    *,
    timeout: TimeoutValue = None,
    max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
) -> bytes:
    """The bytes at ``url``, as the models' ``url`` images read them.

    :func:`download_image` through ``client`` (an ``ApiClient``), else through
    ``ApiClient.get_default()``.
    """
    from openapiopenai.api_client import ApiClient

    api_client = cast(ApiClient, client) if client is not None else ApiClient.get_default()
    return download_image(url, api_client, timeout=timeout, max_bytes=max_bytes).data


def _checked_url(url: str) -> Url:
    try:
        return parse_http_url(url)
    except UnsafeUrl as e:
        shown = redact_url(url) if isinstance(url, str) else type(url).__name__
        raise ApiValueError(f"url: refused {shown!r}: {e}") from None


def _get(client: ApiClient, parsed: Url, timeout: TimeoutValue) -> RESTResponse:
    started = time.monotonic()
    url = parsed.url
    headers = _headers(client, parsed)
    try:
        response = client.rest_client.request("GET", url, headers=headers, _request_timeout=timeout)
    except ApiException as error:
        _log(url, started, f"failed ({type(error).__name__}: {error})")
        raise
    _log(url, started, f"{response.status} ({response.getheader('content-length') or '?'} bytes)")
    return response


def _headers(client: ApiClient, parsed: Url) -> dict[str, str]:
    """The client's own headers, auth included, for its API host; only the basics elsewhere."""
    try:
        api_origin = _origin(parse_http_url(client.configuration.host))
    except UnsafeUrl:
        api_origin = None
    if _origin(parsed) == api_origin:
        from openapiopenai.models.images_response import ImagesResponse

        request = ApiRequest("download_image", "GET", parsed.path or "/", ImagesResponse)
        headers = client._headers(request, parsed.url)
        headers.pop("Content-Type", None)
    else:
        headers = {"User-Agent": client.user_agent}
    headers["Accept"] = "image/*"
    return headers


def _log(url: str, started: float, outcome: str) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.debug(
            "GET %s (image download) -> %s in %.0f ms", redact_url(url), outcome, elapsed_ms
        )


def _read_image(client: ApiClient, response: RESTResponse, url: str, max_bytes: int) -> Download:
    if not 200 <= response.status <= 299:
        body = _read_capped(response, _ERROR_BODY_LIMIT, truncate=True)
        raise _status_error(client, response, url, body)
    content_type = (response.getheader("content-type") or "").split(";")[0].strip().lower()
    if not (content_type.startswith("image/") or content_type in _GENERIC_TYPES):
        response.release()
        raise _error(response, url, f"expected an image, got {content_type}")
    declared = response.getheader("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        response.release()
        raise _error(response, url, _too_big(max_bytes, f"{int(declared)} bytes declared"))
    data = _read_capped(response, max_bytes, truncate=False)
    if data is None:
        raise _error(response, url, _too_big(max_bytes, "the body kept going"))
    if content_type in _GENERIC_TYPES:
        sniffed = sniff_image_type(data[:16])
        if sniffed is None:
            raise _error(response, url, f"expected an image, got {content_type or 'no type'}")
        content_type = sniffed[0]
    return Download(data, content_type)


def _read_capped(response: RESTResponse, limit: int, *, truncate: bool) -> Optional[bytes]:
    """The body, read as it arrives; past ``limit`` bytes: the first ``limit`` or ``None``."""
    chunks: list[bytes] = []
    total = 0
    stream = response.stream()  # a generator: closing it releases the connection
    try:
        for chunk in stream:
            total += len(chunk)
            if total > limit:
                if not truncate:
                    return None
                chunks.append(chunk[: len(chunk) - (total - limit)])
                break
            chunks.append(chunk)
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    return b"".join(chunks)


def _too_big(max_bytes: int, detail: str) -> str:
    return f"the image is larger than the {max_bytes} bytes cap ({detail}); raise max_bytes"


def _error(response: RESTResponse, url: str, what: str) -> ImageDownloadError:
    return ImageDownloadError(
        response.status,
        response.reason,
        headers=response.getheaders(),
        message=f"downloading {redact_url(url)}: {what}",
    )


def _status_error(
    client: ApiClient, response: RESTResponse, url: str, body: Optional[bytes]
) -> ImageDownloadError:
    body = client._redact(body or b"")
    detail = _describe_body(body)
    suffix = f" ({detail})" if detail else ""
    if response.status in _EXPIRED:
        return ImageUrlExpiredError(
            response.status,
            response.reason,
            body=body,
            headers=response.getheaders(),
            message=(
                f"the image URL {redact_url(url)} has expired or does not exist{suffix}; "
                "image URLs are valid for 60 minutes: download sooner, or ask for "
                "response_format='b64_json'"
            ),
        )
    return ImageDownloadError(
        response.status,
        response.reason,
        body=body,
        headers=response.getheaders(),
        message=f"downloading {redact_url(url)} failed{suffix}",
    )


_XML_TAG = re.compile(rb"<(Code|Message|AuthenticationErrorDetail)>([^<]{1,300})</\1>")


def _describe_body(body: bytes) -> str:
    """The error code and reason of a blob-storage XML error body, if it is one."""
    found = {
        name.decode(): text.decode("utf-8", "replace") for name, text in _XML_TAG.findall(body)
    }
    code = found.get("Code")
    reason = found.get("AuthenticationErrorDetail") or found.get("Message")
    reason = " ".join(reason.split()) if reason else None
    return ": ".join(part for part in (code, reason) if part)
