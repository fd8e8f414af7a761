"""What the Images API accepts: per-endpoint and per-model rules, as tables, and the checks.

The rules come from the OpenAI spec, v2.0.0 and the latest one, and their field
descriptions. Model-specific limits are rows of :data:`MODELS`; a parameter a model does
not take is rejected by name (``unsupported_parameter``). Requests valid under v2.0.0 keep
their meaning: without a ``model``, generations use ``dall-e-2`` unless a parameter only
the GPT image models take is present, and then :data:`DEFAULT_GPT_MODEL`; edits use
:data:`DEFAULT_GPT_MODEL`, as the latest contract says.

One limit is this server's own, not the API's: it writes PNG only, so ``output_format``
``jpeg`` and ``webp`` are rejected (param ``output_format``, code ``unsupported_value``)
after every rule of the API has passed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from openapiopenai.testing._errors import ApiError, bad_request
from openapiopenai.testing._multipart import Part
from openapiopenai.testing._uploads import UploadError, UploadInfo, inspect_upload

__all__ = [
    "DEFAULT_GPT_MODEL",
    "DEFAULT_MODEL",
    "ENDPOINTS",
    "GPT_ONLY_PARAMS",
    "JSON_EDITS",
    "MAX_EDIT_IMAGES",
    "MAX_GPT_IMAGE_BYTES",
    "MAX_IMAGE_BYTES",
    "MODELS",
    "PRODUCIBLE_FORMATS",
    "EndpointRules",
    "ImageJob",
    "ModelRules",
    "Upload",
    "validate",
]

Endpoint = Literal["generations", "edits", "variations"]

#: "Must be a valid PNG file, less than 4MB": dall-e-2 uploads and every mask.
MAX_IMAGE_BYTES = 4 * 1024 * 1024
#: GPT image model uploads: "a png, webp, or jpg file less than 50MB".
MAX_GPT_IMAGE_BYTES = 50 * 1024 * 1024
#: "You can provide up to 16 images" (GPT image models; repeated ``image[]`` parts).
MAX_EDIT_IMAGES = 16

RESPONSE_FORMATS = ("url", "b64_json")
#: Parameters only the GPT image models take; one of them (not null) picks a GPT model
#: when the request names none.
GPT_ONLY_PARAMS = (
    "background",
    "moderation",
    "input_fidelity",
    "output_format",
    "output_compression",
    "stream",
    "partial_images",
)
#: ``quality`` values only the GPT image models take (they, too, pick a GPT model).
GPT_ONLY_QUALITIES = ("low", "medium", "high")
#: The ``output_format`` values this server can encode (the API also writes jpeg and webp).
PRODUCIBLE_FORMATS = ("png",)

_GPT_SIZES = ("1024x1024", "1536x1024", "1024x1536", "auto")
_GPT_QUALITIES = ("low", "medium", "high", "auto")
_GPT_FORMATS = ("png", "jpeg", "webp")
#: gpt-image-2 custom sizes: at most this many pixels and this long an edge.
MAX_CUSTOM_PIXELS = 3840 * 2160
MAX_CUSTOM_EDGE = 3840


@dataclass(frozen=True)
class ModelRules:
    """One model's limits; a parameter with no accepted values is not supported."""

    name: str
    endpoints: frozenset[Endpoint]
    sizes: tuple[str, ...]
    max_prompt_length: int
    max_n: int = 10
    qualities: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()
    #: Whether responses carry ``revised_prompt`` (dall-e-3 rewrites prompts).
    revises_prompt: bool = False
    #: ``response_format`` values; the GPT image models take none (always ``b64_json``).
    response_formats: tuple[str, ...] = RESPONSE_FORMATS
    #: Whether other ``WIDTHxHEIGHT`` sizes are accepted (gpt-image-2: multiples of 16,
    #: aspect ratio 1:3 to 3:1, at most 3840x2160).
    custom_sizes: bool = False
    backgrounds: tuple[str, ...] = ()
    moderations: tuple[str, ...] = ()
    input_fidelities: tuple[str, ...] = ()
    #: ``output_format`` values; ``output_compression`` is taken with these too.
    output_formats: tuple[str, ...] = ()
    #: Whether ``stream`` and ``partial_images`` (0 to 3) are taken.
    streams: bool = False
    #: Uploads: sniffed formats, byte limit (exclusive), squareness, image count.
    upload_formats: tuple[str, ...] = ("png",)
    max_upload_bytes: int = MAX_IMAGE_BYTES
    square_uploads: bool = True
    max_images: int = 1

    @property
    def gpt(self) -> bool:
        """A GPT image model: base64 only, with ``usage`` and output facts in responses."""
        return not self.response_formats


