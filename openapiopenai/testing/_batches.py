"""The test server's Batch API: batches that run on the server's clock.

A batch moves ``validating -> in_progress -> finalizing -> completed``, each phase lasting
what :class:`BatchTiming` says in seconds of the server's clock (pass a controllable clock
to ``ImagesServer`` to step through them without sleeping).  Its state is brought up to
date whenever it is read, so nothing runs in the background: on entering ``in_progress``
the input file is checked (and the batch ``failed`` with the API's ``errors`` if it breaks
the rules), and the lines then run against the local Images service in proportion to the
phase's elapsed time.  ``cancel`` gives ``cancelling -> cancelled`` and a passed deadline
``expired``, both with the lines that ran in the output and error files.
"""

from __future__ import annotations

import json
import math
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from openapiopenai.testing._errors import ApiError
from openapiopenai.testing._files import FileStore

__all__ = ["IMAGE_ENDPOINTS", "BatchEngine", "BatchTiming", "Runner"]

#: The endpoints the test server can run (the API takes more; see ``CreateBatchRequest``).
IMAGE_ENDPOINTS = ("/v1/images/generations", "/v1/images/edits")
#: Runs one line: ``(url, body, base_url) -> (status, response body)``.
Runner = Callable[[str, Any, str], "tuple[int, dict[str, Any]]"]

COMPLETION_WINDOW = 24 * 3600
#: Errors reported at most per batch (the API stops listing after some too).
_MAX_ERRORS = 100


@dataclass
class BatchTiming:
    """Seconds (of the server's clock) each phase of a batch lasts."""

    validating: float = 1.0
    in_progress: float = 2.0
    finalizing: float = 1.0
    cancelling: float = 1.0


@dataclass
class _Line:
    number: int
    custom_id: str
    url: str
    body: Any


