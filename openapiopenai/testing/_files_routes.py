"""``/v1/files`` and ``/v1/batches`` of the test server, as the API documents them."""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import TYPE_CHECKING, Any

from openapiopenai.testing._batches import IMAGE_ENDPOINTS, BatchEngine
from openapiopenai.testing._errors import ApiError, bad_request
from openapiopenai.testing._files import FileStore

if TYPE_CHECKING:
    from openapiopenai.testing._service import ParsedBody, Request, Response

__all__ = ["FilesRoutes", "handles"]

#: ``createFile`` purposes.
PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
#: "Individual files can be up to 512 MB".
MAX_FILE_BYTES = 512 * 1024 * 1024
#: ``CreateBatchRequest.endpoint``.
BATCH_ENDPOINTS = (
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
    "/v1/images/generations",
    "/v1/images/edits",
    "/v1/videos",
)
_ROUTE = re.compile(r"/v1/(files|batches)(?:/([^/]+))?(?:/(content|cancel))?")


def handles(path: str) -> bool:
    """Whether ``path`` is a Files or Batch route."""
    return _ROUTE.fullmatch(path) is not None


class FilesRoutes:
    """Answers the Files and Batch operations."""

    def __init__(self, files: FileStore, batches: BatchEngine) -> None:
        self.files = files
        self.batches = batches

    def handle(self, request: Request, parsed: ParsedBody) -> Response:
        match = _ROUTE.fullmatch(request.path)
        assert match is not None
        kind, object_id, action = match.groups()
        if object_id is not None:
            object_id = urllib.parse.unquote(object_id)
        query = urllib.parse.parse_qs(request.query, keep_blank_values=True)
        method = request.method
        if kind == "files":
            if object_id is None:
                if method == "POST":
                    return self._create_file(parsed)
                _allow(method, "GET, POST")
                return self._list_files(query)
            if action == "content":
                _allow(method, "GET")
                return self._content(object_id)
            if action is not None:
                raise _unknown(request)
            if method == "DELETE":
                stored = self._file(object_id)
                self.files.delete(stored.id)
                return _json({"id": stored.id, "object": "file", "deleted": True})
            _allow(method, "GET, DELETE")
            return _json(self._file(object_id).to_json())
        if object_id is None:
            if method == "POST":
                return self._create_batch(parsed, request.base_url)
            _allow(method, "GET, POST")
            return self._list_batches(query)
        if action == "cancel":
            _allow(method, "POST")
            return _json(self.batches.cancel(object_id))
        if action is not None:
            raise _unknown(request)
        _allow(method, "GET")
        return _json(self.batches.get(object_id))

    # --- files -------------------------------------------------------------------------

    def _file(self, file_id: str) -> Any:
        stored = self.files.get(file_id)
        if stored is None:
            raise ApiError(404, f"No such File object: {file_id}", param="id")
        return stored

    def _create_file(self, parsed: ParsedBody) -> Response:
        if parsed.media_type != "multipart/form-data":
            raise bad_request(
                f"Invalid Content-Type header ({parsed.media_type or 'none'}), expected"
                " multipart/form-data.",
                None,
                "invalid_content_type",
            )
        if parsed.error is not None:
            raise bad_request(f"Could not parse the multipart form: {parsed.error}.", None)
        fields: dict[str, Any] = {}
        for part in parsed.form:
            if part.name in fields:
                raise bad_request(
                    f"Duplicate parameter: '{part.name}' was sent more than once.",
                    part.name,
                    "duplicate_parameter",
                )
            fields[part.name] = part
        allowed = {"file", "purpose", "expires_after[anchor]", "expires_after[seconds]"}
        for name in fields:
            if name not in allowed:
                raise bad_request(f"Unknown parameter: '{name}'.", name, "unknown_parameter")
        for name in ("file", "purpose"):
            if name not in fields:
                raise bad_request(
                    f"Missing required parameter: '{name}'.", name, "missing_required_parameter"
                )
        upload = fields["file"]
        if not upload.is_file:
            raise bad_request(
                "Invalid 'file': expected a file upload, but got a text field instead.",
                "file",
                "invalid_type",
            )
        purpose = fields["purpose"].data.decode("utf-8", "replace")
        if purpose not in PURPOSES:
            raise bad_request(
                f"Invalid value for 'purpose': '{purpose}'. Supported values are: "
                + ", ".join(f"'{p}'" for p in PURPOSES)
                + ".",
                "purpose",
                "invalid_value",
            )
        filename = upload.filename or "file"
        if upload.size > MAX_FILE_BYTES:
            raise ApiError(
                413, f"File is too large: {upload.size} bytes (the limit is 512 MB).", param="file"
            )
        if purpose == "batch" and not filename.lower().endswith(".jsonl"):
            raise bad_request(
                "Invalid file format for Batch API. Must be .jsonl", "file", "invalid_file_format"
            )
        expires_after = _expires_after(fields)
        stored = self.files.put(upload.data, filename, purpose, expires_after)
        return _json(stored.to_json())

    def _list_files(self, query: dict[str, list[str]]) -> Response:
        _known(query, ("purpose", "limit", "order", "after"))
        purpose = _one(query, "purpose")
        order = _one(query, "order") or "desc"
        if order not in ("asc", "desc"):
            raise bad_request(
                f"Invalid value for 'order': '{order}'. Supported values are: 'asc' and 'desc'.",
                "order",
                "invalid_value",
            )
        limit = _limit(query, 10000, 10000)
        files = self.files.listing(purpose, ascending=order == "asc")
        after = _one(query, "after")
        if after is not None:
            ids = [f.id for f in files]
            files = files[ids.index(after) + 1 :] if after in ids else []
        page = files[:limit]
        return _json(
            {
                "object": "list",
                "data": [f.to_json() for f in page],
                "first_id": page[0].id if page else None,
                "last_id": page[-1].id if page else None,
                "has_more": len(files) > limit,
            }
        )

    def _content(self, file_id: str) -> Response:
        from openapiopenai.testing._service import Response

        stored = self._file(file_id)
        return Response(
            200,
            b"",
            "application/octet-stream",
            [("Content-Disposition", f'attachment; filename="{_header_safe(stored.filename)}"')],
            stream=lambda: self.files.chunks(stored),
            length=stored.bytes,
        )

    # --- batches -----------------------------------------------------------------------

    def _create_batch(self, parsed: ParsedBody, base_url: str) -> Response:
        if parsed.media_type != "application/json":
            raise bad_request(
                f"Invalid Content-Type header ({parsed.media_type or 'none'}), expected"
                " application/json.",
                None,
                "invalid_content_type",
            )
        params = parsed.json
        if parsed.error is not None or not isinstance(params, dict):
            raise bad_request("We could not parse the JSON body of your request.", None)
        allowed = ("input_file_id", "endpoint", "completion_window", "metadata")
        for name in params:
            if name not in (*allowed, "output_expires_after"):
                raise bad_request(f"Unknown parameter: '{name}'.", name, "unknown_parameter")
        for name in allowed[:3]:
            if name not in params:
                raise bad_request(
                    f"Missing required parameter: '{name}'.", name, "missing_required_parameter"
                )
            if not isinstance(params[name], str):
                raise bad_request(
                    f"Invalid type for '{name}': expected a string.", name, "invalid_type"
                )
        endpoint = params["endpoint"]
        if endpoint not in BATCH_ENDPOINTS:
            raise bad_request(
                f"Invalid value for 'endpoint': '{endpoint}'. Supported values are: "
                + ", ".join(f"'{e}'" for e in BATCH_ENDPOINTS)
                + ".",
                "endpoint",
                "invalid_value",
            )
        if endpoint not in IMAGE_ENDPOINTS:
            raise bad_request(
                f"Unsupported value for 'endpoint': the openapiopenai test server runs only"
                f" {' and '.join(IMAGE_ENDPOINTS)} batches (the real API also runs"
                f" '{endpoint}').",
                "endpoint",
                "unsupported_value",
            )
        if params["completion_window"] != "24h":
            raise bad_request(
                f"Invalid value for 'completion_window': '{params['completion_window']}'."
                " Supported values are: '24h'.",
                "completion_window",
                "invalid_value",
            )
        _check_metadata(params.get("metadata"))
        if self.files.get(params["input_file_id"]) is None:
            raise ApiError(
                404, f"No such File object: {params['input_file_id']}", param="input_file_id"
            )
        return _json(self.batches.create(params, base_url))

    def _list_batches(self, query: dict[str, list[str]]) -> Response:
        _known(query, ("after", "limit"))
        limit = _limit(query, 100, 20)
        page, has_more = self.batches.listing(_one(query, "after"), limit)
        return _json(
            {
                "object": "list",
                "data": page,
                "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None,
                "has_more": has_more,
            }
        )


