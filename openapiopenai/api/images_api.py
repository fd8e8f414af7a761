"""``ImagesApi``: create, edit and vary images.

Each operation is written once, as the function that checks its arguments and builds
the request; :func:`~openapiopenai.api._operation.operation` derives the
``*_with_http_info``, ``*_without_preload_content`` and (where the API streams)
``*_stream`` styles from it.
"""

# Without ``from __future__ import annotations``: the builders' annotations are objects
# when the class is made, so deriving the call styles evaluates no strings (a start-up cost).

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Optional, Union

from typing_extensions import Unpack

from openapiopenai import _validation
from openapiopenai._file_types import FileInput
from openapiopenai._request import ApiRequest, RequestOptions
from openapiopenai._validation import MAX_EDIT_IMAGES
from openapiopenai.api._operation import (
    operation,
    streaming,
    with_http_info,
    without_preload_content,
)
from openapiopenai.api_client import ApiClient
from openapiopenai.exceptions import ApiTypeError, ApiValueError
from openapiopenai.models._base import RequestModel
from openapiopenai.models._fields import (
    Background,
    InputFidelity,
    OutputFormat,
    ResponseFormat,
    Size,
)
from openapiopenai.models.create_image_edit_request_model import (
    CreateImageEditRequestModel,
    ImageEditModelName,
)
from openapiopenai.models.create_image_request import CreateImageRequest
from openapiopenai.models.image_ref_param import ImageRefParam
from openapiopenai.models.images_response import ImagesResponse

if TYPE_CHECKING:
    from openapiopenai._multipart import FilePart

# The multipart encoder, the form models and the JSON edit model are loaded by the first
# edit or variation (inside the builders): a process that only generates never loads them.

__all__ = ["ImagesApi"]


class ImagesApi:
    """The Images operations of the OpenAI API."""

    def __init__(self, api_client: Optional[ApiClient] = None) -> None:
        if api_client is not None and not hasattr(api_client, "configuration"):  # duck-typed
            hint = " (wrap it: ApiClient(configuration))" if _is_configuration(api_client) else ""
            raise ApiTypeError(
                f"api_client: expected an ApiClient, got {type(api_client).__name__}{hint}"
            )
        self.api_client: ApiClient = (
            api_client if api_client is not None else ApiClient.get_default()
        )

    @operation
    def create_image(
        self,
        create_image_request: Union[CreateImageRequest, Mapping[str, Any]],
        **options: Unpack[RequestOptions],
    ) -> ApiRequest[ImagesResponse]:
        """Creates an image given a prompt.

        ``create_image_request`` is a :class:`CreateImageRequest` (or a dict of its
        fields); only the fields you set are sent.
        """
        if isinstance(create_image_request, Mapping):
            request = _validation.validated(CreateImageRequest, create_image_request)
        elif isinstance(create_image_request, CreateImageRequest):
            request = create_image_request
        else:
            raise ApiTypeError(
                "create_image_request: expected a CreateImageRequest, got "
                f"{type(create_image_request).__name__}"
            )
        if self._checks_on:
            _validation.check_generation(request)
        return ApiRequest(
            "create_image",
            "POST",
            "/images/generations",
            ImagesResponse,
            json=request,
            options=options,
        )

    create_image_with_http_info = with_http_info(create_image)
    create_image_without_preload_content = without_preload_content(create_image)
    create_image_stream = streaming(create_image)

    @operation
    def create_image_edit(
        self,
        # One list type, so `[open(...)]` infers as it; a mixed list is refused at run time.
        image: Union[FileInput, ImageRefParam, list[Union[FileInput, ImageRefParam]]],
        prompt: str,
        mask: Union[FileInput, ImageRefParam, None] = None,
        model: Union[CreateImageEditRequestModel, ImageEditModelName, None] = None,
        n: Optional[int] = None,
        size: Optional[Size] = None,
        response_format: Optional[ResponseFormat] = None,
        user: Optional[str] = None,
        background: Optional[Background] = None,
        input_fidelity: Optional[InputFidelity] = None,
        output_format: Optional[OutputFormat] = None,
        output_compression: Optional[int] = None,
        quality: Optional[str] = None,
        partial_images: Optional[int] = None,
        stream: Optional[bool] = None,
        **options: Unpack[RequestOptions],
    ) -> ApiRequest[ImagesResponse]:
        """Creates an edited or extended image given one or more images and a prompt.

        ``image`` and ``mask`` may be bytes, a path, a binary file object or a
        ``(filename, content[, content_type])`` tuple; a list of up to 16 images (GPT image
        models) is sent as repeated ``image[]`` parts.  Unset fields are not sent.

        ``image`` may instead be an :class:`ImageRefParam` (an ``image_url``, which may be
        a data URL, or a ``file_id``) or a list of up to 16, with ``mask`` one too: the
        edit is then sent as JSON, for the GPT image models.
        """
        if _is_reference(image) or _is_reference(mask):
            from openapiopenai.models.edit_image_body_json_param import EditImageBodyJsonParam

            body = _validation.validated(
                EditImageBodyJsonParam,
                _given(
                    images=_references(image, mask),
                    mask=mask,
                    prompt=prompt,
                    model=model,
                    n=n,
                    size=size,
                    user=user,
                    background=background,
                    input_fidelity=input_fidelity,
                    output_format=output_format,
                    output_compression=output_compression,
                    quality=quality,
                    partial_images=partial_images,
                    stream=stream,
                ),
            )
            if response_format is not None:
                raise ApiValueError(
                    "response_format: is not a parameter of a JSON edit (image references); "
                    "the GPT image models always return base64"
                )
            if self._checks_on:
                _validation.check_json_edit(body)
            return ApiRequest(
                "create_image_edit",
                "POST",
                "/images/edits",
                ImagesResponse,
                json=body,
                options=options,
            )
        from openapiopenai._multipart import file_part
        from openapiopenai.models._forms import ImageEditForm

        form = _validation.validated(
            ImageEditForm,
            _given(
                prompt=prompt,
                model=model,
                n=n,
                size=size,
                response_format=response_format,
                user=user,
                background=background,
                input_fidelity=input_fidelity,
                output_format=output_format,
                output_compression=output_compression,
                quality=quality,
                partial_images=partial_images,
                stream=stream,
            ),
        )
        images = _image_parts(image)
        mask_part = None if mask is None else file_part("mask", mask)
        if self._checks_on:
            _validation.check_edit(form, images, mask_part)
        files = images if mask_part is None else [*images, mask_part]
        return _multipart_request("create_image_edit", "/images/edits", form, files, options)

    create_image_edit_with_http_info = with_http_info(create_image_edit)
    create_image_edit_without_preload_content = without_preload_content(create_image_edit)
    create_image_edit_stream = streaming(create_image_edit)

    @operation
    def create_image_variation(
        self,
        image: FileInput,
        model: Union[CreateImageEditRequestModel, ImageEditModelName, None] = None,
        n: Optional[int] = None,
        response_format: Optional[ResponseFormat] = None,
        size: Optional[str] = None,
        user: Optional[str] = None,
        **options: Unpack[RequestOptions],
    ) -> ApiRequest[ImagesResponse]:
        """Creates a variation of a given image (``dall-e-2``).

        ``image`` may be bytes, a path, a binary file object or a
        ``(filename, content[, content_type])`` tuple.  Unset fields are not sent.
        """
        from openapiopenai.models._forms import ImageVariationForm

        form = _validation.validated(
            ImageVariationForm,
            _given(model=model, n=n, response_format=response_format, size=size, user=user),
        )
        image_part = _required_file("image", image)
        if self._checks_on:
            _validation.check_variation(form, image_part)
        return _multipart_request(
            "create_image_variation", "/images/variations", form, [image_part], options
        )

    create_image_variation_with_http_info = with_http_info(create_image_variation)
    create_image_variation_without_preload_content = without_preload_content(create_image_variation)

    @property
    def _checks_on(self) -> bool:
        return bool(self.api_client.configuration.client_side_validation)


