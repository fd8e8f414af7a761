"""Running a job through the Batch API: half the price, results within the 24 h window.

The requests go into JSONL input files (one endpoint per file, split at 50,000 lines or
200 MB), each uploaded and turned into a batch.  Nothing is sent twice on resume:

1. before ``create_batch`` is called, its requests are recorded ``in_flight`` under the
   uploaded file's id (``file:<id>``), so a process that dies during the call leaves a
   mark; on resume, the batches listed by the API are searched for that input file and
   an existing one is adopted instead of creating a second;
2. the batch's id replaces the mark in the same transaction that records the batch;
3. batches are polled (backing off up to ``poll_interval``) until they end; the output
   file is downloaded to disk and read line by line, each line's images saved under its
   ``custom_id``, each error line recorded; requests a cancelled or expired batch did not
   run go back to ``pending``;
4. the uploaded input file is deleted.

Edits of uploaded files go as JSON edits with the images as data URLs (the Batch API
takes JSON bodies only), so they need a GPT image model; variations have no batch
endpoint and are refused before anything is uploaded.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

from openapiopenai._job_output import OnChange, finish_saving, record_response
from openapiopenai._job_requests import OPERATIONS
from openapiopenai._job_sync import RETRIABLE_STATUSES
from openapiopenai._pacing import MAX_PAUSE
from openapiopenai.exceptions import (
    ApiException,
    ApiTransportError,
    ApiTypeError,
    ApiValueError,
    OpenApiException,
)
from openapiopenai.retry import parse_retry_after

if TYPE_CHECKING:
    from openapiopenai._jobstore import JobStore
    from openapiopenai.api_client import ApiClient

__all__ = ["MAX_BATCH_BYTES", "MAX_BATCH_LINES", "BatchRunner", "check_batchable"]

#: The Batch API's limits for one input file.
MAX_BATCH_LINES = 50_000
MAX_BATCH_BYTES = 200 * 1024 * 1024
_ENDED = frozenset({"completed", "failed", "expired", "cancelled"})
_FILE_MARK = "file:"
#: Tries of one Files/Batch API call that the API keeps answering "later".
_CALL_ATTEMPTS = 8
T = TypeVar("T")
#: A batch that is cancelled or expired reports the requests it did not run with these.
_NOT_RUN_CODES = frozenset({"batch_cancelled", "batch_expired"})


class BatchRunner:
    """Submits a job's requests as batches, polls them and records every line's outcome."""

    def __init__(
        self,
        store: JobStore,
        client: ApiClient,
        directory: Path,
        base_dir: Path,
        *,
        on_change: OnChange,
        poll_interval: float = 30.0,
        sleep: Any = time.sleep,
    ) -> None:
        from openapiopenai.api.batch_api import BatchApi
        from openapiopenai.api.files_api import FilesApi

        if not poll_interval > 0:
            raise ApiValueError(f"poll_interval: must be greater than 0, got {poll_interval!r}")
        self.store = store
        self.client = client
        self.files = FilesApi(client)
        self.batches = BatchApi(client)
        self.directory = directory
        self.work = directory / ".batches"
        self.base_dir = base_dir
        self.on_change = on_change
        self.poll_interval = poll_interval
        self._sleep = sleep

    def run(self, *, resend_unknown: bool) -> bool:
        """Submit what is left, then poll until every batch ended; ``False`` if cancelled."""
        self.work.mkdir(exist_ok=True)
        finish_saving(self.store, self.directory, self.client, self.on_change)
        self._adopt_unrecorded()
        states = ["pending", "failed", *(["unknown"] if resend_unknown else [])]
        ids = self.store.ids_in(states, retriable_only=True)
        if self._cancel_requested():
            return False
        self._submit(ids)
        return self._poll()

    # -- submitting ---------------------------------------------------------------

    def _submit(self, ids: Sequence[str]) -> None:
        by_operation: dict[str, list[str]] = {}
        for request_id in ids:
            stored = self.store.get(request_id)
            check_batchable(request_id, stored.operation, stored.body)
            by_operation.setdefault(stored.operation, []).append(request_id)
        for operation, op_ids in by_operation.items():
            for chunk_path, chunk_ids in self._write_inputs(operation, op_ids):
                if self._cancel_requested():
                    chunk_path.unlink()
                    return
                self._create(operation, chunk_path, chunk_ids)

    def _write_inputs(self, operation: str, ids: Sequence[str]) -> Iterator[tuple[Path, list[str]]]:
        """Input files of at most 50,000 lines and 200 MB, written one at a time."""
        url = OPERATIONS[operation]
        index = 0
        chunk: list[str] = []
        size = 0
        path = self._input_path(operation, index)
        out = path.open("wb")
        try:
            for request_id in ids:
                stored = self.store.get(request_id)
                try:
                    line = _input_line(request_id, url, operation, stored.body, self.base_dir)
                except (ApiValueError, ApiTypeError, OSError) as e:  # a file gone, unreadable
                    self.store.mark_failed(request_id, f"not sent: {e}", retriable=False)
                    self.on_change(request_id, "failed", str(e))
                    continue
                if len(line) > MAX_BATCH_BYTES:
                    raise ApiValueError(
                        f"custom_id {request_id!r}: the request is larger than a batch file"
                    )
                if chunk and (len(chunk) >= MAX_BATCH_LINES or size + len(line) > MAX_BATCH_BYTES):
                    out.close()
                    yield path, chunk
                    index += 1
                    chunk, size = [], 0
                    path = self._input_path(operation, index)
                    out = path.open("wb")
                out.write(line)
                chunk.append(request_id)
                size += len(line)
            out.close()
            if chunk:
                yield path, chunk
            else:
                path.unlink()
        finally:
            out.close()

    def _input_path(self, operation: str, index: int) -> Path:
        return self.work / f"input-{operation}-{int(time.time() * 1000)}-{index}.jsonl"

    def _create(self, operation: str, path: Path, ids: list[str]) -> None:
        # Sent again after a failure: the worst a repeat can do is leave an unused file.
        uploaded = self._retrying(self.files.create_file, path, "batch")
        # Recorded before the batch is created: a crash during the call leaves this mark.
        self.store.mark_many_in_flight(ids, f"{_FILE_MARK}{uploaded.id}")
        path.unlink()
        self._create_batch(operation, uploaded.id)

    def _create_batch(self, operation: str, file_id: str) -> None:
        request = {
            "input_file_id": file_id,
            "endpoint": OPERATIONS[operation],
            "completion_window": "24h",
            "metadata": {"openapiopenai_job": _job_tag(self.directory)},
        }
        try:
            batch = self._retrying(self.batches.create_batch, request, idempotent=False)
        except ApiTransportError as e:
            if not e.request_sent:
                raise
            # The batch may exist: adopt it if the API lists it; if not, the mark stays
            # and the next run looks again before creating one.
            if not self._adopt_unrecorded(create=False):
                raise
            return
        self._record_batch(batch.id, file_id, batch.status or "validating")

    def _record_batch(self, batch_id: str, file_id: str, status: str) -> None:
        ids = self.store.add_batch(batch_id, file_id, status, mark=f"{_FILE_MARK}{file_id}")
        for request_id in ids:
            self.on_change(request_id, "in_flight", f"in batch {batch_id}")

    def _adopt_unrecorded(self, *, create: bool = True) -> bool:
        """Requests recorded for a batch whose id never reached the job file.

        A batch the API lists for the marked input file is adopted; without one, a batch
        is created for the file (unless ``create`` is false).  ``False`` when a mark is
        left unresolved.
        """
        marks = {
            stored.batch_id
            for stored in self.store.iter_requests(["in_flight"])
            if stored.batch_id and stored.batch_id.startswith(_FILE_MARK)
        }
        if not marks:
            return True
        by_file: dict[str, Any] = {}
        for batch in self._retrying(lambda: list(self.batches.iter_batches(limit=100))):
            if batch.input_file_id and batch.input_file_id not in by_file:
                by_file[batch.input_file_id] = batch
        for mark in sorted(m for m in marks if m is not None):
            file_id = mark[len(_FILE_MARK) :]
            found = by_file.get(file_id)
            if found is not None:
                self._record_batch(found.id, file_id, found.status or "validating")
                continue
            if not create:
                return False
            request = self.store.get(self.store.ids_of_batch(mark, ["in_flight"])[0])
            self._create_batch(request.operation, file_id)
        return True

    # -- polling ------------------------------------------------------------------

    def _poll(self) -> bool:
        wait = min(1.0, self.poll_interval)
        cancelled = False
        while True:
            open_batches = [b for b in self.store.batches() if not b["output_done"]]
            if not open_batches:
                return not cancelled
            if self._cancel_requested() and not cancelled:
                cancelled = True
                for row in open_batches:
                    if row["status"] not in _ENDED and row["status"] != "cancelling":
                        with contextlib.suppress(ApiException):
                            self._retrying(self.batches.cancel_batch, row["id"])
            progressed = False
            for row in open_batches:
                batch = self._retrying(self.batches.retrieve_batch, row["id"])
                status = batch.status or row["status"]
                if status != row["status"]:
                    progressed = True
                self.store.update_batch(
                    row["id"],
                    status=status,
                    output_file_id=batch.output_file_id,
                    error_file_id=batch.error_file_id,
                )
                if status in _ENDED:
                    self._collect(row["id"], row["input_file_id"], status, batch)
                    progressed = True
            if progressed:
                wait = min(1.0, self.poll_interval)
                continue
            self._sleep(wait)
            wait = min(self.poll_interval, wait * 2)

    def _collect(self, batch_id: str, input_file_id: str, status: str, batch: Any) -> None:
        """Save a finished batch's results, record its errors, release the rest."""
        for file_id in (batch.output_file_id, batch.error_file_id):
            if file_id:
                self._read_results(batch_id, file_id)
        left = self.store.ids_of_batch(batch_id, ["in_flight"])
        if status == "failed":
            errors = getattr(getattr(batch, "errors", None), "data", None) or []
            reason = "; ".join(str(getattr(e, "message", e)) for e in errors) or "batch failed"
            # A failed batch ran none of its lines (its input broke a rule, or a limit of
            # the account): nothing was billed, so the next run may send them again.
            for request_id in left:
                self.store.mark_failed(
                    request_id, f"batch {batch_id} failed: {reason}", retriable=True
                )
                self.on_change(request_id, "failed", reason)
        else:
            for request_id in left:  # not run: the batch was cancelled or expired
                self.store.mark_pending(request_id, f"not run: batch {batch_id} {status}")
                self.on_change(request_id, "pending", f"batch {status}")
        self.store.update_batch(batch_id, status=status, output_done=True)
        with contextlib.suppress(ApiException):
            self._retrying(self.files.delete_file, input_file_id)

    def _read_results(self, batch_id: str, file_id: str) -> None:
        from openapiopenai._batch_lines import BatchLineError
        from openapiopenai.models.batch_request_output import BatchRequestOutput

        target = self.work / f"{batch_id}-{file_id}.jsonl"
        self._retrying(self.files.download_file_to, file_id, target, overwrite=True)
        in_batch = set(self.store.ids_of_batch(batch_id, ["in_flight"]))
        with target.open("rb") as lines:
            for line in lines:
                if not line.strip():
                    continue
                try:
                    custom_id, response = BatchRequestOutput.parse_images_line(line)
                except BatchLineError as e:
                    self._line_failed(in_batch, e)
                    continue
                except (ApiValueError, OpenApiException):
                    continue  # not a line of ours: nothing to record it under
                if custom_id not in in_batch:
                    continue  # already recorded (a file read again after a crash)
                request_id = _line_request_id(line)
                record_response(
                    self.store,
                    self.directory,
                    custom_id,
                    response,
                    request_id,
                    self.client,
                    self.on_change,
                )
                in_batch.discard(custom_id)
        target.unlink()

    def _line_failed(self, in_batch: set[str], error: Any) -> None:
        custom_id = error.custom_id
        if custom_id not in in_batch:
            return
        in_batch.discard(custom_id)
        if error.code in _NOT_RUN_CODES:
            self.store.mark_pending(custom_id, str(error))
            self.on_change(custom_id, "pending", str(error))
            return
        retriable = error.status in RETRIABLE_STATUSES
        self.store.mark_failed(custom_id, str(error), retriable=retriable)
        self.on_change(custom_id, "failed", str(error))

    def _retrying(
        self, call: Callable[..., T], *args: Any, idempotent: bool = True, **kw: Any
    ) -> T:
        """``call(*args, **kw)``, waited out and sent again while the API says "later".

        A status the API answers without acting (408, 409, 429, 5xx) and a connection
        that failed before the request was sent are retried, backing off (or as the
        server's ``Retry-After`` says) up to ``poll_interval``; so is any transport
        failure of an ``idempotent`` call.  None of these calls is billed: a long 429
        storm slows the job down instead of ending the run.
        """
        wait = 1.0
        for attempt in range(_CALL_ATTEMPTS):
            try:
                return call(*args, **kw)
            except ApiTransportError as e:
                if attempt == _CALL_ATTEMPTS - 1 or (e.request_sent and not idempotent):
                    raise
                delay = min(wait, self.poll_interval)
            except ApiException as e:
                if attempt == _CALL_ATTEMPTS - 1 or e.status not in RETRIABLE_STATUSES:
                    raise
                asked = parse_retry_after(e.headers or {})
                delay = min(asked if asked is not None else wait, MAX_PAUSE)
            self._sleep(delay)
            wait *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _cancel_requested(self) -> bool:
        return self.store.get_meta("cancel") is not None