def _header_safe(name: str) -> str:
    """``name`` with what a quoted header value cannot carry (quotes, non-ASCII) replaced."""
    return re.sub(r'[^ -~]|["\\]', "_", name)


def _json(body: Any) -> Response:
    from openapiopenai.testing._service import Response

    return Response(200, json.dumps(body).encode(), "application/json")


def _allow(method: str, allowed: str) -> None:
    if method not in allowed.split(", "):
        raise ApiError(
            405,
            f"Method not allowed: this route only accepts {allowed}.",
            code="method_not_allowed",
            headers=(("Allow", allowed),),
        )


def _unknown(request: Request) -> ApiError:
    return ApiError(404, f"Invalid URL ({request.method} {request.path})", code="unknown_url")


def _known(query: dict[str, list[str]], names: tuple[str, ...]) -> None:
    for name, values in query.items():
        if name not in names:
            raise bad_request(f"Unknown parameter: '{name}'.", name, "unknown_parameter")
        if len(values) > 1:
            raise bad_request(
                f"Duplicate parameter: '{name}' was sent more than once.",
                name,
                "duplicate_parameter",
            )


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _limit(query: dict[str, list[str]], maximum: int, default: int) -> int:
    text = _one(query, "limit")
    if text is None:
        return default
    if not re.fullmatch(r"[0-9]{1,6}", text) or not 1 <= int(text) <= maximum:
        raise bad_request(
            f"Invalid 'limit': must be an integer between 1 and {maximum}, got '{text}'.",
            "limit",
            "invalid_value",
        )
    return int(text)


