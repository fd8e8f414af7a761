"""What the Images API accepts: per-endpoint and per-model rules, as tables, and the checks.

The rules come from the v2.0.0 OpenAI spec and its field descriptions. Model-specific
limits live in :data:`MODELS` so that newer models (the GPT image models of the latest
spec) can be added as rows; parameters a model does not take are rejected by name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from openapiopenai._png import PngError, PngInfo, read_png_info
from openapiopenai.testing._errors import ApiError, bad_request
from openapiopenai.testing._multipart import Part

__all__ = [
    "DEFAULT_MODEL",
    "ENDPOINTS",
    "MAX_IMAGE_BYTES",
    "MODELS",
    "EndpointRules",
    "ImageJob",
    "ModelRules",
    "validate",
]

Endpoint = Literal["generations", "edits", "variations"]

#: "Must be a valid PNG file, less than 4MB": uploads must be strictly smaller than this.
MAX_IMAGE_BYTES = 4 * 1024 * 1024

RESPONSE_FORMATS = ("url", "b64_json")


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


MODELS: Mapping[str, ModelRules] = {
    "dall-e-2": ModelRules(
        name="dall-e-2",
        endpoints=frozenset(("generations", "edits", "variations")),
        sizes=("256x256", "512x512", "1024x1024"),
        max_prompt_length=1000,
        # ``quality`` is documented as dall-e-3 only, but ``standard`` is its default (and,
        # per the later spec, "the only option for dall-e-2"), so a client sending the
        # default must not fail; ``hd`` is rejected.
        qualities=("standard",),
    ),
    "dall-e-3": ModelRules(
        name="dall-e-3",
        endpoints=frozenset(("generations",)),
        sizes=("1024x1024", "1792x1024", "1024x1792"),
        max_prompt_length=4000,
        max_n=1,
        qualities=("standard", "hd"),
        styles=("vivid", "natural"),
        revises_prompt=True,
    ),
}
DEFAULT_MODEL = "dall-e-2"


@dataclass(frozen=True)
class EndpointRules:
    """One operation: its body encoding, accepted parameters and required ones."""

    name: Endpoint
    body: Literal["json", "multipart"]
    params: frozenset[str]
    required: tuple[str, ...]
    files: frozenset[str] = frozenset()


#: Keyed by the path below ``/v1``.
ENDPOINTS: Mapping[str, EndpointRules] = {
    "/images/generations": EndpointRules(
        name="generations",
        body="json",
        params=frozenset(
            ("prompt", "model", "n", "quality", "response_format", "size", "style", "user")
        ),
        required=("prompt",),
    ),
    "/images/edits": EndpointRules(
        name="edits",
        body="multipart",
        params=frozenset(
            ("image", "prompt", "mask", "model", "n", "size", "response_format", "user")
        ),
        required=("image", "prompt"),
        files=frozenset(("image", "mask")),
    ),
    "/images/variations": EndpointRules(
        name="variations",
        body="multipart",
        params=frozenset(("image", "model", "n", "response_format", "size", "user")),
        required=("image",),
        files=frozenset(("image",)),
    ),
}


@dataclass(frozen=True)
class ImageJob:
    """A validated request: everything needed to make the images."""

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
    image: bytes | None = None
    mask: bytes | None = None


_MISSING: Any = object()
_INTEGER = re.compile(r"[+-]?[0-9]+")
Files = Mapping[str, Part]
Params = Mapping[str, Any]


def validate(endpoint: EndpointRules, params: Params, files: Files) -> ImageJob:
    """Check one request against the endpoint's and the model's rules.

    ``params`` holds the JSON body's members or the form's text fields (strings);
    ``files`` the form's file parts. Checks run in a fixed order, and the first failure
    is raised as a 400 :class:`ApiError` naming the parameter.
    """
    form = endpoint.body == "multipart"
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

    model = _model(endpoint, _string(params, "model", nullable=True))
    prompt = _prompt(params, model) if "prompt" in endpoint.params else None
    n = _n(params, model, form)
    width, height = _size(params, model)
    quality = _choice(params, "quality", "qualities", model, nullable=False)
    style = _choice(params, "style", "styles", model, nullable=True)
    response_format = _string(params, "response_format", nullable=True) or "url"
    if response_format not in RESPONSE_FORMATS:
        raise _invalid_value("response_format", response_format, RESPONSE_FORMATS)
    user = _string(params, "user", nullable=False)

    image = mask = None
    if "image" in files:
        image, image_info = _png_upload(files["image"], "image")
        if image_info.width != image_info.height:
            raise bad_request(
                f"Invalid 'image': the image must be square, but it is"
                f" {image_info.width}x{image_info.height}.",
                "image",
                "image_not_square",
            )
        if "mask" in files:
            mask, mask_info = _png_upload(files["mask"], "mask")
            if (mask_info.width, mask_info.height) != (image_info.width, image_info.height):
                raise bad_request(
                    f"Invalid 'mask': the mask must have the same dimensions as the image"
                    f" ({image_info.width}x{image_info.height}), but it is"
                    f" {mask_info.width}x{mask_info.height}.",
                    "mask",
                    "mask_size_mismatch",
                )
            if not mask_info.has_alpha:
                raise bad_request(
                    "Invalid 'mask': the mask has no alpha channel; its fully transparent"
                    " areas mark where the image is edited.",
                    "mask",
                    "mask_without_transparency",
                )
        elif endpoint.name == "edits" and not image_info.has_alpha:
            raise bad_request(
                "Invalid 'image': without a 'mask' the image must have transparency (an alpha"
                " channel or tRNS chunk); its fully transparent areas mark what to edit.",
                "image",
                "image_without_transparency",
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
        image=image,
        mask=mask,
    )


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


def _invalid_value(name: str, value: str, supported: tuple[str, ...], hint: str = "") -> ApiError:
    quoted = [f"'{choice}'" for choice in supported]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" and {quoted[-1]}"
    return bad_request(
        f"Invalid value for '{name}': '{value}'. Supported values are: {listed}.{hint}",
        name,
        "invalid_value",
    )


def _string(params: Params, name: str, *, nullable: bool) -> str | None:
    value = params.get(name, _MISSING)
    if value is _MISSING or (value is None and nullable):
        return None
    if not isinstance(value, str):
        raise _invalid_type(name, "a string", value)
    return value


def _model(endpoint: EndpointRules, name: str | None) -> ModelRules:
    name = DEFAULT_MODEL if name is None else name
    rules = MODELS.get(name)
    if rules is None or endpoint.name not in rules.endpoints:
        supported = tuple(m for m, r in MODELS.items() if endpoint.name in r.endpoints)
        raise _invalid_value("model", name, supported)
    return rules


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


def _n(params: Params, model: ModelRules, form: bool) -> int:
    value = params.get("n", _MISSING)
    if value is _MISSING or value is None:
        return 1
    if form and isinstance(value, str) and _INTEGER.fullmatch(value):
        n = int(value)
    elif not form and isinstance(value, int) and not isinstance(value, bool):
        n = value
    elif not form and isinstance(value, float) and value.is_integer():
        n = int(value)  # JSON Schema counts 2.0 as an integer
    else:
        raise _invalid_type("n", "an integer", value)
    if n < 1:
        raise bad_request(
            f"Invalid 'n': integer below minimum value. Expected a value >= 1,"
            f" but got {n} instead.",
            "n",
            "integer_below_min_value",
        )
    if n > model.max_n:
        raise bad_request(
            f"Invalid 'n': integer above maximum value. Expected a value <= {model.max_n}"
            f" for {model.name}, but got {n} instead.",
            "n",
            "integer_above_max_value",
        )
    return n


def _size(params: Params, model: ModelRules) -> tuple[int, int]:
    size = _string(params, "size", nullable=True) or "1024x1024"
    if size not in model.sizes:
        raise _invalid_value("size", size, model.sizes, f" ({model.name})")
    width, _, height = size.partition("x")
    return int(width), int(height)


def _choice(
    params: Params, name: str, table_field: str, model: ModelRules, *, nullable: bool
) -> str | None:
    """An enum parameter whose accepted values are the model's ``table_field``."""
    value = _string(params, name, nullable=nullable)
    if value is None:
        return None
    choices: tuple[str, ...] = getattr(model, table_field)
    if not choices:
        others = [m.name for m in MODELS.values() if getattr(m, table_field)]
        raise bad_request(
            f"Unsupported parameter: '{name}' is not supported with {model.name}"
            f" (only with {', '.join(others)}).",
            name,
            "unsupported_parameter",
        )
    if value not in choices:
        raise _invalid_value(name, value, choices, f" ({model.name})")
    return value


def _png_upload(part: Part, name: str) -> tuple[bytes, PngInfo]:
    data = part.data
    if len(data) >= MAX_IMAGE_BYTES:
        raise bad_request(
            f"Invalid '{name}': uploaded image must be a PNG and less than 4 MB,"
            f" but it is {len(data)} bytes.",
            name,
            "image_too_large",
        )
    try:
        info = read_png_info(data)
    except PngError as exc:
        raise bad_request(
            f"Invalid '{name}': uploaded image must be a valid PNG ({exc}).",
            name,
            "invalid_image_format",
        ) from None
    return data, info