def _is_configuration(value: object) -> bool:
    from openapiopenai.configuration import Configuration

    return isinstance(value, Configuration)


def _given(**values: Any) -> dict[str, Any]:
    """The arguments the caller set (``None`` means "let the server decide")."""
    return {k: v for k, v in values.items() if v is not None}


def _is_reference(value: Any) -> bool:
    """Whether ``value`` (or an item of a list) references an image instead of carrying it."""
    if isinstance(value, list):
        return any(isinstance(item, ImageRefParam) for item in value)
    return isinstance(value, ImageRefParam)


def _references(image: Any, mask: Any) -> list[ImageRefParam]:
    """The image references of a JSON edit; uploads mixed in are refused."""
    items = image if isinstance(image, list) else [image]
    if not items:
        raise ApiValueError("image: the list of images is empty")
    if len(items) > MAX_EDIT_IMAGES:
        raise ApiValueError(f"image: at most {MAX_EDIT_IMAGES} images, got {len(items)}")
    for index, item in enumerate(items):
        if not isinstance(item, ImageRefParam):
            where = f"image[{index}]" if isinstance(image, list) else "image"
            raise ApiTypeError(
                f"{where}: cannot mix uploads and image references in one edit; pass "
                "every image (and the mask) as an ImageRefParam, or all as files"
            )
    if mask is not None and not isinstance(mask, ImageRefParam):
        raise ApiTypeError(
            "mask: cannot mix uploads and image references in one edit; pass the mask as "
            "an ImageRefParam (e.g. ImageRefParam.from_file(path))"
        )
    return list(items)


def _required_file(name: str, value: Any) -> "FilePart":
    from openapiopenai._multipart import file_part

    if value is None:
        raise ApiTypeError(f"{name}: is required (bytes, a path or a binary file object)")
    return file_part(name, value)


def _image_parts(image: Any) -> "list[FilePart]":
    """One ``image`` part, or ``image[]`` parts for a list of images."""
    if not isinstance(image, list):
        return [_required_file("image", image)]
    if not image:
        raise ApiValueError("image: the list of images is empty")
    if len(image) > MAX_EDIT_IMAGES:
        raise ApiValueError(f"image: at most {MAX_EDIT_IMAGES} images, got {len(image)}")
    parts = [_required_file(f"image[{i}]", item) for i, item in enumerate(image)]
    # Each part goes out under the form name "image[]".
    return [part.renamed("image[]") for part in parts]


def _multipart_request(
    name: str,
    path: str,
    form: RequestModel,
    files: "list[FilePart]",
    options: RequestOptions,
) -> ApiRequest[ImagesResponse]:
    from openapiopenai._multipart import MultipartBody

    fields = [(key, _form_value(value)) for key, value in form.to_dict().items()]
    return ApiRequest(
        name, "POST", path, ImagesResponse, form=MultipartBody(fields, files), options=options
    )


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
