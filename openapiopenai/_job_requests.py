"""A job's requests: read from JSON lines, checked, given stable ids, and sent one by one.

A line is one request, in either of two shapes:

- flat: the operation's fields, with an optional ``custom_id`` and ``operation``
  (``generate``, the default; ``edit``; ``variation``)::

      {"custom_id": "otter-1", "prompt": "an otter", "model": "gpt-image-1"}
      {"operation": "edit", "prompt": "add a hat", "image": "otter.png", "mask": "mask.png"}
      {"operation": "edit", "prompt": "add a hat", "images": [{"file_id": "file-abc"}]}

- the Batch API's input line (``custom_id``, ``method``, ``url``, ``body``)::

      {"custom_id": "otter-1", "method": "POST", "url": "/v1/images/generations",
       "body": {"prompt": "an otter"}}

Uploaded files (``image``, ``mask``) are paths, relative to the requests file's folder;
an edit may instead name its images by reference (``images``: a list of ``{"image_url":
...}`` or ``{"file_id": ...}``, and a ``mask`` reference), as the JSON edit body does.
A request without a ``custom_id`` gets one derived from its content (the same line gives
the same id on every run; the k-th repeat of an identical line is told apart by k), so
running a job again finds the requests it already did.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Optional, Union

from openapiopenai._jobstore import canonical
from openapiopenai.exceptions import ApiTypeError, ApiValueError

if TYPE_CHECKING:
    from openapiopenai._file_types import FileInput
    from openapiopenai.api.images_api import ImagesApi
    from openapiopenai.api_response import ApiResponse
    from openapiopenai.models.images_response import ImagesResponse

__all__ = [
    "OPERATIONS",
    "JobRequest",
    "file_stem",
    "job_requests",
    "read_requests",
    "send",
]

#: The operations a job runs, and the endpoint of each.
OPERATIONS: dict[str, str] = {
    "generate": "/v1/images/generations",
    "edit": "/v1/images/edits",
    "variation": "/v1/images/variations",
}
_BY_URL = {url: name for name, url in OPERATIONS.items()}
_FILE_FIELDS = ("image", "mask")
#: The longest custom id the Batch API takes is not documented; 512 keeps names sane.
_MAX_ID = 512
#: A request line longer than this is refused (a data URL of a 20 MB image fits).
MAX_LINE_BYTES = 32 * 1024 * 1024
_SAFE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
#: Names Windows opens as devices, whatever their extension.
_DEVICE_NAME = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?", re.IGNORECASE)


@dataclass(frozen=True)
class JobRequest:
    """One request of a job: its id, its operation and the fields it sends."""

    custom_id: str
    operation: str
    body: dict[str, Any]

    @classmethod
    def generate(cls, body: Mapping[str, Any], custom_id: Optional[str] = None) -> JobRequest:
        """A generation request (``custom_id`` derived from ``body`` when not given)."""
        return _made("generate", body, custom_id)

    @classmethod
    def edit(cls, body: Mapping[str, Any], custom_id: Optional[str] = None) -> JobRequest:
        """An edit: ``image`` (a path or a list of paths) and ``mask`` upload files."""
        return _made("edit", body, custom_id)

    @classmethod
    def variation(cls, body: Mapping[str, Any], custom_id: Optional[str] = None) -> JobRequest:
        """A variation of the image at ``body["image"]``."""
        return _made("variation", body, custom_id)


def _made(operation: str, body: Mapping[str, Any], custom_id: Optional[str]) -> JobRequest:
    request = _request_from(operation, dict(body), custom_id, where="request")
    if request.custom_id:
        return request
    return JobRequest(derived_id(operation, request.body, 0), operation, request.body)


def derived_id(operation: str, body: Mapping[str, Any], occurrence: int) -> str:
    """The id of a request that names none: a hash of what it sends."""
    digest = hashlib.sha256(f"{operation}\n{canonical(dict(body))}".encode()).hexdigest()[:16]
    return f"req-{digest}" if occurrence == 0 else f"req-{digest}-{occurrence}"


def file_stem(custom_id: str, *, several: bool = False) -> str:
    """The file name stem a request's images are saved under.

    An id that is already a safe file name (lower case, not a Windows device name) is
    used as it is; any other gets a readable part and a hash of the whole id, so two ids
    never share a name, even where file names ignore case.  So does the id of a
    response of ``several`` images (numbered ``-0``, ``-1``, ...): ``otter-1.png`` is the
    request ``otter-1``'s, never the second image of the request ``otter``.
    """
    if (
        not several
        and _SAFE_STEM.fullmatch(custom_id)
        and not custom_id.endswith(".")
        # Ids differing only in case share a file where names ignore case (macOS, Windows).
        and custom_id == custom_id.lower()
        and not _DEVICE_NAME.fullmatch(custom_id)
    ):
        return custom_id
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", custom_id).strip("-.")[:40] or "request"
    digest = hashlib.sha256(custom_id.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    stem = f"{readable}-{digest}"
    return f"_{stem}" if _DEVICE_NAME.fullmatch(stem) else stem


def read_requests(path: Union[str, os.PathLike[str]]) -> Iterator[JobRequest]:
    """The requests of a JSON-lines file, checked line by line (blank lines skipped)."""
    source = Path(path)
    with source.open("rb") as lines:
        yield from job_requests(_numbered_lines(lines, source))


def _bounded_lines(lines: IO[bytes]) -> Iterator[bytes]:
    """The lines of ``lines``, each read at most ``MAX_LINE_BYTES + 1`` bytes at a time
    (an overlong line is refused without being held whole)."""
    while True:
        raw = lines.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        yield raw
        if len(raw) > MAX_LINE_BYTES:
            return


def _numbered_lines(lines: IO[bytes], source: Path) -> Iterator[tuple[str, Any]]:
    for number, raw in enumerate(_bounded_lines(lines), 1):
        where = f"{source.name} line {number}"
        if len(raw) > MAX_LINE_BYTES:
            raise ApiValueError(f"{where}: longer than {MAX_LINE_BYTES} bytes")
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except ValueError as e:
            raise ApiValueError(f"{where}: not valid JSON ({e})") from None
        yield where, value


def job_requests(items: Iterable[tuple[str, Any]]) -> Iterator[JobRequest]:
    """``(where, value)`` pairs to requests, with ids made unique and checked."""
    seen: set[str] = set()
    occurrences: dict[str, int] = {}
    for where, value in items:
        if isinstance(value, JobRequest):
            request = value
        elif isinstance(value, Mapping):
            request = _from_line(where, value)
        else:
            raise ApiTypeError(f"{where}: expected a JSON object, got {type(value).__name__}")
        if not request.custom_id:
            key = derived_id(request.operation, request.body, 0)
            count = occurrences.get(key, 0)
            occurrences[key] = count + 1
            request = JobRequest(
                derived_id(request.operation, request.body, count), request.operation, request.body
            )
        if request.custom_id in seen:
            raise ApiValueError(f"{where}: custom_id {request.custom_id!r} is used twice")
        seen.add(request.custom_id)
        yield request


def _from_line(where: str, line: Mapping[str, Any]) -> JobRequest:
    fields = dict(line)
    custom_id = fields.pop("custom_id", None)
    if "url" in fields and "body" in fields:  # a Batch API input line
        method = fields.pop("method", "POST")
        url = fields.pop("url")
        body = fields.pop("body")
        if fields:
            raise ApiValueError(f"{where}: unexpected keys {sorted(fields)} in a batch line")
        if method != "POST":
            raise ApiValueError(f"{where}: method must be POST, got {method!r}")
        operation = _BY_URL.get(url) if isinstance(url, str) else None
        if operation is None:
            raise ApiValueError(f"{where}: url must be one of {sorted(_BY_URL)}, got {url!r}")
        if not isinstance(body, Mapping):
            raise ApiTypeError(f"{where}: body must be a JSON object")
        return _request_from(operation, dict(body), custom_id, where=where)
    operation = fields.pop("operation", "generate")
    return _request_from(operation, fields, custom_id, where=where)


def _request_from(
    operation: Any, body: dict[str, Any], custom_id: Any, *, where: str
) -> JobRequest:
    if operation not in OPERATIONS:
        raise ApiValueError(
            f"{where}: operation must be one of {', '.join(OPERATIONS)}, got {operation!r}"
        )
    if custom_id is not None:
        if not isinstance(custom_id, str) or not custom_id.strip():
            raise ApiValueError(f"{where}: custom_id must be a non-empty string")
        if len(custom_id) > _MAX_ID or any(c in custom_id for c in "\0\r\n"):
            raise ApiValueError(
                f"{where}: custom_id must be at most {_MAX_ID} characters, without CR, LF or NUL"
            )
    if "stream" in body:
        raise ApiValueError(f"{where}: stream: a job saves whole images; leave stream out")
    _check_fields(operation, body, where)
    try:  # what the job file stores and the id is derived from
        canonical(body).encode("utf-8")
        (custom_id or "").encode("utf-8")
    except UnicodeEncodeError:
        raise ApiValueError(
            f"{where}: not valid Unicode (a lone surrogate such as \\ud800 in custom_id or a field)"
        ) from None
    except (TypeError, ValueError) as e:
        raise ApiTypeError(f"{where}: the request is not JSON data ({e})") from None
    return JobRequest(custom_id or "", operation, body)


def _check_fields(operation: str, body: dict[str, Any], where: str) -> None:
    """The same checks the operation makes before sending, minus reading the files."""
    from openapiopenai import _validation
    from openapiopenai.models._forms import ImageEditForm, ImageVariationForm
    from openapiopenai.models.create_image_request import CreateImageRequest

    try:
        if operation == "generate":
            _validation.check_generation(_validation.validated(CreateImageRequest, body))
            return
        if operation == "edit" and "images" in body:  # images by reference: a JSON edit
            from openapiopenai.models.edit_image_body_json_param import EditImageBodyJsonParam

            _validation.check_json_edit(_validation.validated(EditImageBodyJsonParam, body))
            return
        files = {name: body[name] for name in _FILE_FIELDS if name in body}
        fields = {k: v for k, v in body.items() if k not in _FILE_FIELDS}
        form_cls = ImageEditForm if operation == "edit" else ImageVariationForm
        _validation.validated(form_cls, fields)
    except (ApiValueError, ApiTypeError) as e:
        raise type(e)(f"{where}: {e}") from None
    if "image" not in files:
        hint = " (a file path), or images: a list of references" if operation == "edit" else ""
        raise ApiValueError(f"{where}: image: is required for {operation}{hint or ' (a path)'}")
    images = files["image"] if isinstance(files["image"], list) else [files["image"]]
    if operation == "variation" and len(images) != 1:
        raise ApiValueError(f"{where}: image: a variation takes one image")
    for value in [*images, files.get("mask")]:
        if value is not None and (not isinstance(value, str) or not value):
            raise ApiTypeError(f"{where}: image and mask must be file paths (strings)")


def send(
    api: ImagesApi, request: JobRequest, base_dir: Path, **options: Any
) -> ApiResponse[ImagesResponse]:
    """Send ``request`` once (``options`` are the per-call keywords)."""
    from openapiopenai.models.create_image_request import CreateImageRequest

    body = dict(request.body)
    if request.operation == "generate":
        return api.create_image_with_http_info(CreateImageRequest(**body), **options)
    if "images" in body:  # an edit of images by reference, sent as JSON
        from openapiopenai.models.image_ref_param import ImageRefParam

        images: list[Union[FileInput, ImageRefParam]] = [
            ImageRefParam(**ref) for ref in body.pop("images")
        ]
        mask = body.pop("mask", None)
        return api.create_image_edit_with_http_info(
            images, mask=None if mask is None else ImageRefParam(**mask), **body, **options
        )
    for name in _FILE_FIELDS:
        if name in body:
            value = body[name]
            body[name] = (
                [_resolved(base_dir, v) for v in value]
                if isinstance(value, list)
                else _resolved(base_dir, value)
            )
    if request.operation == "edit":
        return api.create_image_edit_with_http_info(**body, **options)
    return api.create_image_variation_with_http_info(**body, **options)


def _resolved(base_dir: Path, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else base_dir / path
