"""Many image requests at once: a bounded thread pool sharing one client, results in order.

A failed request does not fail the batch: each item's result holds its value or its
error.  ``dall-e-3`` makes one image per call, so :meth:`ImagesBatch.generate` fans a
request for ``n`` images out into as many calls as the model needs::

    from openapiopenai.batch import ImagesBatch

    batch = ImagesBatch(api, max_workers=8)
    results = batch.generate(CreateImageRequest(model="dall-e-3", prompt="an otter"), n=8)
    results.save("out/")          # the images of every call that succeeded
    for failed in results.errors:
        print(failed.index, failed.error)

At most ``max_workers`` requests are in flight at any moment.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Generic, Optional, TypeVar, Union, overload

from openapiopenai.exceptions import ApiTypeError, ApiValueError

if TYPE_CHECKING:
    from openapiopenai._results import PathArg
    from openapiopenai.api.images_api import ImagesApi
    from openapiopenai.api_client import ApiClient
    from openapiopenai.models.create_image_request import CreateImageRequest
    from openapiopenai.models.image import Image
    from openapiopenai.models.images_response import ImagesResponse

__all__ = ["BatchResult", "BatchResults", "ImagesBatch", "fan_out"]

T = TypeVar("T")
X = TypeVar("X")

#: Images one call may ask for when the model has no rule of its own.
DEFAULT_MAX_N = 10


@dataclass(frozen=True)
class BatchResult(Generic[T]):
    """The outcome of one item: ``value`` or ``error`` (never both), and how long it took."""

    index: int
    item: Any
    value: Optional[T]
    error: Optional[Exception]
    elapsed: float

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.error is None

    def unwrap(self) -> T:
        """The value, or raise the error this item failed with."""
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]  # None only for a func returning it


class BatchResults(Sequence[BatchResult[T]], Generic[T]):
    """The results of a batch, in input order, whatever order they finished in."""

    def __init__(self, results: Iterable[BatchResult[T]]) -> None:
        self._results = list(results)

    @overload
    def __getitem__(self, index: int) -> BatchResult[T]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[BatchResult[T]]: ...

    def __getitem__(
        self, index: Union[int, slice]
    ) -> Union[BatchResult[T], Sequence[BatchResult[T]]]:
        return self._results[index]

    def __len__(self) -> int:
        return len(self._results)

    def __iter__(self) -> Iterator[BatchResult[T]]:
        return iter(self._results)

    def __repr__(self) -> str:
        return f"<BatchResults {len(self) - len(self.errors)} ok, {len(self.errors)} failed>"

    @property
    def ok(self) -> bool:
        """Whether every item succeeded."""
        return all(r.ok for r in self._results)

    @property
    def values(self) -> list[T]:
        """The values of the items that succeeded, in input order."""
        return [r.value for r in self._results if r.error is None]  # type: ignore[misc]

    @property
    def errors(self) -> list[BatchResult[T]]:
        """The items that failed, in input order."""
        return [r for r in self._results if r.error is not None]

    def unwrap(self) -> list[T]:
        """Every value, in input order; raises the first error if any item failed."""
        return [r.unwrap() for r in self._results]

    @property
    def images(self) -> list[Image]:
        """The images of every successful response, in input order."""
        return [image for response in self.values for image in getattr(response, "data", [])]

    def _repr_html_(self) -> str:
        from openapiopenai._display import batch_html

        return batch_html(self)

    def save(self, directory: PathArg, prefix: str = "image", **options: Any) -> list[Path]:
        """Save :attr:`images` as ``ImagesResponse.save`` does; returns the paths written."""
        from openapiopenai._results import save_images

        return save_images(self.images, directory, prefix, **options)


class ImagesBatch:
    """Runs image requests on at most ``max_workers`` threads, all through one client.

    ``api`` is an ``ImagesApi``, an ``ApiClient`` (wrapped in one) or ``None`` for the
    default client.  The client's connection pool should hold ``max_workers`` connections
    (``Configuration(connection_pool_maxsize=...)``; it defaults to 64, or 5 per CPU if more).
    """

    def __init__(
        self, api: Union[ImagesApi, ApiClient, None] = None, *, max_workers: int = 4
    ) -> None:
        from openapiopenai.api.images_api import ImagesApi
        from openapiopenai.api_client import ApiClient

        if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
            raise ApiValueError(f"max_workers: must be an int of at least 1, got {max_workers!r}")
        if api is None or isinstance(api, ApiClient):
            api = ImagesApi(api)
        elif not isinstance(api, ImagesApi):
            raise ApiTypeError(
                f"api: expected an ImagesApi or an ApiClient, got {type(api).__name__}"
            )
        self.api: ImagesApi = api
        self.max_workers = max_workers

    def map(
        self,
        func: Callable[[ImagesApi, X], T],
        items: Iterable[X],
        *,
        on_result: Optional[Callable[[BatchResult[T]], None]] = None,
    ) -> BatchResults[T]:
        """Call ``func(api, item)`` for every item, concurrently; results in input order.

        An exception raised by ``func`` becomes that item's ``error``.  ``on_result`` is
        called (in this thread) as each item finishes, in completion order.
        """
        work = _listed("items", items)
        results: list[Optional[BatchResult[T]]] = [None] * len(work)
        if not work:
            return BatchResults([])
        api = self.api
        executor = ThreadPoolExecutor(
            max_workers=min(self.max_workers, len(work)), thread_name_prefix="openapiopenai-batch"
        )

        def one(index: int, item: X) -> BatchResult[T]:
            started = time.monotonic()
            try:
                value = func(api, item)
            except Exception as error:
                return BatchResult(index, item, None, error, time.monotonic() - started)
            return BatchResult(index, item, value, None, time.monotonic() - started)

        try:
            futures: list[Future[BatchResult[T]]] = [
                executor.submit(one, i, item) for i, item in enumerate(work)
            ]
            for future in as_completed(futures):
                result = future.result()
                results[result.index] = result
                if on_result is not None:
                    on_result(result)
        except BaseException:
            executor.shutdown(wait=False, cancel_futures=True)  # e.g. Ctrl-C: start no more
            raise
        executor.shutdown(wait=True)
        return BatchResults(r for r in results if r is not None)

    def create_images(
        self,
        requests: Iterable[Union[CreateImageRequest, Mapping[str, Any]]],
        *,
        on_result: Optional[Callable[[BatchResult[ImagesResponse]], None]] = None,
    ) -> BatchResults[ImagesResponse]:
        """``create_image`` for every request, concurrently; results in input order."""
        return self.map(_create_image, _listed("requests", requests), on_result=on_result)

    def generate(
        self,
        request: Union[CreateImageRequest, Mapping[str, Any]],
        n: int,
        *,
        on_result: Optional[Callable[[BatchResult[ImagesResponse]], None]] = None,
    ) -> BatchResults[ImagesResponse]:
        """``n`` images of ``request``, split into as many calls as its model needs.

        ``dall-e-3`` takes ``n=1`` only, so 8 images are 8 calls; other models take up to
        10 per call.  ``request``'s own ``n`` is replaced.
        """
        return self.create_images(fan_out(request, n), on_result=on_result)


def _create_image(api: ImagesApi, request: Union[CreateImageRequest, Mapping[str, Any]]) -> Any:
    return api.create_image(request)


#: The most images one fan-out makes (each is a billed call's worth): more is a mistake.
MAX_IMAGES = 10_000


def fan_out(
    request: Union[CreateImageRequest, Mapping[str, Any]], n: int
) -> list[CreateImageRequest]:
    """Copies of ``request`` whose ``n`` add up to ``n``, each within its model's per-call limit."""
    from openapiopenai import _validation
    from openapiopenai.models._model_name import unwrap_model_name
    from openapiopenai.models.create_image_request import CreateImageRequest

    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_IMAGES:
        raise ApiValueError(f"n: must be an int from 1 to {MAX_IMAGES}, got {n!r}")
    if isinstance(request, Mapping):
        request = _validation.validated(CreateImageRequest, request)
    elif not isinstance(request, CreateImageRequest):
        raise ApiTypeError(f"request: expected a CreateImageRequest, got {type(request).__name__}")
    rules = _validation.GENERATION_RULES.get(unwrap_model_name(request.model) or "dall-e-2")
    per_call = rules.n_max if rules is not None else DEFAULT_MAX_N
    counts = [per_call] * (n // per_call) + ([n % per_call] if n % per_call else [])
    return [request.model_copy(update={"n": count}) for count in counts]


def _listed(name: str, items: Any) -> list[Any]:
    """``items`` as a list; one mapping or string (iterable, but one item) is an error."""
    if isinstance(items, (Mapping, str, bytes)) or not isinstance(items, Iterable):
        kind = type(items).__name__
        raise ApiTypeError(f"{name}: expected a list (or other iterable) of items, got {kind}")
    return list(items)
