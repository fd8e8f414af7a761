"""What every model shares: the generated client's dict/JSON helpers on pydantic v2."""

from __future__ import annotations

import pprint
from typing import Any, ClassVar, Optional, TypeVar, Union

from pydantic import BaseModel, ConfigDict

__all__ = ["OpenApiModel", "RequestModel", "ResponseModel"]

M = TypeVar("M", bound="OpenApiModel")


class OpenApiModel(BaseModel):
    """Base of the models: ``to_dict``/``to_json``/``from_dict``/``from_json``/``to_str``."""

    model_config = ConfigDict(
        populate_by_name=True,
        validate_assignment=True,
        protected_namespaces=(),
    )

    # Requests send only what the caller set; responses show everything they carried.
    _dump_only_set: ClassVar[bool] = False

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict form (``None`` values left out)."""
        return self.model_dump(
            mode="json", by_alias=True, exclude_none=True, exclude_unset=self._dump_only_set
        )

    def to_json(self) -> str:
        """The JSON form, as sent or received."""
        return self.model_dump_json(
            by_alias=True, exclude_none=True, exclude_unset=self._dump_only_set
        )

    def to_str(self) -> str:
        """A readable multi-line form."""
        return pprint.pformat(self.model_dump(by_alias=True))

    @classmethod
    def from_dict(cls: type[M], obj: Optional[dict[str, Any]]) -> Optional[M]:
        """Build from a dict; ``None`` gives ``None``."""
        if obj is None:
            return None
        return cls.model_validate(obj)

    @classmethod
    def from_json(cls: type[M], json_str: Union[str, bytes, bytearray]) -> Optional[M]:
        """Build from a JSON document (``null`` gives ``None``)."""
        if json_str.strip() in ("null", b"null"):
            return None
        return cls.model_validate_json(json_str)


class RequestModel(OpenApiModel):
    """A request body: unknown fields are an error, unset fields are not sent."""

    model_config = ConfigDict(extra="forbid")
    _dump_only_set: ClassVar[bool] = True


class ResponseModel(OpenApiModel):
    """A response body: unknown fields are kept (the API adds them faster than SDKs ship)."""

    model_config = ConfigDict(extra="allow")