@dataclass
class _Batch:
    obj: dict[str, Any]
    base_url: str
    lines: list[_Line] = field(default_factory=list)
    outputs: list[bytes] = field(default_factory=list)
    errors: list[bytes] = field(default_factory=list)
    done: int = 0  # lines run so far
    usage: dict[str, int] = field(
        default_factory=lambda: {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
    )


class BatchEngine:
    """Thread-safe batches over a :class:`FileStore`."""

    def __init__(self, files: FileStore, clock: Callable[[], float], runner: Runner) -> None:
        self._files = files
        self._clock = clock
        self._run = runner
        self.timing = BatchTiming()
        #: The API's limits for an input file ("up to 50,000 requests" and "200 MB").
        self.max_lines = 50000
        self.max_bytes = 200 * 1024 * 1024
        self._batches: dict[str, _Batch] = {}
        self._order: list[str] = []
        self._lock = threading.Lock()

    # --- operations --------------------------------------------------------------------

    def create(self, params: dict[str, Any], base_url: str) -> dict[str, Any]:
        now = int(self._clock())
        batch_id = f"batch_{secrets.token_hex(12)}"
        obj: dict[str, Any] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": params["endpoint"],
            "model": None,
            "errors": None,
            "input_file_id": params["input_file_id"],
            "completion_window": params["completion_window"],
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": now,
            "in_progress_at": None,
            "expires_at": now + COMPLETION_WINDOW,
            "finalizing_at": None,
            "completed_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": params.get("metadata"),
        }
        with self._lock:
            self._batches[batch_id] = _Batch(obj, base_url)
            self._order.append(batch_id)
        return dict(obj)

    def get(self, batch_id: str) -> dict[str, Any]:
        with self._lock:
            return dict(self._current(batch_id).obj)

    def listing(self, after: str | None, limit: int) -> tuple[list[dict[str, Any]], bool]:
        """A page of batches, newest first, after the batch ``after``."""
        with self._lock:
            ids = self._order[::-1]
            if after is not None:
                ids = ids[ids.index(after) + 1 :] if after in ids else []
            page = [dict(self._current(i).obj) for i in ids[:limit]]
            return page, len(ids) > limit

    def cancel(self, batch_id: str) -> dict[str, Any]:
        with self._lock:
            batch = self._current(batch_id)
            status = batch.obj["status"]
            if status not in ("validating", "in_progress", "finalizing"):
                raise ApiError(
                    409,
                    f"Cannot cancel a batch with status '{status}'.",
                    code="batch_not_cancellable",
                )
            batch.obj["status"] = "cancelling"
            batch.obj["cancelling_at"] = int(self._clock())
            return dict(self._advance(batch).obj)

    # --- the state machine -------------------------------------------------------------

    def _current(self, batch_id: str) -> _Batch:
        batch = self._batches.get(batch_id)
        if batch is None:
            raise ApiError(404, f"No batch found with id '{batch_id}'.", param="batch_id")
        return self._advance(batch)

    def _advance(self, batch: _Batch) -> _Batch:
        now = self._clock()
        obj, timing = batch.obj, self.timing
        while True:
            status = obj["status"]
            if status == "validating":
                start = obj["created_at"] + timing.validating
                if now < start:
                    return batch
                if start >= obj["expires_at"]:
                    self._finish(batch, "expired", obj["expires_at"])
                    return batch
                self._validate(batch, start)
            elif status == "in_progress":
                self._run_due(batch, now)
                if batch.done < len(batch.lines):
                    if now >= obj["expires_at"]:
                        self._finish(batch, "expired", obj["expires_at"])
                    return batch
                obj["status"] = "finalizing"
                obj["finalizing_at"] = int(min(now, obj["in_progress_at"] + timing.in_progress))
            elif status == "finalizing":
                at = obj["finalizing_at"] + timing.finalizing
                if now < at:
                    return batch
                self._finish(batch, "completed", at)
            elif status == "cancelling":
                at = obj["cancelling_at"] + timing.cancelling
                if now < at:
                    return batch
                self._finish(batch, "cancelled", at)
            else:
                return batch

    def _validate(self, batch: _Batch, at: float) -> None:
        obj = batch.obj
        errors = self._input_errors(batch)
        if errors:
            obj["status"] = "failed"
            obj["failed_at"] = int(at)
            obj["errors"] = {"object": "list", "data": errors[:_MAX_ERRORS]}
            return
        obj["status"] = "in_progress"
        obj["in_progress_at"] = int(at)
        obj["request_counts"]["total"] = len(batch.lines)
        models = {line.body.get("model") for line in batch.lines}
        obj["model"] = models.pop() if len(models) == 1 else None

    def _input_errors(self, batch: _Batch) -> list[dict[str, Any]]:
        """The API's ``errors`` for an input file that breaks the rules (none: it is fine)."""
        file_id = batch.obj["input_file_id"]
        stored = self._files.get(file_id)
        if stored is None:
            return [_error("file_not_found", f"The input file {file_id} was not found.")]
        if stored.purpose != "batch":
            return [
                _error(
                    "invalid_file_purpose",
                    f"The input file must be uploaded with purpose 'batch', not"
                    f" '{stored.purpose}'.",
                    "input_file_id",
                )
            ]
        if stored.bytes > self.max_bytes:
            return [
                _error(
                    "file_too_large",
                    f"The input file is {stored.bytes} bytes; a batch input file can be at"
                    f" most {self.max_bytes} bytes.",
                    "input_file_id",
                )
            ]
        content = self._files.read(file_id) or b""
        raw_lines = content.split(b"\n")
        while raw_lines and not raw_lines[-1].strip():
            raw_lines.pop()
        if not raw_lines:
            return [_error("empty_file", "The input file is empty.", "input_file_id")]
        if len(raw_lines) > self.max_lines:
            return [
                _error(
                    "too_many_tasks",
                    f"The number of requests in the batch exceeds the maximum of"
                    f" {self.max_lines:,}.",
                )
            ]
        errors: list[dict[str, Any]] = []
        seen: set[str] = set()
        endpoint = batch.obj["endpoint"]
        for number, raw in enumerate(raw_lines, start=1):
            try:
                item = json.loads(raw)
            except (UnicodeDecodeError, json.JSONDecodeError):
                errors.append(
                    _error(
                        "invalid_json_line",
                        "This line is not parseable as valid JSON.",
                        None,
                        number,
                    )
                )
                continue
            problem = _line_problem(item, endpoint)
            if problem is not None:
                errors.append({**problem, "line": number})
                continue
            custom_id = item["custom_id"]
            if custom_id in seen:
                errors.append(
                    _error(
                        "duplicate_custom_id",
                        "The custom_id for this request is a duplicate of another request. The"
                        " custom_id parameter must be unique for each request in a batch.",
                        "custom_id",
                        number,
                    )
                )
                continue
            seen.add(custom_id)
            batch.lines.append(_Line(number, custom_id, item["url"], item["body"]))
        if errors:
            batch.lines.clear()
        return errors

    def _run_due(self, batch: _Batch, now: float) -> None:
        """Run the lines whose time has come (all of them once the phase has elapsed)."""
        obj, total = batch.obj, len(batch.lines)
        elapsed = min(now, obj["expires_at"]) - obj["in_progress_at"]
        span = self.timing.in_progress
        due = total if span <= 0 else min(total, math.floor(total * max(0.0, elapsed) / span))
        while batch.done < due:
            self._run_line(batch, batch.lines[batch.done])
            batch.done += 1

    def _run_line(self, batch: _Batch, line: _Line) -> None:
        status, body = self._run(line.url, line.body, batch.base_url)
        record = {
            "id": f"batch_req_{secrets.token_hex(12)}",
            "custom_id": line.custom_id,
            "response": {
                "status_code": status,
                "request_id": f"req_{secrets.token_hex(16)}",
                "body": body,
            },
            "error": None,
        }
        counts = batch.obj["request_counts"]
        if 200 <= status <= 299:
            batch.outputs.append(json.dumps(record).encode() + b"\n")
            counts["completed"] += 1
            usage = body.get("usage") if isinstance(body, dict) else None
            if isinstance(usage, dict):
                for key in batch.usage:
                    value = usage.get(key)
                    batch.usage[key] += value if isinstance(value, int) else 0
        else:
            batch.errors.append(json.dumps(record).encode() + b"\n")
            counts["failed"] += 1

    def _finish(self, batch: _Batch, status: str, at: float) -> None:
        """End the batch: the lines not run are reported as such, and the files written."""
        obj = batch.obj
        if status in ("expired", "cancelled"):
            code, message = (
                (
                    "batch_expired",
                    "This request could not be executed before the completion window expired.",
                )
                if status == "expired"
                else (
                    "batch_cancelled",
                    "This request was not executed because the batch was cancelled.",
                )
            )
            for line in batch.lines[batch.done :]:
                record = {
                    "id": f"batch_req_{secrets.token_hex(12)}",
                    "custom_id": line.custom_id,
                    "response": None,
                    "error": {"code": code, "message": message},
                }
                batch.errors.append(json.dumps(record).encode() + b"\n")
                obj["request_counts"]["failed"] += 1
            batch.done = len(batch.lines)
        batch_id = obj["id"]
        if batch.outputs:
            stored = self._files.put(batch.outputs, f"{batch_id}_output.jsonl", "batch_output")
            obj["output_file_id"] = stored.id
        if batch.errors:
            stored = self._files.put(batch.errors, f"{batch_id}_error.jsonl", "batch_output")
            obj["error_file_id"] = stored.id
        batch.outputs, batch.errors = [], []
        obj["status"] = status
        obj[f"{status}_at"] = int(at)
        if batch.lines and status != "failed":
            used = batch.usage
            obj["usage"] = {
                "input_tokens": used["input_tokens"],
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": used["output_tokens"],
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": used["total_tokens"],
            }