def _gpt_model(
    name: str,
    *,
    endpoints: tuple[Endpoint, ...] = ("generations", "edits"),
    custom_sizes: bool = False,
    input_fidelity: bool = True,
) -> ModelRules:
    return ModelRules(
        name=name,
        endpoints=frozenset(endpoints),
        sizes=_GPT_SIZES,
        max_prompt_length=32000,
        qualities=_GPT_QUALITIES,
        response_formats=(),
        custom_sizes=custom_sizes,
        backgrounds=("transparent", "opaque", "auto"),
        moderations=("low", "auto"),
        input_fidelities=("high", "low") if input_fidelity else (),
        output_formats=_GPT_FORMATS,
        streams=True,
        upload_formats=("png", "jpeg", "webp"),
        max_upload_bytes=MAX_GPT_IMAGE_BYTES,
        square_uploads=False,
        max_images=MAX_EDIT_IMAGES,
    )


MODELS: Mapping[str, ModelRules] = {
    "dall-e-2": ModelRules(
        name="dall-e-2",
        endpoints=frozenset(("generations", "edits", "variations")),
        sizes=("256x256", "512x512", "1024x1024"),
        max_prompt_length=1000,
        # ``standard`` is "the only option for dall-e-2" and ``auto`` the default of the
        # latest spec, so a client sending either must not fail; ``hd`` is rejected.
        qualities=("standard", "auto"),
    ),
    "dall-e-3": ModelRules(
        name="dall-e-3",
        endpoints=frozenset(("generations",)),
        sizes=("1024x1024", "1792x1024", "1024x1792"),
        max_prompt_length=4000,
        max_n=1,
        qualities=("standard", "hd", "auto"),
        styles=("vivid", "natural"),
        revises_prompt=True,
    ),
    "gpt-image-1": _gpt_model("gpt-image-1"),
    "gpt-image-1-mini": _gpt_model("gpt-image-1-mini", input_fidelity=False),
    "gpt-image-1.5": _gpt_model("gpt-image-1.5"),
    "gpt-image-2": _gpt_model("gpt-image-2", custom_sizes=True),
    "gpt-image-2-2026-04-21": _gpt_model("gpt-image-2-2026-04-21", custom_sizes=True),
    "chatgpt-image-latest": _gpt_model("chatgpt-image-latest", endpoints=("edits",)),
}
#: The model of a request that names none and takes no GPT-only parameter.
DEFAULT_MODEL = "dall-e-2"
#: The model of a request that names none but uses a GPT-only parameter.
DEFAULT_GPT_MODEL = "gpt-image-1.5"


@dataclass(frozen=True)
class EndpointRules:
    """One operation: its body encoding, accepted parameters and required ones."""

    name: Endpoint
    body: Literal["json", "multipart"]
    params: frozenset[str]
    required: tuple[str, ...]
    files: frozenset[str] = frozenset()
    #: File fields that may be repeated as ``name[]`` parts (``image[]`` of edits).
    file_arrays: frozenset[str] = frozenset()


#: Keyed by the path below ``/v1``.
ENDPOINTS: Mapping[str, EndpointRules] = {
    "/images/generations": EndpointRules(
        name="generations",
        body="json",
        params=frozenset(
            (
                "prompt",
                "model",
                "n",
                "quality",
                "response_format",
                "size",
                "style",
                "user",
                "background",
                "moderation",
                "output_format",
                "output_compression",
                "stream",
                "partial_images",
            )
        ),
        required=("prompt",),
    ),
    "/images/edits": EndpointRules(
        name="edits",
        body="multipart",
        params=frozenset(
            (
                "image",
                "prompt",
                "mask",
                "model",
                "n",
                "size",
                "response_format",
                "user",
                "background",
                "input_fidelity",
                "output_format",
                "output_compression",
                "quality",
                "stream",
                "partial_images",
            )
        ),
        required=("image", "prompt"),
        files=frozenset(("image", "mask")),
        file_arrays=frozenset(("image",)),
    ),
    "/images/variations": EndpointRules(
        name="variations",
        body="multipart",
        params=frozenset(("image", "model", "n", "response_format", "size", "user")),
        required=("image",),
        files=frozenset(("image",)),
    ),
}

