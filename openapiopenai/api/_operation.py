"""Derives an operation's call styles, as plain functions, from the function building its request.

An API class writes each operation once, as a method returning an
:class:`~openapiopenai._request.ApiRequest`, decorated with :func:`operation`.  The
decorated name is the style that returns the parsed model; ``with_http_info(op)`` makes
the style that returns an :class:`ApiResponse`, ``without_preload_content(op)`` the one
that returns the unread response and ``streaming(op)`` the one that iterates events::

    class ImagesApi:
        @operation
        def create_image(self, create_image_request, **options) -> ApiRequest[ImagesResponse]:
            ...

        create_image_with_http_info = with_http_info(create_image)
        create_image_without_preload_content = without_preload_content(create_image)

Each style is an ordinary function on the class (so ``mock.create_autospec``,
``mock.patch.object`` and ``ImagesApi.create_image(api, request)`` work as on the generated
client), whose signature spells out the per-call options ``_request_timeout``,
``_request_auth``, ``_content_type``, ``_headers``, ``_host_index`` (the generated client's,
with its defaults) and ``_retries``.  A call builds the request and hands it to the
client, which sends it through ``param_serialize`` -> ``call_api`` -> ``response_deserialize``.
"""

from __future__ import annotations

import functools
import inspect
import sys
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar, Union

from typing_extensions import Concatenate, ParamSpec

from openapiopenai._request import ApiRequest
from openapiopenai.api_response import ApiResponse
from openapiopenai.configuration import TimeoutValue

if TYPE_CHECKING:
    from openapiopenai._streaming import ImageStream
    from openapiopenai.api_client import ApiClient
    from openapiopenai.rest import RESTResponse

    _Run = Callable[[ApiClient, ApiRequest[Any]], Any]  # annotations only

__all__ = ["operation", "streaming", "with_http_info", "without_preload_content"]

P = ParamSpec("P")
S = TypeVar("S")
M = TypeVar("M")
T = TypeVar("T")


#: The builder an operation's styles were made from (an attribute of each style).
_BUILD_ATTRIBUTE = "_openapiopenai_build"

_KEYWORD = inspect.Parameter.POSITIONAL_OR_KEYWORD
_KEYWORD_ONLY = inspect.Parameter.KEYWORD_ONLY


@functools.cache
def _option_parameters(positional: bool) -> tuple[inspect.Parameter, ...]:
    """The per-call options, after the operation's own parameters (the generated ones).

    With ``positional`` false (the builder takes its own parameters by keyword only) the
    options are keyword-only too.
    """
    from openapiopenai.retry import Retry

    options = [
        inspect.Parameter("_request_timeout", _KEYWORD, default=None, annotation=TimeoutValue),
        inspect.Parameter(
            "_request_auth", _KEYWORD, default=None, annotation=Optional[Mapping[str, Any]]
        ),
        inspect.Parameter("_content_type", _KEYWORD, default=None, annotation=Optional[str]),
        inspect.Parameter(
            "_headers", _KEYWORD, default=None, annotation=Optional[Mapping[str, Any]]
        ),
        inspect.Parameter("_host_index", _KEYWORD, default=0, annotation=int),
        inspect.Parameter("_retries", _KEYWORD, default=None, annotation=Union[int, Retry, None]),
        # Ours, not the generated client's: keyword-only, so no positional call shifts.
        inspect.Parameter(
            "_extra_body", _KEYWORD_ONLY, default=None, annotation=Optional[Mapping[str, Any]]
        ),
        inspect.Parameter(
            "_extra_query", _KEYWORD_ONLY, default=None, annotation=Optional[Mapping[str, Any]]
        ),
    ]
    if not positional:
        options = [p.replace(kind=_KEYWORD_ONLY) for p in options]
    return tuple(options)