def check_batchable(custom_id: str, operation: str, body: dict[str, Any]) -> None:
    """Refuse a request the Batch API cannot take (before anything is sent)."""
    if operation == "variation":
        raise ApiValueError(
            f"custom_id {custom_id!r}: variations cannot go through the Batch API"
            " (it has no variations endpoint); run them in sync mode"
        )
    if operation == "edit" and "images" not in body:
        _check_json_edit_model(custom_id, body)


def _check_json_edit_model(custom_id: str, body: dict[str, Any]) -> None:
    model = body.get("model")
    if not isinstance(model, str) or not model.startswith("gpt-image"):
        raise ApiValueError(
            f"custom_id {custom_id!r}: model: an edit in a batch is sent as JSON, which only "
            "the GPT image models take; name one (e.g. gpt-image-1)"
        )


def _input_line(
    custom_id: str, url: str, operation: str, body: dict[str, Any], base_dir: Path
) -> bytes:
    if operation == "edit":
        body = _json_edit(custom_id, body, base_dir)
    line = {"custom_id": custom_id, "method": "POST", "url": url, "body": body}
    return json.dumps(line, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def _json_edit(custom_id: str, body: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """An edit of uploaded files as the JSON edit body, its files as data URLs."""
    from openapiopenai import _validation
    from openapiopenai._data_url import image_data_url

    if "images" in body:
        return body  # already a JSON edit (images by reference), checked when added

    _check_json_edit_model(custom_id, body)
    fields = {k: v for k, v in body.items() if k not in ("image", "mask")}
    images = body["image"] if isinstance(body["image"], list) else [body["image"]]
    fields["images"] = [{"image_url": image_data_url(_resolved(base_dir, path))} for path in images]
    if body.get("mask") is not None:
        fields["mask"] = {"image_url": image_data_url(_resolved(base_dir, body["mask"]), "mask")}
    from openapiopenai.models.edit_image_body_json_param import EditImageBodyJsonParam

    request = _validation.validated(EditImageBodyJsonParam, fields)
    return dict(json.loads(request.to_json_bytes()))


def _resolved(base_dir: Path, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else base_dir / path


def _line_request_id(line: bytes) -> Optional[str]:
    """The server's request id of one output line (read without parsing its images)."""
    marker = line.find(b'"request_id"')
    if marker == -1:
        return None
    start = line.find(b'"', line.find(b":", marker) + 1)
    end = line.find(b'"', start + 1)
    if start == -1 or end == -1 or end - start > 200:
        return None
    return line[start + 1 : end].decode("utf-8", "replace")


def _job_tag(directory: Path) -> str:
    """A short tag naming the job a batch belongs to (its directory's absolute path)."""
    text = os.path.abspath(directory)
    return text[-512:]