#: The JSON form of ``/images/edits``: the references become ``image``/``mask`` files.
JSON_EDITS = EndpointRules(
    name="edits",
    body="json",
    params=(ENDPOINTS["/images/edits"].params - {"response_format"}) | {"moderation"},
    required=("image", "prompt"),
    files=frozenset(("image", "mask")),
    file_arrays=frozenset(("image",)),
)


@dataclass(frozen=True)
class Upload:
    """One uploaded image: its bytes and what its header says."""

    data: bytes
    info: UploadInfo


@dataclass(frozen=True)
class ImageJob:
    """A validated request: everything needed to make the images.

    Optional parameters the request left out are ``None``; ``size`` is the resolved
    ``WIDTHxHEIGHT`` (``auto`` decided).
    """

    endpoint: Endpoint
    model: ModelRules
    n: int
    width: int
    height: int
    response_format: str
    prompt: str | None = None
    quality: str | None = None
    style: str | None = None
    user: str | None = None
    images: tuple[Upload, ...] = ()
    mask: Upload | None = None
    background: str | None = None
    moderation: str | None = None
    input_fidelity: str | None = None
    output_format: str | None = None
    output_compression: int | None = None
    stream: bool = False
    partial_images: int = 0

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"

    @property
    def image(self) -> bytes | None:
        """The first uploaded image's bytes."""
        return self.images[0].data if self.images else None


_MISSING: Any = object()
_INTEGER = re.compile(r"[+-]?[0-9]+")
_SIZE = re.compile(r"([0-9]{1,5})x([0-9]{1,5})")
Files = Mapping[str, Sequence[Part]]
Params = Mapping[str, Any]


def validate(
    endpoint: EndpointRules,
    params: Params,
    files: Files,
    *,
    edit_default_model: str = DEFAULT_GPT_MODEL,
) -> ImageJob:
    """Check one request against the endpoint's and the model's rules.

    ``params`` holds the JSON body's members or the form's text fields (strings);
    ``files`` the form's file parts by field name (``image[]`` parts under ``image``).
    Checks run in a fixed order, and the first failure is raised as a 400
    :class:`ApiError` naming the parameter.
    """
    form = endpoint.body == "multipart"
    _check_names(endpoint, params, files)

    model = _model(endpoint, params, files, edit_default_model)
    prompt = _prompt(params, model) if "prompt" in endpoint.params else None
    n = _integer(params, "n", form, 1, model.max_n, model) or 1
    size = _size(params, model)
    quality = _choice(params, "quality", "qualities", model)
    style = _choice(params, "style", "styles", model)
    response_format = _response_format(params, model)
    user = _string(params, "user", nullable=False)
    background = _choice(params, "background", "backgrounds", model)
    moderation = _choice(params, "moderation", "moderations", model)
    input_fidelity = _choice(params, "input_fidelity", "input_fidelities", model)
    output_format = _choice(params, "output_format", "output_formats", model)
    compression = _output_compression(params, model, form, output_format)
    stream = _stream(params, model, form)
    partial_images = _supported(params, "partial_images", "streams", model)
    partials = _integer(params, "partial_images", form, 0, 3, None) if partial_images else None
    if background == "transparent" and output_format == "jpeg":
        raise bad_request(
            "Invalid 'background': 'transparent' needs an output format with transparency;"
            " set 'output_format' to 'png' or 'webp'.",
            "background",
            "invalid_value",
        )

    images: tuple[Upload, ...] = ()
    mask = None
    if "image" in files:
        images, mask = _uploads(endpoint, model, files)
    width, height = _resolve_size(size, endpoint, images)

    if output_format is not None and output_format not in PRODUCIBLE_FORMATS:
        raise bad_request(
            f"Unsupported value for 'output_format': '{output_format}'. The openapiopenai"
            f" test server only produces PNG images; send output_format 'png' or leave it"
            f" unset (the real API also writes '{output_format}').",
            "output_format",
            "unsupported_value",
        )
    return ImageJob(
        endpoint=endpoint.name,
        model=model,
        n=n,
        width=width,
        height=height,
        response_format=response_format,
        prompt=prompt,
        quality=quality,
        style=style,
        user=user,
        images=images,
        mask=mask,
        background=background,
        moderation=moderation,
        input_fidelity=input_fidelity,
        output_format=output_format,
        output_compression=compression,
        stream=bool(stream),
        partial_images=partials or 0,
    )


