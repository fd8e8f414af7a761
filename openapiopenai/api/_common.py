"""What the Files and Batch operations share: ids in paths, query strings, paging."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable, Optional, TypeVar
from urllib.parse import quote, urlencode

from openapiopenai.exceptions import ApiTypeError, ApiValueError

__all__ = ["api_client_of", "iter_pages", "path_id", "with_query"]

T = TypeVar("T")


def api_client_of(api_client: Any) -> Any:
    """The client an API object uses: the given one, or the shared default."""
    from openapiopenai.api_client import ApiClient
    from openapiopenai.configuration import Configuration

    if api_client is None:
        return ApiClient.get_default()
    if not hasattr(api_client, "configuration"):  # duck-typed, as ImagesApi does
        hint = (
            " (wrap it: ApiClient(configuration))" if isinstance(api_client, Configuration) else ""
        )
        raise ApiTypeError(
            f"api_client: expected an ApiClient, got {type(api_client).__name__}{hint}"
        )
    return api_client


def path_id(name: str, value: Any) -> str:
    """``value`` checked as an object id and percent-encoded for a path segment."""
    if not isinstance(value, str):
        raise ApiTypeError(f"{name}: expected a string, got {type(value).__name__}")
    if not value or value.strip() != value:
        raise ApiValueError(f"{name}: must be a non-empty id without surrounding spaces")
    return quote(value, safe="")


def with_query(path: str, **params: Any) -> str:
    """``path`` with the parameters that are not ``None`` as its query string."""
    given = {k: v for k, v in params.items() if v is not None}
    return f"{path}?{urlencode(given)}" if given else path


def check_limit(value: Optional[int], maximum: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiTypeError(f"limit: expected an int, got {type(value).__name__}")
    if not 1 <= value <= maximum:
        raise ApiValueError(f"limit: must be between 1 and {maximum}, got {value}")


def check_text(name: str, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise ApiTypeError(f"{name}: expected a string, got {type(value).__name__}")


def iter_pages(fetch: Callable[[Optional[str]], Any]) -> Iterator[Any]:
    """Every item of a cursor-paged list: ``fetch(after)`` returns one page."""
    after: Optional[str] = None
    seen: set[str] = set()
    while True:
        page = fetch(after)
        yield from page.data
        if not page.has_more or not page.data:
            return
        after = page.last_id or page.data[-1].id
        if after is None or after in seen:  # a server that repeats itself must not loop us
            return
        seen.add(after)
