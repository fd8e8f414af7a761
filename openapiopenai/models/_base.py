"""What every model shares: the generated client's dict/JSON helpers on pydantic v2."""

# No ``from __future__ import annotations``: pydantic reads the class annotations when
# the class is made, and as objects they need no evaluating (a start-up cost).

import json
from typing import TYPE_CHECKING, Any, ClassVar, Optional, TypeVar, Union, overload

from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticSerializationError
from typing_extensions import Self

from openapiopenai._wire_text import first_unencodable

if TYPE_CHECKING:
    from openapiopenai._image_client import ImageClient

__all__ = ["OpenApiModel", "RequestModel", "ResponseModel"]

R = TypeVar("R", bound="ResponseModel")


#: The configuration every model shares.  defer_build: a model's validator and serializer
#: are built on its first use, not at import, so a process pays only for the models it
#: uses (a cold start that makes one call builds three, not every model of the package).
_SHARED_CONFIG = ConfigDict(
    populate_by_name=True,
    validate_assignment=True,
    protected_namespaces=(),
    defer_build=True,
)

if TYPE_CHECKING:
    _Model = BaseModel
else:  # a plain mixin at run time: each pydantic class costs a process's start to make
    _Model = object


class OpenApiModel(_Model):
    """What the models share: ``to_dict``/``to_json``/``from_dict``/``from_json``/``to_str``.

    A mixin of :class:`RequestModel` and :class:`ResponseModel`, the two pydantic bases.
    """

    __slots__ = ()

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
        import pprint  # only here: not every process prints a model

        return pprint.pformat(self.model_dump(by_alias=True))

    @overload
    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> Self: ...

    @overload
    @classmethod
    def from_dict(cls, obj: None) -> None: ...

    @classmethod
    def from_dict(cls, obj: Optional[dict[str, Any]]) -> Optional[Self]:
        """Build from a dict; ``None`` gives ``None``."""
        if obj is None:
            return None
        return cls.model_validate(obj)

    @classmethod
    def from_json(cls, json_str: Union[str, bytes, bytearray]) -> Self:
        """Build from a JSON object (anything else, ``null`` included, is a ``ValueError``)."""
        return cls.model_validate_json(json_str)


class RequestModel(OpenApiModel, BaseModel):
    """A request body: unknown fields are an error, unset fields are not sent."""

    model_config: ClassVar[ConfigDict] = ConfigDict(**_SHARED_CONFIG, extra="forbid")
    _dump_only_set: ClassVar[bool] = True

    def to_json_bytes(self) -> bytes:
        """The body as sent: UTF-8 JSON of the fields set (``None`` left out)."""
        plain = _plain_json(self)
        if plain is not None:
            return plain
        try:
            return self.__pydantic_serializer__.to_json(
                self, by_alias=True, exclude_unset=True, exclude_none=True
            )
        except PydanticSerializationError:
            error = first_unencodable(self.to_dict().items())
            if error is None:
                raise
            raise error from None


#: What ``json`` writes exactly as pydantic's serializer does (compact, UTF-8, in order).
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
#: Per model class: the type each field's schema dumps as the value's own JSON (str, int
#: or bool; not floats: ``json`` and pydantic write them differently), or ``None`` for a
#: class pydantic must write (it renames, excludes or converts a value, or is a root).
_plain_fields: dict[type[BaseModel], Optional[dict[str, Optional[type]]]] = {}


def _plain_json(model: BaseModel) -> Optional[bytes]:
    """``model``'s set fields as pydantic would dump them, when each is of the plain
    string, integer or boolean type its field's schema dumps as itself, in a class that
    renames, excludes or converts nothing; else ``None`` (and pydantic's serializer
    writes the body).

    The value's type is checked against the field's, not just against the three: a
    value that reached the model unvalidated (``model_construct``, ``model_copy(update=
    ...)``) may be one pydantic writes otherwise (``True`` in an int field as ``1``, an
    int in a float field as ``2.0``), leaves out (a key that is no field) or warns of.

    Written by ``json``: a process's first use of pydantic's serializer leaves a
    reference to ``pydantic_core.MISSING`` the garbage collector cannot see, through
    which the type caches keep every model class (and so every module) alive until the
    interpreter's last collections at exit, which then cost each short process some
    milliseconds.
    """
    cls = type(model)
    try:
        types = _plain_fields[cls]
    except KeyError:
        schema = cls.__pydantic_core_schema__
        if not isinstance(schema, dict):  # not built yet (defer_build, model_construct)
            return None
        types = _plain_fields[cls] = _field_types(cls, schema)
    if types is None or model.__pydantic_extra__:
        return None
    fields_set = model.__pydantic_fields_set__
    values = {}
    for name, value in model.__dict__.items():
        if value is None or name not in fields_set:
            continue
        if type(value) is not types.get(name, False):
            return None
        values[name] = value
    try:
        return _encode(values).encode("utf-8")
    except ValueError:  # a lone surrogate (pydantic's serializer says which field) or an
        return None  # int past sys.get_int_max_str_digits() (which pydantic writes)