def _check_names(endpoint: EndpointRules, params: Params, files: Files) -> None:
    for name in list(params) + list(files):
        if name not in endpoint.params:
            raise bad_request(f"Unknown parameter: '{name}'.", name, "unknown_parameter")
    for name in endpoint.required:
        if name not in params and name not in files:
            raise bad_request(
                f"Missing required parameter: '{name}'.", name, "missing_required_parameter"
            )
    for name in endpoint.files:
        if name in params:
            raise bad_request(
                f"Invalid '{name}': expected a file upload (a form part with a filename),"
                " but got a text field instead.",
                name,
                "invalid_type",
            )
    for name in files:
        if name not in endpoint.files:
            raise bad_request(
                f"Invalid '{name}': expected a text field, but got a file upload instead.",
                name,
                "invalid_type",
            )


# --- messages -----------------------------------------------------------------------------


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _invalid_type(name: str, expected: str, value: object) -> ApiError:
    return bad_request(
        f"Invalid type for '{name}': expected {expected}, but got {_type_name(value)} instead.",
        name,
        "invalid_type",
    )


def _listed(values: Sequence[str]) -> str:
    quoted = [f"'{value}'" for value in values]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" and {quoted[-1]}"


def _invalid_value(name: str, value: str, supported: tuple[str, ...], hint: str = "") -> ApiError:
    return bad_request(
        f"Invalid value for '{name}': '{value}'. Supported values are: {_listed(supported)}.{hint}",
        name,
        "invalid_value",
    )


def _unsupported(name: str, model: ModelRules, table_field: str) -> ApiError:
    others = [m.name for m in MODELS.values() if getattr(m, table_field)]
    return bad_request(
        f"Unsupported parameter: '{name}' is not supported with {model.name}"
        f" (only with {', '.join(others)}).",
        name,
        "unsupported_parameter",
    )


# --- parameters ---------------------------------------------------------------------------


def _string(params: Params, name: str, *, nullable: bool) -> str | None:
    value = params.get(name, _MISSING)
    if value is _MISSING or (value is None and nullable):
        return None
    if not isinstance(value, str):
        raise _invalid_type(name, "a string", value)
    return value


def _model(
    endpoint: EndpointRules, params: Params, files: Files, edit_default_model: str
) -> ModelRules:
    name = _string(params, "model", nullable=True)
    if name is None:
        if _wants_gpt(endpoint, params, files):
            name = DEFAULT_GPT_MODEL
        elif endpoint.name == "edits":
            # The latest contract defaults edits to gpt-image-1.5 (API 2.0.0: dall-e-2).
            name = edit_default_model
        else:
            name = DEFAULT_MODEL
    rules = MODELS.get(name)
    if rules is None or endpoint.name not in rules.endpoints:
        supported = tuple(m for m, r in MODELS.items() if endpoint.name in r.endpoints)
        raise _invalid_value("model", name, supported)
    return rules


def _wants_gpt(endpoint: EndpointRules, params: Params, files: Files) -> bool:
    """Whether a request without a model uses something only the GPT image models take."""
    if any(params.get(name) is not None for name in GPT_ONLY_PARAMS if name in endpoint.params):
        return True
    quality = params.get("quality")
    return (isinstance(quality, str) and quality in GPT_ONLY_QUALITIES) or len(
        files.get("image", ())
    ) > 1


def _prompt(params: Params, model: ModelRules) -> str | None:
    prompt = _string(params, "prompt", nullable=False)
    if prompt is None:
        return None
    if not prompt:
        raise bad_request(
            "Invalid 'prompt': empty string. Expected a string with minimum length 1,"
            " but got an empty string instead.",
            "prompt",
            "empty_string",
        )
    if len(prompt) > model.max_prompt_length:
        raise bad_request(
            f"Invalid 'prompt': string too long. Expected a string with maximum length"
            f" {model.max_prompt_length} for {model.name}, but got a string with length"
            f" {len(prompt)} instead.",
            "prompt",
            "string_above_max_length",
        )
    return prompt


