"""``BatchApi``: create, list, retrieve and cancel batches.

Each operation is written once, as the function that checks its arguments and builds the
request; :func:`~openapiopenai.api._operation.operation` derives the other call styles.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from typing_extensions import Unpack

from openapiopenai import _validation
from openapiopenai._request import ApiRequest, RequestOptions
from openapiopenai.api._common import (
    api_client_of,
    check_limit,
    check_text,
    iter_pages,
    path_id,
    with_query,
)
from openapiopenai.api._operation import operation, with_http_info, without_preload_content
from openapiopenai.exceptions import ApiTimeoutError, ApiTypeError, ApiValueError
from openapiopenai.models.batch import Batch
from openapiopenai.models.create_batch_request import CreateBatchRequest
from openapiopenai.models.list_batches_response import ListBatchesResponse

if TYPE_CHECKING:
    from openapiopenai.api_client import ApiClient

__all__ = ["BatchApi"]

#: ``listBatches``: "Limit can range between 1 and 100".
MAX_LIST_LIMIT = 100
#: ``Metadata``: "16 key-value pairs ... keys ... 64 characters ... values ... 512".
MAX_METADATA_PAIRS = 16
MAX_METADATA_KEY = 64
MAX_METADATA_VALUE = 512


class BatchApi:
    """The Batch operations of the OpenAI API."""

    def __init__(self, api_client: Any = None) -> None:
        self.api_client: ApiClient = api_client_of(api_client)

    @operation
    def create_batch(
        self,
        create_batch_request: Union[CreateBatchRequest, Mapping[str, Any]],
        **options: Unpack[RequestOptions],
    ) -> ApiRequest[Batch]:
        """Creates and executes a batch from an uploaded file of requests.

        ``create_batch_request`` is a :class:`CreateBatchRequest` (or a dict of its
        fields): ``input_file_id``, ``endpoint`` (e.g. ``/v1/images/generations``),
        ``completion_window`` (``24h``) and optionally ``metadata``.
        """
        if isinstance(create_batch_request, Mapping):
            request = _validation.validated(CreateBatchRequest, create_batch_request)
        elif isinstance(create_batch_request, CreateBatchRequest):
            request = create_batch_request
        else:
            raise ApiTypeError(
                "create_batch_request: expected a CreateBatchRequest, got "
                f"{type(create_batch_request).__name__}"
            )
        if request.metadata is not None:
            check_metadata(request.metadata)
        return ApiRequest("create_batch", "POST", "/batches", Batch, json=request, options=options)

    create_batch_with_http_info = with_http_info(create_batch)
    create_batch_without_preload_content = without_preload_content(create_batch)

    @operation
    def list_batches(
        self,
        after: Optional[str] = None,
        limit: Optional[int] = None,
        **options: Unpack[RequestOptions],
    ) -> ApiRequest[ListBatchesResponse]:
        """List your organization's batches, one page (``limit`` 1 to 100, default 20).

        Page with ``after`` (the ``last_id`` of the previous page), or iterate every batch
        with :meth:`iter_batches`.
        """
        check_text("after", after)
        check_limit(limit, MAX_LIST_LIMIT)
        path = with_query("/batches", after=after, limit=limit)
        return ApiRequest("list_batches", "GET", path, ListBatchesResponse, options=options)

    list_batches_with_http_info = with_http_info(list_batches)
    list_batches_without_preload_content = without_preload_content(list_batches)

    @operation
    def retrieve_batch(self, batch_id: str, **options: Unpack[RequestOptions]) -> ApiRequest[Batch]:
        """Retrieves a batch."""
        path = f"/batches/{path_id('batch_id', batch_id)}"
        return ApiRequest("retrieve_batch", "GET", path, Batch, options=options)

    retrieve_batch_with_http_info = with_http_info(retrieve_batch)
    retrieve_batch_without_preload_content = without_preload_content(retrieve_batch)

    @operation
    def cancel_batch(self, batch_id: str, **options: Unpack[RequestOptions]) -> ApiRequest[Batch]:
        """Cancels an in-progress batch: ``cancelling``, then ``cancelled`` with partial results."""
        path = f"/batches/{path_id('batch_id', batch_id)}/cancel"
        return ApiRequest("cancel_batch", "POST", path, Batch, options=options)

    cancel_batch_with_http_info = with_http_info(cancel_batch)
    cancel_batch_without_preload_content = without_preload_content(cancel_batch)

    # -- conveniences -----------------------------------------------------------------

    def iter_batches(
        self, limit: Optional[int] = None, **options: Unpack[RequestOptions]
    ) -> Iterator[Batch]:
        """Every batch, fetching pages of ``limit`` as the iteration goes."""

        def fetch(after: Optional[str]) -> ListBatchesResponse:
            return self.list_batches(after, limit, **options)

        return iter_pages(fetch)

    def wait_for_batch(
        self,
        batch_id: str,
        *,
        poll_interval: float = 30.0,
        timeout: Optional[float] = None,
        sleep: Callable[[float], None] = time.sleep,
        **options: Unpack[RequestOptions],
    ) -> Batch:
        """Poll ``retrieve_batch`` until the batch is done (completed, failed, expired or
        cancelled) and return it; ``ApiTimeoutError`` after ``timeout`` seconds."""
        if not poll_interval > 0:
            raise ApiValueError(f"poll_interval: must be greater than 0, got {poll_interval!r}")
        started = time.monotonic()
        while True:
            batch = self.retrieve_batch(batch_id, **options)
            if batch.is_done:
                return batch
            if timeout is not None and time.monotonic() - started >= timeout:
                raise ApiTimeoutError(
                    f"batch {batch_id} still {batch.status} after {timeout} s",
                    phase="read",
                    request_sent=True,
                )
            sleep(poll_interval)


def check_metadata(metadata: Mapping[str, str]) -> None:
    """The API's metadata limits: 16 pairs, keys up to 64 and values up to 512 characters."""
    if len(metadata) > MAX_METADATA_PAIRS:
        raise ApiValueError(f"metadata: at most {MAX_METADATA_PAIRS} pairs, got {len(metadata)}")
    for key, value in metadata.items():
        if len(key) > MAX_METADATA_KEY:
            raise ApiValueError(f"metadata: keys are at most {MAX_METADATA_KEY} characters")
        if len(value) > MAX_METADATA_VALUE:
            raise ApiValueError(
                f"metadata[{key!r}]: values are at most {MAX_METADATA_VALUE} characters"
            )
