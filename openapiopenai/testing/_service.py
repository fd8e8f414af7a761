"""The Images API's behaviour, independent of sockets: route, authenticate, validate, answer.

:meth:`ImagesService.handle` turns one parsed request into one :class:`Response`; the
HTTP layer (``_server``) adds the standard headers, faults and the request record.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import time
import urllib.parse
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any, Callable

from openapiopenai._png import PngError, decode_png, encode_png
from openapiopenai.testing._batches import BatchEngine
from openapiopenai.testing._errors import ApiError, bad_request
from openapiopenai.testing._files import FileStore
from openapiopenai.testing._files_routes import FilesRoutes, handles
from openapiopenai.testing._images import (
    Pixels,
    blend,
    edit_pixels,
    edit_png,
    encode_output,
    generate_png,
    pixelate,
    scale_nearest,
    synthesize,
    variation_png,
)
from openapiopenai.testing._multipart import (
    MultipartError,
    Part,
    parse_content_type,
    parse_multipart,
)
from openapiopenai.testing._record import Headers, mask_api_key
from openapiopenai.testing._rules import (
    DEFAULT_GPT_MODEL,
    ENDPOINTS,
    JSON_EDITS,
    MAX_EDIT_IMAGES,
    EndpointRules,
    ImageJob,
    validate,
)
from openapiopenai.testing._store import ImageStore

__all__ = [
    "IMAGE_PATH_PREFIX",
    "ImagesService",
    "ParsedBody",
    "Request",
    "Response",
    "SseEvent",
    "parse_body",
    "usage_for",
]

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


#: One server-sent event: its ``event`` name and its ``data`` (sent as JSON).
SseEvent = tuple[str, dict[str, Any]]


@dataclass
class Response:
    """What to send: status, body, its type, and extra headers (override the defaults).

    A streamed response (``text/event-stream``) has ``events`` instead of a body; the
    HTTP layer writes them one by one as chunks.
    """

    status: int
    body: bytes
    content_type: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    #: For API errors: the ``error`` object of the body (kept for the request record).
    error: dict[str, Any] | None = None
    events: tuple[SseEvent, ...] | None = None
    #: A body sent as it is read (a stored file): its chunks, and ``length`` in bytes.
    stream: Callable[[], Iterator[bytes]] | None = None
    length: int = 0

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
        #: The model of a multipart edit that names none and takes no GPT-only parameter.
        self.edit_default_model = DEFAULT_GPT_MODEL
        self.files = FileStore(clock)
        self.batches = BatchEngine(self.files, clock, self._run_line)
        self._files_routes = FilesRoutes(self.files, self.batches)

    def close(self) -> None:
        """Remove the stored files from disk."""
        self.files.close()

    def handle(self, request: Request, parsed: ParsedBody) -> Response:
        """The response to ``request``; never raises for anything a client can send."""
        try:
            if request.path.startswith(IMAGE_PATH_PREFIX):
                return self._serve_image(request)
            if handles(request.path):
                self._authenticate(request.headers)
                return self._files_routes.handle(request, parsed)
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
            if endpoint.name == "edits" and _is_json(parsed.media_type):
                job = self._json_edit_job(self._json_body(parsed), request.base_url)
            else:
                job = validate(
                    endpoint,
                    *self._parameters(endpoint, parsed),
                    edit_default_model=self.edit_default_model,
                )
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
    ) -> tuple[dict[str, Any], dict[str, list[Part]]]:
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
        return _form_parameters(endpoint, parsed.form)

    def _json_body(self, parsed: ParsedBody) -> dict[str, Any]:
        if parsed.error is not None:
            raise bad_request(_JSON_HINT, None)
        if not isinstance(parsed.json, dict):
            raise bad_request(
                "Invalid type for request body: expected an object.", None, "invalid_type"
            )
        return parsed.json

    # --- JSON edits and batch lines -------------------------------------------------------

    def _json_edit_job(self, body: dict[str, Any], base_url: str) -> ImageJob:
        """An edit of images referenced by file id, data URL or a URL this server serves."""
        params = dict(body)
        if "image" in params:
            raise bad_request(
                "Unknown parameter: 'image'. A JSON edit takes 'images' (image references);"
                " upload files with multipart/form-data.",
                "image",
                "unknown_parameter",
            )
        if "images" not in params:
            raise bad_request(
                "Missing required parameter: 'images'.", "images", "missing_required_parameter"
            )
        refs = params.pop("images")
        if not isinstance(refs, list) or not refs:
            raise bad_request(
                "Invalid 'images': expected a non-empty array of image references.",
                "images",
                "invalid_type",
            )
        if len(refs) > MAX_EDIT_IMAGES:
            raise bad_request(
                f"Invalid 'images': at most {MAX_EDIT_IMAGES} images, but {len(refs)} were given.",
                "images",
                "too_many_images",
            )
        files = {
            "image": [self._resolve(ref, f"images[{i}]", base_url) for i, ref in enumerate(refs)]
        }
        mask = params.pop("mask", None)
        if mask is not None:
            files["mask"] = [self._resolve(mask, "mask", base_url)]
        job = validate(JSON_EDITS, params, files)
        if not job.model.gpt:
            raise bad_request(
                f"Invalid 'model': JSON edits (image references) support GPT image models only;"
                f" {job.model.name} edits need a multipart/form-data upload.",
                "model",
                "unsupported_model",
            )
        return job

    def _resolve(self, ref: Any, name: str, base_url: str) -> Part:
        """The image an ``ImageRefParam`` names, as if it had been uploaded."""
        if not isinstance(ref, dict) or len(ref) != 1 or not set(ref) <= {"image_url", "file_id"}:
            raise bad_request(
                f"Invalid '{name}': provide exactly one of 'image_url' or 'file_id'.",
                name,
                "invalid_value",
            )
        if "file_id" in ref:
            file_id = ref["file_id"]
            data = self.files.read(file_id) if isinstance(file_id, str) else None
            if data is None:
                raise bad_request(
                    f"Invalid '{name}.file_id': no such file: {file_id!r}.",
                    f"{name}.file_id",
                    "invalid_file_id",
                )
            return Part("image", data, filename=file_id)
        url = ref["image_url"]
        if not isinstance(url, str):
            raise bad_request(
                f"Invalid type for '{name}.image_url': expected a string.",
                f"{name}.image_url",
                "invalid_type",
            )
        data = self._fetch(url, f"{name}.image_url")
        return Part("image", data, filename="image")

    def _fetch(self, url: str, param: str) -> bytes:
        if url.startswith("data:"):
            header, sep, payload = url[5:].partition(",")
            if not sep or not header.endswith(";base64"):
                raise bad_request(
                    f"Invalid '{param}': a data URL must be base64 (data:<type>;base64,...).",
                    param,
                    "invalid_image_url",
                )
            try:
                return base64.b64decode(payload, validate=True)
            except (binascii.Error, ValueError):
                raise bad_request(
                    f"Invalid '{param}': the data URL is not valid base64.",
                    param,
                    "invalid_image_url",
                ) from None
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in ("http", "https") and parts.path.startswith(IMAGE_PATH_PREFIX):
            image_id = parts.path[len(IMAGE_PATH_PREFIX) :].removesuffix(".png")
            query = urllib.parse.parse_qs(parts.query)
            found = self._store.get(image_id, query.get("se", [""])[0], query.get("sig", [None])[0])
            if not isinstance(found, str):
                return found.png
            raise bad_request(
                f"Invalid '{param}': the image could not be downloaded ({found}).",
                param,
                "invalid_image_url",
            )
        raise bad_request(
            f"Invalid '{param}': the openapiopenai test server fetches only data URLs and"
            " image URLs it served.",
            param,
            "invalid_image_url",
        )

    def _run_line(self, url: str, body: Any, base_url: str) -> tuple[int, dict[str, Any]]:
        """One batch request against this service: its status and JSON body."""
        try:
            endpoint = ENDPOINTS[url[len(API_PREFIX) :]]
            if not isinstance(body, dict):
                raise bad_request("Invalid type for 'body': expected an object.", "body")
            if endpoint.name == "edits":
                job = self._json_edit_job(body, base_url)
            else:
                job = validate(endpoint, body, {})
            if job.stream:
                raise bad_request(
                    "Invalid 'stream': batch requests cannot stream.", "stream", "invalid_value"
                )
            response = self._images_response(job, base_url)
        except ApiError as error:
            return error.status, error.body()
        return response.status, json.loads(response.body)

    # --- answers -------------------------------------------------------------------

    def _images_response(self, job: ImageJob, base_url: str) -> Response:
        if job.model.gpt:
            return self._gpt_response(job)
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
        """The ``n`` PNGs for a DALL-E ``job``; uploads are decoded once."""
        indices = range(job.n)
        if job.endpoint == "generations":
            return [generate_png(job.prompt or "", job.width, job.height, i) for i in indices]
        image = _decode_upload(job.image, "image")
        if job.endpoint == "variations":
            return [variation_png(image, job.width, job.height, i) for i in indices]
        mask = _decode_upload(job.mask.data, "mask") if job.mask is not None else None
        prompt = job.prompt or ""
        return [edit_png(image, mask, prompt, job.width, job.height, i) for i in indices]

    # --- the GPT image models ----------------------------------------------------------

    def _gpt_response(self, job: ImageJob) -> Response:
        """base64 PNGs with the output facts and ``usage``; a stream of events if asked."""
        images = self._render_gpt(job)
        facts = {
            "background": "transparent" if job.background == "transparent" else "opaque",
            "output_format": "png",
            "quality": _resolved_quality(job),
            "size": job.size,
        }
        usage = usage_for(job)
        if job.stream:
            return Response(
                200,
                b"",
                "text/event-stream; charset=utf-8",
                [("Cache-Control", "no-cache")],
                events=self._stream_events(job, images, facts, usage),
            )
        data = [{"b64_json": _b64_png(job, pixels, color_type)} for pixels, color_type in images]
        body = {"created": int(self._clock()), "data": data, **facts, "usage": usage}
        return Response(200, json.dumps(body).encode(), "application/json")

    def _render_gpt(self, job: ImageJob) -> list[tuple[bytes, int]]:
        """The final pixels of each image and their PNG colour type.

        Generations are synthesized from the prompt. Edits of a PNG first image
        keep it outside the mask's transparent areas (with a mask) or blend it half and
        half with the generated pixels (without one); for a JPEG or WebP first image the
        server, which decodes PNG only, synthesizes the result from the prompt alone.
        Other images of a multi-image edit are validated but do not shape the result.
        """
        prompt, width, height = job.prompt or "", job.width, job.height
        first = job.images[0] if job.images else None
        source: Pixels | None = None
        if first is not None and first.info.format == "png":
            source = _decode_upload(first.data, "image")
        mask = _decode_upload(job.mask.data, "mask") if job.mask is not None else None
        results = []
        for index in range(job.n):
            if source is not None and mask is not None:
                rgba: bytes | bytearray = edit_pixels(source, mask, prompt, width, height, index)
            elif source is not None:
                scaled = scale_nearest(source[2], source[0], source[1], width, height)
                rgba = blend(scaled, synthesize(prompt, width, height, index, alpha=True))
            else:
                rgba = synthesize(prompt, width, height, index, alpha=True)
            transparent = job.background == "transparent"
            results.append(encode_output(rgba, width, height, transparent=transparent))
        return results

    def _stream_events(
        self,
        job: ImageJob,
        images: list[tuple[bytes, int]],
        facts: dict[str, str],
        usage: dict[str, Any],
    ) -> tuple[SseEvent, ...]:
        """``partial_images`` coarse previews, then the completed image, for each image."""
        prefix = "image_generation" if job.endpoint == "generations" else "image_edit"
        common = {
            "created_at": int(self._clock()),
            "size": facts["size"],
            "quality": facts["quality"],
            "background": facts["background"],
            "output_format": facts["output_format"],
        }
        events: list[SseEvent] = []
        for pixels, color_type in images:
            channels = 4 if color_type == 6 else 3
            for index in range(job.partial_images):
                factor = 2 ** (2 + job.partial_images - index)
                preview = pixelate(pixels, job.width, job.height, factor, channels)
                kind = f"{prefix}.partial_image"
                events.append(
                    (
                        kind,
                        {
                            "type": kind,
                            "b64_json": _b64_png(job, preview, color_type),
                            **common,
                            "partial_image_index": index,
                        },
                    )
                )
            kind = f"{prefix}.completed"
            events.append(
                (
                    kind,
                    {
                        "type": kind,
                        "b64_json": _b64_png(job, pixels, color_type),
                        **common,
                        "usage": usage,
                    },
                )
            )
        return tuple(events)

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


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def _form_parameters(
    endpoint: EndpointRules, form: tuple[Part, ...]
) -> tuple[dict[str, Any], dict[str, list[Part]]]:
    """A form's text fields and file parts by name; ``image[]`` parts collect under ``image``.

    A name may appear once, except an array field's ``name[]`` parts, which may repeat
    (but not mix with a plain ``name`` part).
    """
    params: dict[str, Any] = {}
    files: dict[str, list[Part]] = {}
    arrays: set[str] = set()
    for part in form:
        name, repeated = part.name, False
        if name.endswith("[]") and name[:-2] in endpoint.file_arrays:
            name = name[:-2]
            repeated = name in arrays
            arrays.add(name)
        if not repeated and (name in params or name in files):
            raise bad_request(
                f"Duplicate parameter: '{name}' was sent more than once.",
                name,
                "duplicate_parameter",
            )
        if part.is_file:
            files.setdefault(name, []).append(part)
        elif repeated:
            raise bad_request(
                f"Invalid '{name}': expected file uploads, but got a text field instead.",
                name,
                "invalid_type",
            )
        else:
            try:
                params[name] = part.text()
            except MultipartError as exc:
                raise bad_request(f"Invalid '{name}': {exc}.", name) from None
    return params, files


#: Output image tokens of a 1024x1024 image by quality (scaled by pixel count).
_OUTPUT_TOKENS_1024 = {"low": 272, "medium": 1056, "high": 4160}
#: Extra output tokens for each streamed partial image.
_PARTIAL_IMAGE_TOKENS = 100


def _resolved_quality(job: ImageJob) -> str:
    """The quality reported for a GPT job: ``auto`` (or none) resolves to ``medium``."""
    return job.quality if job.quality in _OUTPUT_TOKENS_1024 else "medium"


def usage_for(job: ImageJob) -> dict[str, Any]:
    """Made-up but deterministic token usage of a GPT image job.

    Text tokens: one per 4 prompt characters (rounded up). Input image tokens: per
    uploaded image, ``65 + 129 * tiles`` with 512x512 tiles. Output image tokens: 272,
    1056 or 4160 for a low, medium or high quality 1024x1024 image, scaled by pixel count,
    plus 100 per streamed partial image, for each of the ``n`` images.
    """
    text_tokens = max(1, math.ceil(len(job.prompt or "") / 4))
    image_tokens = sum(
        65 + 129 * math.ceil(u.info.width / 512) * math.ceil(u.info.height / 512)
        for u in job.images
    )
    per_image = round(
        _OUTPUT_TOKENS_1024[_resolved_quality(job)] * job.width * job.height / (1024 * 1024)
    )
    if job.stream:
        per_image += _PARTIAL_IMAGE_TOKENS * job.partial_images
    output_tokens = per_image * job.n
    input_tokens = text_tokens + image_tokens
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"text_tokens": text_tokens, "image_tokens": image_tokens},
        "output_tokens": output_tokens,
        "output_tokens_details": {"image_tokens": output_tokens, "text_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    }


def _b64_png(job: ImageJob, pixels: bytes, color_type: int) -> str:
    png = encode_png(job.width, job.height, pixels, color_type=color_type)
    return base64.b64encode(png).decode("ascii")


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
