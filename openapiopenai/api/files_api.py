"""``FilesApi``: upload, list, retrieve, delete and download files.

Each operation is written once, as the function that checks its arguments and builds the
request; :func:`~openapiopenai.api._operation.operation` derives the other call styles.
Uploads stream from a path, a binary file object or bytes; downloads can go straight to
a path (:meth:`FilesApi.download_file_to`) or be read in chunks
(:meth:`FilesApi.iter_file_content`), never held whole.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Optional, Union

from typing_extensions import Unpack

from openapiopenai import _validation
from openapiopenai._file_types import FileInput, check_path_text
from openapiopenai._multipart import MultipartBody, file_part
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
from openapiopenai.exceptions import ApiTypeError, ApiValueError
from openapiopenai.models.batch_file_expiration_after import BatchFileExpirationAfter
from openapiopenai.models.delete_file_response import DeleteFileResponse
from openapiopenai.models.list_files_response import ListFilesResponse
from openapiopenai.models.open_ai_file import OpenAIFile

if TYPE_CHECKING:
    from openapiopenai.api_client import ApiClient

__all__ = ["FilesApi"]

#: What ``create_file`` takes as ``purpose``.
UploadPurpose = Literal["assistants", "batch", "fine-tune", "vision", "user_data", "evals"]
_PURPOSES: tuple[str, ...] = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
#: "Individual files can be up to 512 MB"; "the Batch API only supports .jsonl files up to
#: 200 MB in size" (the createFile description).
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_BATCH_FILE_BYTES = 200 * 1024 * 1024
#: ``listFiles``: "Limit can range between 1 and 10,000".
MAX_LIST_LIMIT = 10000
_CHUNK = 256 * 1024


class _FileText:
    """The response type of ``download_file``: the content as text, as the spec types it."""

    @classmethod
    def _from_response_body(cls, body: bytes) -> str:
        return body.decode("utf-8")

    model_validate_json = _from_response_body  # what a client looks for without the above


class FilesApi:
    """The Files operations of the OpenAI API."""

    def __init__(self, api_client: Any = None) -> None:
        self.api_client: ApiClient = api_client_of(api_client)

    @operation
    def create_file(
        self,
        file: FileInput,
        purpose: Union[UploadPurpose, str],
        expires_after: Union[BatchFileExpirationAfter, Mapping[str, Any], None] = None,
        **options: Unpack[RequestOptions],
    ) -> ApiRequest[OpenAIFile]:
        """Upload a file that can be used across various endpoints.

        ``file`` is a path, a binary file object, bytes or a ``(filename, content)``
        tuple; it is streamed, never read whole.  Files can be up to 512 MB; for
        ``purpose="batch"`` a ``.jsonl`` file of up to 200 MB.
        """
        if not isinstance(purpose, str):
            raise ApiTypeError(f"purpose: expected a string, got {type(purpose).__name__}")
        if purpose not in _PURPOSES:
            raise ApiValueError(f"purpose: must be one of {', '.join(_PURPOSES)}, got {purpose!r}")
        if file is None:
            raise ApiTypeError("file: is required (a path, a binary file object or bytes)")
        part = file_part("file", file)
        fields = [("purpose", purpose)]
        if expires_after is not None:
            policy = (
                expires_after
                if isinstance(expires_after, BatchFileExpirationAfter)
                else _validation.validated(BatchFileExpirationAfter, expires_after)
                if isinstance(expires_after, Mapping)
                else None
            )
            if policy is None:
                raise ApiTypeError(
                    "expires_after: expected a BatchFileExpirationAfter, got "
                    f"{type(expires_after).__name__}"
                )
            fields += [
                ("expires_after[anchor]", policy.anchor),
                ("expires_after[seconds]", str(policy.seconds)),
            ]
        if self._checks_on:
            _check_upload(purpose, part.filename, part.size)
        return ApiRequest(
            "create_file",
            "POST",
            "/files",
            OpenAIFile,
            form=MultipartBody(fields, [part]),
            options=options,
        )

    create_file_with_http_info = with_http_info(create_file)
    create_file_without_preload_content = without_preload_content(create_file)

    @operation
    def list_files(
        self,
        purpose: Optional[str] = None,
        limit: Optional[int] = None,
        order: Optional[Literal["asc", "desc"]] = None,
        after: Optional[str] = None,
        **options: Unpack[RequestOptions],
    ) -> ApiRequest[ListFilesResponse]:
        """Returns a list of files (newest first unless ``order="asc"``), one page.

        Page with ``after`` (the ``last_id`` of the previous page) and ``limit`` (1 to
        10,000), or iterate every file with :meth:`iter_files`.
        """
        check_text("purpose", purpose)
        check_text("after", after)
        check_limit(limit, MAX_LIST_LIMIT)
        if order is not None and order not in ("asc", "desc"):
            raise ApiValueError(f"order: must be 'asc' or 'desc', got {order!r}")
        path = with_query("/files", purpose=purpose, limit=limit, order=order, after=after)
        return ApiRequest("list_files", "GET", path, ListFilesResponse, options=options)

    list_files_with_http_info = with_http_info(list_files)
    list_files_without_preload_content = without_preload_content(list_files)

    @operation
    def retrieve_file(
        self, file_id: str, **options: Unpack[RequestOptions]
    ) -> ApiRequest[OpenAIFile]:
        """Returns information about a specific file."""
        path = f"/files/{path_id('file_id', file_id)}"
        return ApiRequest("retrieve_file", "GET", path, OpenAIFile, options=options)

    retrieve_file_with_http_info = with_http_info(retrieve_file)
    retrieve_file_without_preload_content = without_preload_content(retrieve_file)

    @operation
    def delete_file(
        self, file_id: str, **options: Unpack[RequestOptions]
    ) -> ApiRequest[DeleteFileResponse]:
        """Delete a file."""
        path = f"/files/{path_id('file_id', file_id)}"
        return ApiRequest("delete_file", "DELETE", path, DeleteFileResponse, options=options)

    delete_file_with_http_info = with_http_info(delete_file)
    delete_file_without_preload_content = without_preload_content(delete_file)

    @operation  # returns text, not a model (the spec types the content as a string)
    def download_file(self, file_id: str, **options: Unpack[RequestOptions]) -> ApiRequest[str]:
        """Returns the contents of the specified file, as text.

        For large files use :meth:`download_file_to` (straight to disk) or
        :meth:`iter_file_content` (chunks), which never hold the content whole.
        """
        path = f"/files/{path_id('file_id', file_id)}/content"
        text: Any = _FileText  # parsed by its _from_response_body, like a model
        return ApiRequest("download_file", "GET", path, text, options=options)

    download_file_with_http_info = with_http_info(download_file)
    download_file_without_preload_content = without_preload_content(download_file)

    # -- conveniences -----------------------------------------------------------------

    def iter_files(
        self,
        purpose: Optional[str] = None,
        order: Optional[Literal["asc", "desc"]] = None,
        limit: Optional[int] = None,
        **options: Unpack[RequestOptions],
    ) -> Iterator[OpenAIFile]:
        """Every file, fetching pages of ``limit`` as the iteration goes."""

        def fetch(after: Optional[str]) -> ListFilesResponse:
            return self.list_files(purpose, limit, order, after, **options)

        return iter_pages(fetch)

    def iter_file_content(
        self,
        file_id: str,
        chunk_size: int = _CHUNK,
        **options: Unpack[RequestOptions],
    ) -> Iterator[bytes]:
        """The file's content in chunks as they arrive (the connection is released at the end).

        An error status raises its ``ApiException`` before the first chunk.
        """
        response = self.download_file_without_preload_content(file_id, **options)
        if not 200 <= response.status <= 299:
            raise self.api_client._status_error(response, response.read(), 0, options)
        return response.stream(chunk_size)

    def iter_file_lines(self, file_id: str, **options: Unpack[RequestOptions]) -> Iterator[bytes]:
        """The lines of a JSONL file (a batch's output), each without its newline, as they
        arrive: memory holds one line at a time.  Blank lines are skipped."""
        buffer = bytearray()
        for chunk in self.iter_file_content(file_id, **options):
            start = 0
            while True:
                end = chunk.find(b"\n", start)
                if end < 0:
                    buffer += chunk[start:]
                    break
                buffer += chunk[start:end]
                if buffer.strip():
                    yield bytes(buffer)
                buffer.clear()
                start = end + 1
        if buffer.strip():
            yield bytes(buffer)

    def download_file_to(
        self,
        file_id: str,
        path: Union[str, os.PathLike[str]],
        *,
        overwrite: bool = False,
        **options: Unpack[RequestOptions],
    ) -> Path:
        """Write the file's content to ``path`` and return it.

        The content goes to a temporary file beside ``path``, is flushed to disk and then
        renamed into place, so ``path`` never holds a partial download.  An existing
        ``path`` is refused unless ``overwrite``.
        """
        target = Path(os.fspath(path))
        check_path_text("path", str(target))
        if target.exists() and not overwrite:
            raise ApiValueError(f"path: {str(target)!r} exists (pass overwrite=True)")
        if not target.parent.is_dir():
            raise ApiValueError(f"path: no such directory: {str(target.parent)!r}")
        chunks = self.iter_file_content(file_id, **options)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, target)
        except BaseException:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        return target

    @property
    def _checks_on(self) -> bool:
        return bool(self.api_client.configuration.client_side_validation)


def _check_upload(purpose: str, filename: str, size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise ApiValueError(f"file: files can be up to 512 MB, got {size} bytes")
    if purpose == "batch":
        if not filename.lower().endswith(".jsonl"):
            raise ApiValueError(
                f"file: the Batch API takes .jsonl files, got {filename!r} (pass a "
                "(filename, content) tuple to name bytes or a file object)"
            )
        if size > MAX_BATCH_FILE_BYTES:
            raise ApiValueError(f"file: batch input files can be up to 200 MB, got {size} bytes")