_OPTIONS_DOC = """\
:param _request_timeout: seconds for connecting and for reading, a ``(connect, read)``
    pair, or ``None`` for the configured timeout.
:type _request_timeout: float, tuple(float, float), optional
:param _request_auth: an auth setting that replaces the configured authentication for
    this call only.
:type _request_auth: dict, optional
:param _content_type: the request body's media type.
:type _content_type: str, optional
:param _headers: extra headers for this call (your dict is not modified).
:type _headers: dict, optional
:param _host_index: the server to use (the spec declares one, index 0).
:type _host_index: int, optional
:param _retries: a retry policy or a retry count for this call only.
:type _retries: int, Retry, optional
:param _extra_body: parameters this SDK does not know yet, merged into the body.
:type _extra_body: dict, optional
:param _extra_query: query parameters appended to the URL.
:type _extra_query: dict, optional"""


def _style(build: Callable[..., ApiRequest[Any]], run: _Run, suffix: str, returns: str) -> Any:
    """One call style of ``build``: a plain function running the request it builds."""
    built = _analysed(build)

    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        if len(args) > built.spill_at:
            args, kwargs = _spilled(args, kwargs, built.spill_at, built.option_names, call.__name__)
        return run(self.api_client, build(self, *args, **kwargs))

    return_annotation = _return_annotation(suffix, built.model)
    call.__signature__ = built.signature.replace(  # type: ignore[attr-defined]
        parameters=built.parameters, return_annotation=return_annotation
    )
    call.__annotations__ = {**built.annotations, "return": return_annotation}
    call.__name__ = build.__name__ + suffix
    call.__qualname__ = build.__qualname__ + suffix
    call.__module__ = build.__module__
    call.__doc__ = f"{built.doc}\n\n{_OPTIONS_DOC}\n:return: {returns}\n"
    call.__wrapped__ = build  # type: ignore[attr-defined]
    setattr(call, _BUILD_ATTRIBUTE, build)
    return call


class _Analysed:
    """What every call style of one builder shares, worked out once."""

    def __init__(self, build: Callable[..., Any]) -> None:
        self.signature = signature = inspect.signature(build)
        hints = _resolved_hints(build)
        kinds = {p.kind for p in signature.parameters.values()}
        own = [p for p in signature.parameters.values() if p.kind is _KEYWORD]
        # Positional arguments (after self) past the operation's own are options, as
        # generated; after a "*" or "*args" in the builder they can only be keywords.
        self.positional = not kinds & {
            inspect.Parameter.KEYWORD_ONLY,
            inspect.Parameter.VAR_POSITIONAL,
        }
        self.spill_at = len(own) - 1 if self.positional else sys.maxsize
        options = _option_parameters(self.positional)
        self.option_names = tuple(p.name for p in options if p.kind is _KEYWORD)
        own_parameters = [
            p
            if p.name not in hints or hints[p.name] is p.annotation
            else p.replace(annotation=hints[p.name])
            for p in signature.parameters.values()
            if p.kind is not inspect.Parameter.VAR_KEYWORD
        ]
        #: The styles' parameters: the builder's (``**options`` spelt out as the options).
        self.parameters = [*own_parameters, *options]
        self.annotations = {p.name: p.annotation for p in self.parameters[1:]}
        self.model = _returned_model(build, hints)
        self.doc = inspect.cleandoc(build.__doc__ or "")


