"""Derives an operation's three call styles from the one function that builds its request.

An API class writes each operation once, as a method returning an
:class:`~openapiopenai._request.ApiRequest`, decorated with :func:`operation`.  The
decorated name returns the parsed model; ``with_http_info(op)`` gives the style that
returns an :class:`ApiResponse` and ``without_preload_content(op)`` the one that returns
the unread response::

    class ImagesApi:
        @operation
        def create_image(self, create_image_request, **options) -> ApiRequest[ImagesResponse]:
            ...

        create_image_with_http_info = with_http_info(create_image)
        create_image_without_preload_content = without_preload_content(create_image)
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Callable, Generic, Optional, TypeVar, Union, overload

from typing_extensions import Concatenate, ParamSpec, Protocol, Self

from openapiopenai._request import ApiRequest
from openapiopenai.api_response import ApiResponse

if TYPE_CHECKING:
    from openapiopenai._streaming import ImageStream
    from openapiopenai.api_client import ApiClient
    from openapiopenai.models._base import OpenApiModel
    from openapiopenai.rest import RESTResponse

__all__ = ["Operation", "operation", "streaming", "with_http_info", "without_preload_content"]

P = ParamSpec("P")
T = TypeVar("T")
R = TypeVar("R")
M = TypeVar("M", bound="OpenApiModel")


class _HasClient(Protocol):
    api_client: ApiClient


_Build = Callable[Concatenate[Any, P], ApiRequest[Any]]


class _Variant(Generic[P, R]):
    """One call style of an operation: a descriptor that binds to the API instance."""

    def __init__(
        self,
        build: _Build[P],
        run: Callable[[ApiClient, ApiRequest[Any]], R],
        suffix: str,
        returns: str,
        return_annotation: str,
    ) -> None:
        self._build = build
        self._run = run
        self.__name__ = build.__name__ + suffix
        self.__doc__ = f"{(build.__doc__ or '').rstrip()}\n\n{returns}"
        self._return_annotation = return_annotation
        self._signature: Optional[inspect.Signature] = None
        self._attribute: Optional[str] = None

    def __set_name__(self, owner: type, name: str) -> None:
        self._attribute = name

    @property
    def __signature__(self) -> inspect.Signature:
        """The builder's parameters (without ``self``) and this style's return type."""
        if self._signature is None:
            sig = inspect.signature(self._build)
            self._signature = sig.replace(
                parameters=list(sig.parameters.values())[1:],
                return_annotation=self._return_annotation,
            )
        return self._signature

    @overload
    def __get__(self, instance: None, owner: type) -> Self: ...

    @overload
    def __get__(self, instance: _HasClient, owner: type) -> Callable[P, R]: ...

    def __get__(self, instance: Optional[_HasClient], owner: type) -> Union[Self, Callable[P, R]]:
        if instance is None:
            return self
        build, run = self._build, self._run

        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            return run(instance.api_client, build(instance, *args, **kwargs))

        call.__name__ = self.__name__
        call.__qualname__ = f"{owner.__name__}.{self.__name__}"
        call.__doc__ = self.__doc__
        call.__module__ = build.__module__
        call.__signature__ = self.__signature__  # type: ignore[attr-defined]
        if self._attribute is not None and hasattr(instance, "__dict__"):
            # Bound once per API object: later lookups find it in the instance dict.
            instance.__dict__[self._attribute] = call
        return call


class Operation(_Variant[P, T]):
    """An operation's plain call style, carrying its two other styles."""

    def __init__(self, build: _Build[P]) -> None:
        model = _returned_model(build)
        super().__init__(build, _data, "", "Returns the parsed response model.", model)
        # Reached through with_http_info() / without_preload_content(): type checkers
        # would treat a descriptor stored on this object as one of its own.
        info: _Variant[P, ApiResponse[T]] = _Variant(
            build,
            _api_response,
            "_with_http_info",
            "Returns an ``ApiResponse`` with ``status_code``, ``headers``, ``data``, "
            "``raw_data`` and ``retries``.",
            f"ApiResponse[{model}]",
        )
        unread: _Variant[P, RESTResponse] = _Variant(
            build,
            _unread,
            "_without_preload_content",
            "Returns the response unread (``RESTResponse``), whatever its status; read it "
            "with ``.read()`` or ``.stream()`` and release it with ``.close()``.",
            "RESTResponse",
        )
        self._styles = (info, unread)


def _returned_model(build: _Build[Any]) -> str:
    # The builder is annotated "ApiRequest[Model]" (a string: postponed annotations).
    annotation = str(build.__annotations__.get("return", ""))
    return annotation.removeprefix("ApiRequest[").removesuffix("]") if annotation else "Any"


def with_http_info(op: Operation[P, T]) -> _Variant[P, ApiResponse[T]]:
    """The call style of ``op`` that returns an ``ApiResponse``."""
    return op._styles[0]


def without_preload_content(op: Operation[P, T]) -> _Variant[P, RESTResponse]:
    """The call style of ``op`` that returns the response unread."""
    return op._styles[1]


def streaming(op: Operation[P, T]) -> _Variant[P, ImageStream]:
    """A call style of ``op`` that sends ``stream=true`` and iterates the events."""
    return _Variant(
        op._build,
        _stream,
        "_stream",
        "Sends the request with ``stream`` on and returns an ``ImageStream``: iterate it "
        "for typed events as they arrive; use it in a ``with`` block (or ``.close()``) "
        "to release the connection when stopping early.",
        "ImageStream",
    )


def _stream(client: ApiClient, request: ApiRequest[Any]) -> ImageStream:
    return client.stream(request)


def _data(client: ApiClient, request: ApiRequest[Any]) -> Any:
    return client.call(request).data


def _api_response(client: ApiClient, request: ApiRequest[Any]) -> ApiResponse[Any]:
    return client.call(request)


def _unread(client: ApiClient, request: ApiRequest[Any]) -> RESTResponse:
    return client.open(request)


def operation(build: Callable[Concatenate[Any, P], ApiRequest[M]]) -> Operation[P, M]:
    """Turn a request builder into an operation with its three call styles."""
    return Operation(build)