def _integer(
    params: Params, name: str, form: bool, minimum: int, maximum: int, model: ModelRules | None
) -> int | None:
    """An integer parameter (a decimal string in a form); ``None`` when absent or null."""
    value = params.get(name, _MISSING)
    if value is _MISSING or value is None:
        return None
    if form and isinstance(value, str) and _INTEGER.fullmatch(value):
        number = int(value)
    elif not form and isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif not form and isinstance(value, float) and value.is_integer():
        number = int(value)  # JSON Schema counts 2.0 as an integer
    else:
        raise _invalid_type(name, "an integer", value)
    if number < minimum:
        raise bad_request(
            f"Invalid '{name}': integer below minimum value. Expected a value >= {minimum},"
            f" but got {number} instead.",
            name,
            "integer_below_min_value",
        )
    if number > maximum:
        where = f" for {model.name}" if model is not None else ""
        raise bad_request(
            f"Invalid '{name}': integer above maximum value. Expected a value <= {maximum}"
            f"{where}, but got {number} instead.",
            name,
            "integer_above_max_value",
        )
    return number


def _size(params: Params, model: ModelRules) -> str:
    size = _string(params, "size", nullable=True) or "1024x1024"
    if size in model.sizes:
        return size
    if model.custom_sizes:
        problem = _custom_size_problem(size)
        if problem is None:
            return size
        raise bad_request(
            f"Invalid value for 'size': '{size}'. {model.name} takes {_listed(model.sizes)}"
            f" or a custom WIDTHxHEIGHT: {problem}.",
            "size",
            "invalid_value",
        )
    raise _invalid_value("size", size, model.sizes, f" ({model.name})")


def _custom_size_problem(size: str) -> str | None:
    """Why ``size`` is not a valid custom resolution, or ``None`` if it is."""
    match = _SIZE.fullmatch(size)
    if match is None:
        return "expected WIDTHxHEIGHT, for example 1536x864"
    width, height = int(match.group(1)), int(match.group(2))
    if width == 0 or height == 0 or width % 16 or height % 16:
        return "width and height must both be positive multiples of 16"
    if not (width <= 3 * height and height <= 3 * width):
        return "the aspect ratio must be between 1:3 and 3:1"
    if max(width, height) > MAX_CUSTOM_EDGE or width * height > MAX_CUSTOM_PIXELS:
        return "the maximum supported resolution is 3840x2160"
    return None


def _resolve_size(
    size: str, endpoint: EndpointRules, images: tuple[Upload, ...]
) -> tuple[int, int]:
    """``WIDTHxHEIGHT`` as numbers; ``auto`` follows the first image's shape for edits."""
    if size != "auto":
        width, _, height = size.partition("x")
        return int(width), int(height)
    if endpoint.name == "edits" and images:
        info = images[0].info
        if info.width * 4 >= info.height * 5:
            return 1536, 1024
        if info.height * 4 >= info.width * 5:
            return 1024, 1536
    return 1024, 1024


def _choice(params: Params, name: str, table_field: str, model: ModelRules) -> str | None:
    """An enum parameter (nullable) whose accepted values are the model's ``table_field``."""
    value = _string(params, name, nullable=True)
    if value is None:
        return None
    choices: tuple[str, ...] = getattr(model, table_field)
    if not choices:
        raise _unsupported(name, model, table_field)
    if value not in choices:
        raise _invalid_value(name, value, choices, f" ({model.name})")
    return value


def _supported(params: Params, name: str, table_field: str, model: ModelRules) -> bool:
    """Whether ``name`` was sent (not null); an error if the model's ``table_field`` is off."""
    if params.get(name) is None:
        return False
    if not getattr(model, table_field):
        raise _unsupported(name, model, table_field)
    return True