def _error(
    code: str, message: str, param: str | None = None, line: int | None = None
) -> dict[str, Any]:
    return {"code": code, "message": message, "param": param, "line": line}


def _line_problem(item: Any, endpoint: str) -> dict[str, Any] | None:
    """What is wrong with one parsed input line, as an ``errors`` entry without its line."""
    if not isinstance(item, dict):
        return _error("invalid_request", "Each line must be a JSON object.")
    for name, kind in (("custom_id", str), ("method", str), ("url", str), ("body", dict)):
        if not isinstance(item.get(name), kind):
            return _error(
                "invalid_request",
                f"Missing or invalid '{name}' in this request.",
                name,
            )
    if not item["custom_id"]:
        return _error("invalid_request", "The custom_id must not be empty.", "custom_id")
    if item["method"] != "POST":
        return _error("invalid_request", "Only the POST method is supported.", "method")
    if item["url"] != endpoint:
        return _error(
            "url_mismatch",
            f"The URL provided for this request ('{item['url']}') does not match the batch"
            f" endpoint ('{endpoint}').",
            "url",
        )
    unknown = set(item) - {"custom_id", "method", "url", "body"}
    if unknown:
        return _error("invalid_request", f"Unknown field '{sorted(unknown)[0]}' in this request.")
    return None
