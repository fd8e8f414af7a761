"""The Images API's behaviour, independent of sockets: route, authenticate, validate, answer.

:meth:`ImagesService.handle` turns one parsed request into one :class:`Response`; the
HTTP layer (``_server``) adds the standard headers, faults and the request record.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import urllib.parse
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Callable

from openapiopenai._png import PngError, decode_png
from openapiopenai.testing._errors import ApiError, bad_request
from openapiopenai.testing._images import Pixels, edit_png, generate_png, variation_png
from openapiopenai.testing._multipart import (
    MultipartError,
    Part,
    parse_content_type,
    parse_multipart,
)
from openapiopenai.testing._record import Headers, mask_api_key
from openapiopenai.testing._rules import ENDPOINTS, EndpointRules, ImageJob, validate
from openapiopenai.testing._store import ImageStore

__all__ = ["IMAGE_PATH_PREFIX", "ImagesService", "ParsedBody", "Request", "Response", "parse_body"]

API_PREFIX = "/v1"
#: Generated images are served at ``/v1/files/images/<id>.png?se=...&sp=r&sig=...``.
IMAGE_PATH_PREFIX = API_PREFIX + "/files/images/"

_JSON_HINT = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't"
    " using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was"
    " sent was not valid JSON.)"
)


@dataclass(frozen=True)
class Request:
    """One HTTP request as read from the socket."""

    method: str
    path: str
    query: str
    headers: Headers
    body: bytes
    #: Scheme and authority the client used (from ``Host``), for absolute image URLs.
    base_url: str


@dataclass(frozen=True)
class ParsedBody:
    """The body decoded by its ``Content-Type``: JSON, a form, or neither (with why)."""

    media_type: str = ""
    json: Any = None
    form: tuple[Part, ...] = ()
    error: str | None = None


@dataclass
class Response:
    """What to send: status, body, its type, and extra headers (override the defaults)."""

    status: int
    body: bytes
    content_type: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    #: For API errors: the ``error`` object of the body (kept for the request record).
    error: dict[str, Any] | None = None

    @classmethod
    def of_error(cls, error: ApiError) -> Response:
        body = error.body()
        return cls(
            error.status,
            json.dumps(body).encode(),
            "application/json",
            list(error.headers),
            body["error"],
        )


def parse_body(headers: Headers, body: bytes) -> ParsedBody:
    """Decode ``body`` as JSON or multipart/form-data, whichever ``Content-Type`` says."""
    media_type, params = parse_content_type(headers.get("Content-Type", ""))
    if media_type == "application/json" or media_type.endswith("+json"):
        try:
            return ParsedBody(media_type, json=json.loads(body))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return ParsedBody(media_type, error=f"invalid JSON: {exc}")
    if media_type == "multipart/form-data":
        boundary = params.get("boundary")
        if not boundary:
            return ParsedBody(media_type, error="multipart/form-data without a boundary")
        try:
            return ParsedBody(media_type, form=tuple(parse_multipart(body, boundary)))
        except MultipartError as exc:
            return ParsedBody(media_type, error=str(exc))
    return ParsedBody(media_type)


class ImagesService:
    """Answers Images API requests with generated images and API-shaped errors."""

    def __init__(
        self,
        *,
        api_keys: Collection[str] | None,
        store: ImageStore,
        clock: Callable[[], float],
    ) -> None:
        self._api_keys = None if api_keys is None else frozenset(api_keys)
        self._store = store
        self._clock = clock

    def handle(self, request: Request, parsed: ParsedBody) -> Response:
        """The response to ``request``; never raises for anything a client can send."""
        try:
            if request.path.startswith(IMAGE_PATH_PREFIX):
                return self._serve_image(request)
            endpoint = (
                ENDPOINTS.get(request.path[len(API_PREFIX) :])
                if request.path.startswith(API_PREFIX + "/")
                else None
            )
            if endpoint is None:
                raise ApiError(
                    404,
                    f"Invalid URL ({request.method} {request.path})",
                    code="unknown_url",
                )
            if request.method != "POST":
                raise ApiError(
                    405,
                    f"Method not allowed: {request.method} {request.path} only accepts POST.",
                    code="method_not_allowed",
                    headers=(("Allow", "POST"),),
                )
            self._authenticate(request.headers)
            job = validate(endpoint, *self._parameters(endpoint, parsed))
            return self._images_response(job, request.base_url)
        except ApiError as error:
            return Response.of_error(error)

    # --- authentication and parameters ----------------------------------------------

    def _authenticate(self, headers: Headers) -> None:
        scheme, _, key = headers.get("Authorization", "").strip().partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise ApiError(
                401,
                "You didn't provide an API key. You need to provide your API key in an"
                " Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        if self._api_keys is not None and key not in self._api_keys:
            raise ApiError(
                401,
                f"Incorrect API key provided: {mask_api_key(key)}.",
                code="invalid_api_key",
            )

    def _parameters(
        self, endpoint: EndpointRules, parsed: ParsedBody
    ) -> tuple[dict[str, Any], dict[str, Part]]:
        """The request's parameters and file parts, checked against the body encoding."""
        expected = "application/json" if endpoint.body == "json" else "multipart/form-data"
        if parsed.media_type != expected and not (
            endpoint.body == "json" and parsed.media_type.endswith("+json")
        ):
            raise bad_request(
                f"Invalid Content-Type header ({parsed.media_type or 'none'}),"
                f" expected {expected}.",
                None,
                "invalid_content_type",
            )
        if parsed.error is not None:
            if endpoint.body == "json":
                raise bad_request(_JSON_HINT, None)
            raise bad_request(f"Could not parse the multipart form: {parsed.error}.", None)
        if endpoint.body == "json":
            if not isinstance(parsed.json, dict):
                raise bad_request(
                    "Invalid type for request body: expected an object.", None, "invalid_type"
                )
            return parsed.json, {}
        params: dict[str, Any] = {}
        files: dict[str, Part] = {}
        for part in parsed.form:
            if part.name in params or part.name in files:
                raise bad_request(
                    f"Duplicate parameter: '{part.name}' was sent more than once.",
                    part.name,
                    "duplicate_parameter",
                )
            if part.is_file:
                files[part.name] = part
            else:
                try:
                    params[part.name] = part.text()
                except MultipartError as exc:
                    raise bad_request(f"Invalid '{part.name}': {exc}.", part.name) from None
        return params, files

    # --- answers -------------------------------------------------------------------

    def _images_response(self, job: ImageJob, base_url: str) -> Response:
        pngs = self._render(job)
        data: list[dict[str, str]] = []
        for png in pngs:
            item: dict[str, str] = {}
            if job.response_format == "b64_json":
                item["b64_json"] = base64.b64encode(png).decode("ascii")
            else:
                item["url"] = self._image_url(png, base_url)
            if job.model.revises_prompt and job.prompt is not None:
                item["revised_prompt"] = (
                    f"{job.prompt.rstrip('. ')}, rendered in a {job.style or 'vivid'} style"
                    f" with {job.quality or 'standard'} quality."
                )
            data.append(item)
        body = {"created": int(self._clock()), "data": data}
        return Response(200, json.dumps(body).encode(), "application/json")

    def _render(self, job: ImageJob) -> list[bytes]:
        """The ``n`` PNGs for ``job``; uploads are decoded once."""
        indices = range(job.n)
        if job.endpoint == "generations":
            return [generate_png(job.prompt or "", job.width, job.height, i) for i in indices]
        image = _decode_upload(job.image, "image")
        if job.endpoint == "variations":
            return [variation_png(image, job.width, job.height, i) for i in indices]
        mask = _decode_upload(job.mask, "mask") if job.mask is not None else None
        prompt = job.prompt or ""
        return [edit_png(image, mask, prompt, job.width, job.height, i) for i in indices]

    def _image_url(self, png: bytes, base_url: str) -> str:
        stored = self._store.put(png)
        expiry = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stored.expires_at))
        query = urllib.parse.urlencode(
            {"se": expiry, "sp": "r", "sig": self._store.signature(stored.image_id, expiry)}
        )
        return f"{base_url}{IMAGE_PATH_PREFIX}{stored.image_id}.png?{query}"

    def _serve_image(self, request: Request) -> Response:
        """A generated image, answered like blob storage (XML errors, 403 once expired)."""
        if request.method not in ("GET", "HEAD"):
            return _blob_error(
                405, "UnsupportedHttpVerb", "The resource doesn't support the specified verb."
            )
        image_id = request.path[len(IMAGE_PATH_PREFIX) :]
        image_id = image_id[: -len(".png")] if image_id.endswith(".png") else ""
        query = urllib.parse.parse_qs(request.query)
        expiry = query.get("se", [""])[0]
        result = self._store.get(image_id, expiry, query.get("sig", [None])[0])
        if result == "missing" or not image_id:
            return _blob_error(404, "ResourceNotFound", "The specified resource does not exist.")
        if result == "forbidden":
            return _blob_error(
                403,
                "AuthenticationFailed",
                "Server failed to authenticate the request. Make sure the value of"
                " Authorization header is formed correctly including the signature.",
                "Signature did not match.",
            )
        if result == "expired":
            now = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(self._clock()))
            return _blob_error(
                403,
                "AuthenticationFailed",
                "Server failed to authenticate the request. Make sure the value of"
                " Authorization header is formed correctly including the signature.",
                f"Signature not valid in the specified time frame: Expiry [{expiry}]"
                f" - Current [{now}]",
            )
        etag = '"0x' + hashlib.sha256(result.png).hexdigest()[:16].upper() + '"'
        return Response(200, result.png, "image/png", [("ETag", etag)])


def _decode_upload(data: bytes | None, name: str) -> Pixels:
    try:
        return decode_png(data or b"")
    except PngError as exc:
        raise bad_request(
            f"Invalid '{name}': the test server could not decode the PNG ({exc}).",
            name,
            "invalid_image_format",
        ) from None


def _blob_error(status: int, code: str, message: str, detail: str | None = None) -> Response:
    detail_xml = (
        f"<AuthenticationErrorDetail>{detail}</AuthenticationErrorDetail>" if detail else ""
    )
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f"<Error><Code>{code}</Code><Message>{message}</Message>{detail_xml}</Error>"
    )
    return Response(status, body.encode("utf-8"), "application/xml", [("x-ms-error-code", code)])