def _spilled(
    args: tuple[Any, ...], kwargs: dict[str, Any], at: int, names: tuple[str, ...], name: str
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Options passed positionally (``create_image(request, 30)``) as keywords."""
    extra = args[at:]
    if len(extra) > len(names):
        raise TypeError(f"{name}() takes {at + len(names)} positional arguments, got {len(args)}")
    for option, value in zip(names, extra):
        if option in kwargs:
            raise TypeError(f"{name}() got multiple values for argument {option!r}")
        kwargs[option] = value
    return args[:at], kwargs


@functools.cache
def _analysed(build: Callable[..., Any]) -> _Analysed:
    """The builder's signature, parameters and docs, worked out once for all its styles."""
    return _Analysed(build)


def _resolved_hints(build: Callable[..., Any]) -> dict[str, Any]:
    """The builder's annotations as objects where they resolve (strings otherwise)."""
    if not any(isinstance(a, str) for a in build.__annotations__.values()):
        return dict(build.__annotations__)  # objects already: nothing to evaluate
    try:
        return typing.get_type_hints(build)
    except Exception:  # a name only imported for type checkers: resolve one by one
        pass
    hints: dict[str, Any] = {}
    for name, annotation in build.__annotations__.items():
        try:
            hints[name] = typing.get_type_hints(_Annotated(annotation), build.__globals__)["x"]
        except Exception:
            hints[name] = annotation  # kept as the string
    return hints


class _Annotated:
    """Something ``typing.get_type_hints`` resolves one annotation of."""

    def __init__(self, annotation: Any) -> None:
        self.__annotations__ = {"x": annotation}


def _returned_model(build: Callable[..., Any], hints: dict[str, Any]) -> Any:
    returned = hints.get("return")
    args = typing.get_args(returned)
    if args:
        return args[0]
    # Unresolved: the builder is annotated "ApiRequest[Model]".
    text = str(build.__annotations__.get("return", "Any"))
    return text.removeprefix("ApiRequest[").removesuffix("]")


def _return_annotation(suffix: str, model: Any) -> Any:
    if suffix == "":
        return model
    if suffix == "_with_http_info":
        return ApiResponse[model] if isinstance(model, type) else f"ApiResponse[{model}]"
    if suffix == "_without_preload_content":
        from openapiopenai.rest import RESTResponse

        return RESTResponse
    from openapiopenai._streaming import ImageStream

    return ImageStream


def _builder(op: Callable[..., Any]) -> Callable[..., ApiRequest[Any]]:
    build = getattr(op, _BUILD_ATTRIBUTE, None)
    if build is None:
        raise TypeError(f"{getattr(op, '__name__', op)!r} is not an @operation")
    return build  # type: ignore[no-any-return]


def operation(build: Callable[Concatenate[S, P], ApiRequest[M]]) -> Callable[Concatenate[S, P], M]:
    """Turn a request builder into the operation's call style that returns the parsed model."""
    return _style(build, _data, "", "the parsed response model.")  # type: ignore[no-any-return]


def with_http_info(
    op: Callable[Concatenate[S, P], T],
) -> Callable[Concatenate[S, P], ApiResponse[T]]:
    """The call style of ``op`` that returns an ``ApiResponse``."""
    return _style(  # type: ignore[no-any-return]
        _builder(op),
        _api_response,
        "_with_http_info",
        "an ``ApiResponse`` with ``status_code``, ``headers``, ``data``, ``raw_data`` and "
        "``retries``.",
    )


def without_preload_content(
    op: Callable[Concatenate[S, P], Any],
) -> Callable[Concatenate[S, P], RESTResponse]:
    """The call style of ``op`` that returns the response unread."""
    return _style(  # type: ignore[no-any-return]
        _builder(op),
        _unread,
        "_without_preload_content",
        "the response unread (``RESTResponse``), whatever its status: ``.data`` or "
        "``.read()`` reads it, ``.stream()`` iterates it; release it with ``.release_conn()``.",
    )


def streaming(op: Callable[Concatenate[S, P], Any]) -> Callable[Concatenate[S, P], ImageStream]:
    """A call style of ``op`` that sends ``stream=true`` and iterates the events."""
    return _style(  # type: ignore[no-any-return]
        _builder(op),
        _stream,
        "_stream",
        "an ``ImageStream`` (the request is sent with ``stream`` on): iterate it for typed "
        "events as they arrive; use it in a ``with`` block (or ``.close()``) to release the "
        "connection when stopping early.",
    )


def _data(client: ApiClient, request: ApiRequest[Any]) -> Any:
    return client.call(request).data


def _api_response(client: ApiClient, request: ApiRequest[Any]) -> ApiResponse[Any]:
    return client.call(request)


def _unread(client: ApiClient, request: ApiRequest[Any]) -> RESTResponse:
    return client.open(request)


def _stream(client: ApiClient, request: ApiRequest[Any]) -> ImageStream:
    return client.stream(request)
