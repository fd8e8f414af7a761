"""``ApiResponse[T]``: a parsed body together with the HTTP facts around it."""

# No ``from __future__ import annotations``: pydantic reads the class annotations when
# the class is made, and as objects they need no evaluating (a start-up cost).

import inspect
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Generic, Optional, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBytes, StrictInt
from urllib3 import HTTPHeaderDict

from openapiopenai._dumped_as import DumpedAs

__all__ = ["ApiResponse"]

T = TypeVar("T")


def _plain_headers(headers: Optional[Mapping[str, str]]) -> Optional[dict[str, str]]:
    """Headers dump as a plain ``dict`` (they are held as urllib3's ``HTTPHeaderDict``)."""
    return dict(headers) if headers is not None else None


_FIELDS = frozenset({"status_code", "headers", "data", "raw_data", "retries"})
_REQUIRED = frozenset({"status_code", "data", "raw_data"})


class ApiResponse(BaseModel, Generic[T]):
    """What a ``*_with_http_info`` call returns.

    A pydantic model with the generated client's fields, in its order: ``status_code``,
    ``headers`` (the response headers, case-insensitive; never the request's, so no secret
    can be in them), ``data`` (the parsed model) and ``raw_data`` (the body bytes as
    received).  ``retries`` says how many retries the call took before this response (it is
    left out of ``model_dump()``, which has the generated client's keys); ``request_id`` is
    the server's ``x-request-id``.  ``ApiResponse[ImagesResponse]`` validates ``data`` as
    that model.
    """

    model_config: ClassVar[ConfigDict] = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    status_code: StrictInt = Field(description="HTTP status code")
    headers: Annotated[
        Optional[Mapping[str, str]], DumpedAs(_plain_headers, Optional[dict[str, str]])
    ] = Field(None, description="HTTP headers")
    data: T = Field(description="Deserialized data given the data type")
    raw_data: StrictBytes = Field(description="Raw data (HTTP response body)", repr=False)
    retries: int = Field(0, description="Retries taken before this response", exclude=True)

    def __init__(self, /, **values: Any) -> None:
        # The client builds one per call: when the values are already what validation
        # would give (an int status, bytes, response headers, on the unparameterised class)
        # they are stored as they are, as model_construct() would, at a fraction of its
        # cost.  Anything else (a user's values, ApiResponse[Model]) is validated.
        headers = values.get("headers")
        if (
            type(self) is ApiResponse
            and _REQUIRED <= values.keys() <= _FIELDS
            and type(values["status_code"]) is int
            and type(values["raw_data"]) is bytes
            and type(values.get("retries", 0)) is int
            and (headers is None or type(headers) is HTTPHeaderDict)
        ):
            self.__dict__.update(
                status_code=values["status_code"],
                headers=headers,
                data=values["data"],
                raw_data=values["raw_data"],
                retries=values.get("retries", 0),
            )
            _set_fields_set(self, set(values))
            _set_extra(self, None)
            _set_private(self, None)
            return
        super().__init__(**values)

    @classmethod
    def _of(
        cls,
        status_code: int,
        headers: Optional[Mapping[str, str]],
        data: Any,
        raw_data: bytes,
        retries: int = 0,
    ) -> "ApiResponse[Any]":
        """What the client builds from a response it parsed: stored as given, unvalidated."""
        self = _new(ApiResponse)
        self.__dict__.update(
            status_code=status_code, headers=headers, data=data, raw_data=raw_data, retries=retries
        )
        _set_fields_set(self, set(_FIELDS))
        _set_extra(self, None)
        _set_private(self, None)
        return self

    @property
    def request_id(self) -> Optional[str]:
        """The server's ``x-request-id``, to quote when reporting a problem."""
        return self.headers.get("x-request-id") if self.headers is not None else None


def _signature() -> inspect.Signature:
    """The keyword-only signature pydantic gives the model (its schema is built on first use)."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    return inspect.Signature(
        [
            inspect.Parameter("status_code", keyword, annotation=int),
            inspect.Parameter(
                "headers", keyword, default=None, annotation=Optional[Mapping[str, str]]
            ),
            inspect.Parameter("data", keyword, annotation=T),
            inspect.Parameter("raw_data", keyword, annotation=bytes),
            inspect.Parameter("retries", keyword, default=0, annotation=int),
        ],
        return_annotation=None,
    )


ApiResponse.__signature__ = _signature()

# The slots model_construct() fills, set directly (a third of its cost).
_new = BaseModel.__new__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__