def _expires_after(fields: dict[str, Any]) -> int | None:
    anchor = fields.get("expires_after[anchor]")
    seconds = fields.get("expires_after[seconds]")
    if anchor is None and seconds is None:
        return None
    if anchor is None or anchor.data != b"created_at":
        raise bad_request(
            "Invalid 'expires_after[anchor]': the supported anchor is 'created_at'.",
            "expires_after[anchor]",
            "invalid_value",
        )
    text = seconds.data.decode("ascii", "replace") if seconds is not None else ""
    if not text.isdigit() or not 3600 <= int(text) <= 2592000:
        raise bad_request(
            "Invalid 'expires_after[seconds]': must be between 3600 and 2592000.",
            "expires_after[seconds]",
            "invalid_value",
        )
    return int(text)


def _check_metadata(metadata: Any) -> None:
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise bad_request(
            "Invalid type for 'metadata': expected an object.", "metadata", "invalid_type"
        )
    if len(metadata) > 16:
        raise bad_request(
            f"Invalid 'metadata': at most 16 key-value pairs, got {len(metadata)}.",
            "metadata",
            "invalid_value",
        )
    for key, value in metadata.items():
        if not isinstance(value, str) or len(key) > 64 or len(value) > 512:
            raise bad_request(
                "Invalid 'metadata': keys are strings of at most 64 characters and values"
                " strings of at most 512.",
                "metadata",
                "invalid_value",
            )