#: Schemas that dump the value as their inner ``schema`` does.
_WRAPPERS = frozenset({"default", "nullable", "function-before", "function-after"})
#: Leaf schemas that dump a value of one type as itself.
_LEAVES: dict[str, type] = {"str": str, "int": int, "bool": bool}


def _field_types(cls: type[BaseModel], schema: Any) -> Optional[dict[str, Optional[type]]]:
    """Each field's plain type (``None`` for a field of another type), or ``None`` when
    pydantic must write every body of ``cls``."""
    if _customised(schema):
        return None
    while schema.get("type") in _WRAPPERS:  # model validators wrap the model's schema
        schema = schema["schema"]
    if schema.get("type") != "model" or schema.get("cls") is not cls or schema["root_model"]:
        return None
    fields = schema["schema"]
    if fields.get("type") != "model-fields":
        return None
    return {name: _leaf_type(field["schema"]) for name, field in fields["fields"].items()}


def _leaf_type(schema: Any) -> Optional[type]:
    """The one plain type a field's schema dumps as itself, else ``None``."""
    while schema.get("type") in _WRAPPERS:
        schema = schema["schema"]
    kind = schema.get("type")
    if kind == "literal":
        expected = {type(value) for value in schema["expected"]}
        return str if expected == {str} else None
    if kind == "union":
        found = {_leaf_type(choice) for choice in schema["choices"]}
        return found.pop() if len(found) == 1 else None
    return _LEAVES.get(kind)


def _customised(schema: Any) -> bool:
    """Whether a core schema dumps some value otherwise than as itself: a serializer, an
    alias, an exclusion or a computed field anywhere in it."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key.startswith("serialization") or (key == "computed_fields" and value):
                return True
            if isinstance(value, (dict, list, tuple)) and _customised(value):
                return True
    elif isinstance(schema, (list, tuple)):
        return any(_customised(item) for item in schema)
    return False


class ResponseModel(OpenApiModel, BaseModel):
    """A response body: unknown fields are kept (the API adds them faster than SDKs ship).

    A parsed response remembers the client whose call returned it, so that downloads reuse
    its pool and TLS settings.  That binding is not part of the value: it is ignored by
    ``==``, shared by copies and dropped by pickling.  It lives in the instance's private
    slot, set only when bound: declared private attributes would cost every parsed
    instance a per-field initialisation, which is most of a small call's overhead.
    """

    model_config: ClassVar[ConfigDict] = ConfigDict(**_SHARED_CONFIG, extra="allow")

    @classmethod
    def _from_response_body(cls: type[R], body: bytes) -> R:
        """Parse a response body (JSON bytes) into this model, as the client does."""
        return cls.model_validate_json(body)

    def _bind_client(self, client: "ImageClient") -> None:
        object.__setattr__(self, "__pydantic_private__", _binding_of(client))

    @property
    def _bound_client(self) -> Optional["ImageClient"]:
        private = self.__pydantic_private__
        return private["client"].client if private else None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseModel):
            return NotImplemented
        return (
            type(self) is type(other)
            and self.__dict__ == other.__dict__
            and self.__pydantic_extra__ == other.__pydantic_extra__
        )


def _binding_of(client: "ImageClient") -> dict[str, Any]:
    """The private dict naming ``client``, made once per client and shared by its models."""
    binding = client._model_binding
    if binding is None:
        binding = client._model_binding = {"client": _Binding(client)}
    return binding


class _Binding:
    """Holds the bound client: copies share it, pickles drop it."""

    __slots__ = ("client",)

    def __init__(self, client: Optional["ImageClient"] = None) -> None:
        self.client = client

    def __copy__(self) -> "_Binding":
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> "_Binding":
        return self

    def __reduce__(self) -> "tuple[type[_Binding], tuple[()]]":
        return _Binding, ()