def _response_format(params: Params, model: ModelRules) -> str:
    value = _string(params, "response_format", nullable=True)
    if not model.response_formats:
        if value is not None:
            raise bad_request(
                f"Unsupported parameter: 'response_format' is not supported with {model.name}:"
                " the GPT image models always return base64-encoded images (b64_json).",
                "response_format",
                "unsupported_parameter",
            )
        return "b64_json"
    value = value or "url"
    if value not in model.response_formats:
        raise _invalid_value("response_format", value, model.response_formats)
    return value


def _output_compression(
    params: Params, model: ModelRules, form: bool, output_format: str | None
) -> int | None:
    if not _supported(params, "output_compression", "output_formats", model):
        return None
    compression = _integer(params, "output_compression", form, 0, 100, None)
    if output_format not in ("jpeg", "webp"):
        raise bad_request(
            "Invalid 'output_compression': it is only supported with the 'jpeg' and 'webp'"
            f" output formats, but output_format is '{output_format or 'png'}'.",
            "output_compression",
            "unsupported_parameter",
        )
    return compression


def _stream(params: Params, model: ModelRules, form: bool) -> bool | None:
    if not _supported(params, "stream", "streams", model):
        return None
    value = params["stream"]
    if form and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not form and isinstance(value, bool):
        return value
    raise _invalid_type("stream", "a boolean", value)


# --- uploads ------------------------------------------------------------------------------


def _uploads(
    endpoint: EndpointRules, model: ModelRules, files: Files
) -> tuple[tuple[Upload, ...], Upload | None]:
    parts = files["image"]
    if len(parts) > model.max_images:
        raise bad_request(
            f"Invalid 'image': {model.name} takes "
            + ("one image" if model.max_images == 1 else f"at most {model.max_images} images")
            + f", but {len(parts)} were given.",
            "image",
            "too_many_images",
        )
    images = tuple(
        _upload(part, "image", model, index if len(parts) > 1 else None)
        for index, part in enumerate(parts)
    )
    first = images[0].info
    if model.square_uploads and first.width != first.height:
        raise bad_request(
            f"Invalid 'image': the image must be square, but it is {first.width}x{first.height}.",
            "image",
            "image_not_square",
        )
    mask_parts = files.get("mask", ())
    if mask_parts:
        mask = _upload(mask_parts[0], "mask", MODELS[DEFAULT_MODEL], None)
        if (mask.info.width, mask.info.height) != (first.width, first.height):
            which = "the first image" if len(images) > 1 else "the image"
            raise bad_request(
                f"Invalid 'mask': the mask must have the same dimensions as {which}"
                f" ({first.width}x{first.height}), but it is"
                f" {mask.info.width}x{mask.info.height}.",
                "mask",
                "mask_size_mismatch",
            )
        if not mask.info.has_alpha:
            raise bad_request(
                "Invalid 'mask': the mask has no alpha channel; its fully transparent"
                " areas mark where the image is edited.",
                "mask",
                "mask_without_transparency",
            )
        return images, mask
    if endpoint.name == "edits" and not model.gpt and not first.has_alpha:
        raise bad_request(
            "Invalid 'image': without a 'mask' the image must have transparency (an alpha"
            " channel or tRNS chunk); its fully transparent areas mark what to edit.",
            "image",
            "image_without_transparency",
        )
    return images, None


def _upload(part: Part, name: str, model: ModelRules, index: int | None) -> Upload:
    """One upload checked against ``model``'s byte limit and formats (masks: PNG, 4 MB)."""
    data = part.data
    label = name if index is None else f"{name}[{index}]"
    kinds = "a PNG" if model.upload_formats == ("png",) else "a PNG, JPEG or WebP image"
    limit = model.max_upload_bytes // (1024 * 1024)
    if len(data) >= model.max_upload_bytes:
        raise bad_request(
            f"Invalid '{label}': uploaded image must be {kinds} and less than {limit} MB,"
            f" but it is {len(data)} bytes.",
            name,
            "image_too_large",
        )
    try:
        info = inspect_upload(data)
    except UploadError as exc:
        raise bad_request(
            f"Invalid '{label}': uploaded image must be {kinds} ({exc}).",
            name,
            "invalid_image_format",
        ) from None
    if info.format not in model.upload_formats:
        raise bad_request(
            f"Invalid '{label}': uploaded image must be {kinds}, but it is {info.format.upper()}.",
            name,
            "invalid_image_format",
        )
    return Upload(data, info)
