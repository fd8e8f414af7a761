"""Pre-flight checks: reject what the API would reject, before a byte is sent.

Two layers.  :func:`validated` applies the spec's own constraints (types, enums, ranges)
through the pydantic models and turns their errors into ``ApiTypeError`` /
``ApiValueError`` naming the parameter.  The ``check_*`` functions add the rules the
spec states only in prose, per model (prompt length, ``n``, sizes, which parameters a
model takes) and for uploaded images.  For a model name not listed here only the spec's
own constraints apply, so new models work without a new release.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

from openapiopenai._file_types import sniff_image_type
from openapiopenai.exceptions import ApiTypeError, ApiValueError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from openapiopenai._multipart import FilePart
    from openapiopenai._png import PngInfo

    M = TypeVar("M", bound=BaseModel)  # annotations only

__all__ = [
    "EDIT_RULES",
    "GENERATION_RULES",
    "MAX_EDIT_IMAGES",
    "MAX_PNG_BYTES",
    "ModelRules",
    "check_edit",
    "check_generation",
    "check_json_edit",
    "check_stream",
    "check_variation",
    "validated",
]


# dall-e-2 uploads: "a valid PNG file, less than 4MB, and square".
MAX_PNG_BYTES = 4 * 1024 * 1024
# GPT image model uploads: "a png, webp, or jpg file less than 50MB", up to 16 of them.
MAX_GPT_IMAGE_BYTES = 50 * 1024 * 1024
MAX_EDIT_IMAGES = 16

_DALLE2_SIZES = frozenset({"256x256", "512x512", "1024x1024"})
_DALLE3_SIZES = frozenset({"1024x1024", "1792x1024", "1024x1792"})
_GPT_SIZES = frozenset({"1024x1024", "1536x1024", "1024x1536", "auto"})
_GPT_QUALITIES = frozenset({"low", "medium", "high", "auto"})
# Parameters only the GPT image models take.
_GPT_ONLY = (
    "background",
    "moderation",
    "output_format",
    "output_compression",
    "partial_images",
    "stream",
    "input_fidelity",
)
_SIZE_PATTERN = r"^([1-9][0-9]{0,4})x([1-9][0-9]{0,4})$"  # compiled by its first use


def _gpt_image_2_size(size: str) -> Optional[str]:
    """Why ``size`` is not a valid gpt-image-2 resolution, or ``None`` if it is."""
    if size in _GPT_SIZES:
        return None
    match = re.fullmatch(_SIZE_PATTERN, size)  # "$" would let a final "\n" through
    if match is None:
        return "must be 'auto' or WIDTHxHEIGHT"
    width, height = int(match.group(1)), int(match.group(2))
    if width % 16 or height % 16:
        return "width and height must both be divisible by 16"
    if not 1 / 3 <= width / height <= 3:
        return "the aspect ratio must be between 1:3 and 3:1"
    if max(width, height) > 3840 or width * height > 3840 * 2160:
        return "the maximum resolution is 3840x2160"
    return None


class ModelRules:
    """What one model accepts, from the spec's descriptions.

    ``None`` for a set of values means "any value the spec allows"; an empty set means
    the model does not take the parameter at all.  ``custom_size`` checks sizes not in
    ``sizes`` (gpt-image-2 takes custom resolutions).  Uploads: the accepted formats, the
    byte limit, whether images must be square, and how many one edit takes.  (A plain
    class: a frozen dataclass or a named tuple costs every process's start to make.)
    """

    __slots__ = (
        "custom_size",
        "gpt_params",
        "input_fidelity",
        "max_images",
        "n_max",
        "prompt_max",
        "qualities",
        "response_format",
        "sizes",
        "styles",
        "upload_formats",
        "upload_max_bytes",
        "upload_square",
    )

    def __init__(
        self,
        prompt_max: Optional[int],
        n_max: int = 10,
        sizes: Optional[frozenset[str]] = None,
        custom_size: Optional[Callable[[str], Optional[str]]] = None,
        qualities: Optional[frozenset[str]] = None,
        styles: Optional[frozenset[str]] = None,
        response_format: bool = True,
        gpt_params: bool = False,
        input_fidelity: bool = False,
        upload_formats: frozenset[str] = frozenset({"image/png"}),
        upload_max_bytes: int = MAX_PNG_BYTES,
        upload_square: bool = True,
        max_images: int = 1,
    ) -> None:
        self.prompt_max = prompt_max
        self.n_max = n_max
        self.sizes = sizes
        self.custom_size = custom_size
        self.qualities = qualities
        self.styles = styles
        self.response_format = response_format
        self.gpt_params = gpt_params
        self.input_fidelity = input_fidelity
        self.upload_formats = upload_formats
        self.upload_max_bytes = upload_max_bytes
        self.upload_square = upload_square
        self.max_images = max_images


_DALLE2 = ModelRules(
    prompt_max=1000,
    sizes=_DALLE2_SIZES,
    qualities=frozenset({"standard", "auto"}),
    styles=frozenset(),
)
_DALLE3 = ModelRules(
    prompt_max=4000,
    n_max=1,
    sizes=_DALLE3_SIZES,
    qualities=frozenset({"standard", "hd", "auto"}),
    styles=frozenset({"vivid", "natural"}),
)


def _gpt(*, custom: bool = False, fidelity: bool = True) -> ModelRules:
    return ModelRules(
        prompt_max=32000,
        sizes=_GPT_SIZES,
        custom_size=_gpt_image_2_size if custom else None,
        qualities=_GPT_QUALITIES,
        styles=frozenset(),
        response_format=False,
        gpt_params=True,
        input_fidelity=fidelity,
        upload_formats=frozenset({"image/png", "image/jpeg", "image/webp"}),
        upload_max_bytes=MAX_GPT_IMAGE_BYTES,
        upload_square=False,
        max_images=MAX_EDIT_IMAGES,
    )


_GPT_MODELS: Mapping[str, ModelRules] = {
    "gpt-image-1": _gpt(),
    "gpt-image-1-mini": _gpt(fidelity=False),
    "gpt-image-1.5": _gpt(),
    "gpt-image-2": _gpt(custom=True),
    "gpt-image-2-2026-04-21": _gpt(custom=True),
}

GENERATION_RULES: Mapping[str, ModelRules] = {
    "dall-e-2": _DALLE2,
    "dall-e-3": _DALLE3,
    **_GPT_MODELS,
}
EDIT_RULES: Mapping[str, ModelRules] = {
    "dall-e-2": _DALLE2,
    **_GPT_MODELS,
    "chatgpt-image-latest": _gpt(),
}
VARIATION_RULES: Mapping[str, ModelRules] = {"dall-e-2": _DALLE2}

_TYPE_ERRORS = ("_type", "is_instance_of", "dataclass_exact_type", "model_type")


def validated(cls: type[M], values: Mapping[str, Any]) -> M:
    """Build ``cls`` from ``values``, naming the parameter at fault if that fails."""
    from pydantic import ValidationError

    try:
        return cls.model_validate(dict(values))
    except ValidationError as e:
        raise _api_error(e) from None


def _api_error(e: Any) -> Exception:
    first = e.errors(include_url=False)[0]
    loc = str(first["loc"][0]) if first["loc"] else "request"
    kind: str = first["type"]
    if kind == "missing":
        return ApiValueError(f"{loc}: is required")
    if kind == "extra_forbidden":
        return ApiTypeError(f"{loc}: is not a parameter of this operation")
    given = first.get("input")
    if isinstance(given, (bytes, bytearray, memoryview)) and kind in (
        "string_type",
        "literal_error",
    ):
        # Text fields are not decoded from bytes: say so, not which literals were expected.
        return ApiTypeError(f"{loc}: expected a string, got {type(given).__name__}")
    msg = f"{loc}: {first['msg'].rstrip('.')}, got {_shown(given)}"
    if kind.endswith(_TYPE_ERRORS) or kind in ("int_from_float", "bool_parsing"):
        return ApiTypeError(msg)
    return ApiValueError(msg)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _reject(param: str, rule: str) -> ApiValueError:
    return ApiValueError(f"{param}: {rule}")


def _one_of(values: Collection[str]) -> str:
    return ", ".join(sorted(values))


def _set_fields(form: Any) -> dict[str, Any]:
    """The fields the caller set, with their values (unset defaults do not count)."""
    return {name: getattr(form, name) for name in form.model_fields_set}


def _rules_for(
    table: Mapping[str, ModelRules],
    model: Optional[str],
    given: Mapping[str, Any],
    default: Optional[str],
) -> tuple[str, Optional[ModelRules]]:
    """The model the server will use and its rules (``None``: check only the spec)."""
    if model is not None:
        return model, table.get(model)
    # Without a model the server picks its default, unless a GPT-only parameter is set,
    # in which case it picks a GPT image model: then only the spec's rules are sure.
    gpt_quality = given.get("quality") in ("low", "medium", "high")
    if default is None or gpt_quality or any(given.get(p) is not None for p in _GPT_ONLY):
        return "the default model", None
    return default, table.get(default)


def _check_prompt(given: Mapping[str, Any]) -> None:
    prompt = given.get("prompt")
    if isinstance(prompt, str) and not prompt.strip():
        raise _reject("prompt", "must not be empty (every model needs a description)")


def _check_model_params(model: str, rules: ModelRules, given: Mapping[str, Any]) -> None:
    prompt = given.get("prompt")
    if prompt is not None and rules.prompt_max is not None and len(prompt) > rules.prompt_max:
        raise _reject(
            "prompt", f"at most {rules.prompt_max} characters for {model}, got {len(prompt)}"
        )
    n = given.get("n")
    if n is not None and n > rules.n_max:
        raise _reject(
            "n",
            f"{model} supports only n=1"
            if rules.n_max == 1
            else f"at most {rules.n_max} for {model}, got {n}",
        )
    size = given.get("size")
    if size is not None and rules.sizes is not None and size not in rules.sizes:
        if rules.custom_size is None:
            raise _reject("size", f"{model} supports {_one_of(rules.sizes)}; got {size!r}")
        problem = rules.custom_size(size)
        if problem is not None:
            raise _reject("size", f"{size!r} for {model}: {problem}")
    for param, allowed in (("quality", rules.qualities), ("style", rules.styles)):
        value = given.get(param)
        if value is None or allowed is None:
            continue
        if not allowed:
            raise _reject(param, f"is not supported by {model}")
        if value not in allowed:
            raise _reject(param, f"{model} supports {_one_of(allowed)}; got {value!r}")
    if not rules.response_format and given.get("response_format") is not None:
        raise _reject(
            "response_format",
            f"is not supported by {model}, which always returns base64 (b64_json)",
        )
    if not rules.gpt_params:
        for param in _GPT_ONLY:
            if given.get(param) is not None:
                raise _reject(param, f"is only supported by the GPT image models, not {model}")
    elif given.get("input_fidelity") is not None and not rules.input_fidelity:
        raise _reject("input_fidelity", f"is not supported by {model}")


def _check_size_taken_by_some_model(
    table: Mapping[str, ModelRules], given: Mapping[str, Any]
) -> None:
    """Without a model the server picks one: a size none of the models takes is wrong anyway."""
    size = given.get("size")
    if size is None:
        return
    for rules in table.values():
        if rules.sizes is None or size in rules.sizes:
            return
        if rules.custom_size is not None and rules.custom_size(size) is None:
            return
    fixed = ", ".join(sorted({s for rules in table.values() for s in rules.sizes or ()}))
    custom = any(rules.custom_size is not None for rules in table.values())
    hint = " (gpt-image-2 also takes WIDTHxHEIGHT)" if custom else ""
    raise _reject("size", f"no model takes {size!r}; the sizes are {fixed}{hint}")


def _check_output(given: Mapping[str, Any]) -> None:
    """Rules between output parameters that hold for every model taking them."""
    fmt = given.get("output_format")
    if given.get("output_compression") is not None and fmt not in ("jpeg", "webp"):
        raise _reject(
            "output_compression",
            "only applies to jpeg or webp output; set output_format to 'jpeg' or 'webp'",
        )
    if given.get("background") == "transparent" and fmt == "jpeg":
        raise _reject("background", "transparent needs output_format 'png' or 'webp', not jpeg")
    if given.get("partial_images") and given.get("stream") is False:
        raise _reject("partial_images", "only applies to streamed requests (stream=True)")


def check_generation(request: Any) -> None:
    """Per-model rules for a ``CreateImageRequest`` (only fields the caller set count)."""
    given = _set_fields(request)
    _check_prompt(given)
    model, rules = _rules_for(GENERATION_RULES, request.model, given, "dall-e-2")
    if rules is not None:
        _check_model_params(model, rules, given)
    elif request.model is None:
        _check_size_taken_by_some_model(GENERATION_RULES, given)
    _check_output(given)


def check_stream(model: Optional[str]) -> None:
    """Streaming is for the GPT image models: refuse it for a model known not to stream."""
    rules = GENERATION_RULES.get(model or "") or EDIT_RULES.get(model or "")
    if rules is not None and not rules.gpt_params:
        raise _reject("stream", f"is only supported by the GPT image models, not {model}")


def check_edit(form: Any, images: Sequence[FilePart], mask: Optional[FilePart]) -> None:
    """Per-model rules and upload rules for an edit.

    Without a model, the spec of today defaults edits to a GPT image model and API 2.0.0
    to dall-e-2; only rules both share are checked then.
    """
    given = _set_fields(form)
    _check_prompt(given)
    model, rules = _rules_for(EDIT_RULES, form.model, given, None)
    if rules is not None:
        _check_model_params(model, rules, given)
        if len(images) > rules.max_images:
            raise _reject(
                "image", f"{model} takes at most {rules.max_images} image(s), got {len(images)}"
            )
    elif form.model is None:
        _check_size_taken_by_some_model(EDIT_RULES, given)
    _check_output(given)
    if rules is None:
        # Either default model: a PNG, JPEG or WebP image; a PNG mask matching the image.
        for part in images:
            _check_format(part, frozenset({"image/png", "image/jpeg", "image/webp"}))
        first_png = _png_info(images[0]) if _is_png(images[0]) else None
        if mask is not None:
            _check_mask(mask, first_png)
        return
    infos = [_check_upload(part, rules) for part in images]
    first = infos[0]
    if mask is not None:
        _check_mask(mask, first)
    elif rules is _DALLE2 and first is not None and not first.has_alpha:
        raise _reject(
            "image",
            "must have transparency (an alpha channel or tRNS) when no mask is given; "
            "its transparent pixels mark the area to edit",
        )


def check_json_edit(body: Any) -> None:
    """Per-model rules for a JSON edit (images by reference): GPT image models only."""
    given = _set_fields(body)
    _check_prompt(given)
    model = body.model if body.model is not None else "gpt-image-1.5"
    rules = EDIT_RULES.get(model)
    if rules is not None and not rules.gpt_params:
        raise _reject(
            "model", f"{model} takes uploaded images only; image references need a GPT image model"
        )
    if rules is not None:
        _check_model_params(model, rules, given)
    _check_output(given)


def check_variation(form: Any, image: FilePart) -> None:
    """Per-model rules and upload rules for a variation (dall-e-2 by default)."""
    given = _set_fields(form)
    model, rules = _rules_for(VARIATION_RULES, form.model, given, "dall-e-2")
    if rules is not None:
        _check_model_params(model, rules, given)
        _check_upload(image, rules)


def _is_png(part: FilePart) -> bool:
    return part.head(8) == b"\x89PNG\r\n\x1a\n"


def _check_format(part: FilePart, formats: frozenset[str]) -> None:
    sniffed = sniff_image_type(part.head(16))
    if sniffed is None or sniffed[0] not in formats:
        kinds = _one_of([f.split("/")[1].upper() for f in formats])
        found = sniffed[0] if sniffed else "not a recognised image"
        raise _reject(part.field, f"must be a {kinds} file ({found})")


def _check_upload(part: FilePart, rules: ModelRules) -> Optional[PngInfo]:
    """Format, byte size and shape of one uploaded image; its PNG facts when a PNG."""
    if part.size >= rules.upload_max_bytes:
        limit = rules.upload_max_bytes // (1024 * 1024)
        raise _reject(part.field, f"must be less than {limit} MB, got {part.size} bytes")
    _check_format(part, rules.upload_formats)
    if not _is_png(part):
        return None
    info = _png_info(part)
    if rules.upload_square and info.width != info.height:
        raise _reject(part.field, f"must be square, got {info.width}x{info.height}")
    return info


def _check_mask(mask: FilePart, image: Optional[PngInfo]) -> None:
    if mask.size >= MAX_PNG_BYTES:
        raise _reject("mask", f"must be less than 4 MB, got {mask.size} bytes")
    info = _png_info(mask)
    if not info.has_alpha:
        raise _reject(
            "mask",
            "must have an alpha channel: its fully transparent areas mark where to edit "
            "(this PNG has no transparency)",
        )
    if image is not None and (info.width, info.height) != (image.width, image.height):
        raise _reject(
            "mask",
            f"must have the same dimensions as image ({image.width}x{image.height}), "
            f"got {info.width}x{info.height}",
        )


def _png_info(part: FilePart) -> PngInfo:
    from openapiopenai._png import PngError, read_png_info  # uploads only

    try:
        if isinstance(part.source, memoryview):
            return read_png_info(part.source)  # in place: no copy of the upload
        with part.open() as stream:
            return read_png_info(stream)
    except PngError as e:
        raise _reject(part.field, f"must be a valid PNG file: {e}") from None
    except OSError as e:
        raise _reject(part.field, f"could not be read: {e}") from e
