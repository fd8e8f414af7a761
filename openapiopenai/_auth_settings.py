"""The auth setting shapes the generated ``configuration`` module declares but this client
never builds (it authenticates with a bearer key only).

``openapiopenai.configuration`` re-exports them, made on first use.
"""

from typing import Optional

from typing_extensions import Literal, TypedDict

__all__ = [
    "APIKeyAuthSetting",
    "BasicAuthSetting",
    "BearerFormatAuthSetting",
    "GenericAuthSetting",
    "HTTPSignatureAuthSetting",
    "OAuth2AuthSetting",
]

GenericAuthSetting = TypedDict(
    "GenericAuthSetting", {"type": str, "in": str, "key": str, "value": str}
)
OAuth2AuthSetting = TypedDict(
    "OAuth2AuthSetting",
    {
        "type": Literal["oauth2"],
        "in": Literal["header"],
        "key": Literal["Authorization"],
        "value": str,
    },
)
APIKeyAuthSetting = TypedDict(
    "APIKeyAuthSetting",
    {"type": Literal["api_key"], "in": str, "key": str, "value": Optional[str]},
)
BasicAuthSetting = TypedDict(
    "BasicAuthSetting",
    {
        "type": Literal["basic"],
        "in": Literal["header"],
        "key": Literal["Authorization"],
        "value": Optional[str],
    },
)
BearerFormatAuthSetting = TypedDict(
    "BearerFormatAuthSetting",
    {
        "type": Literal["bearer"],
        "in": Literal["header"],
        "format": Literal["JWT"],
        "key": Literal["Authorization"],
        "value": str,
    },
)
HTTPSignatureAuthSetting = TypedDict(
    "HTTPSignatureAuthSetting",
    {
        "type": Literal["http-signature"],
        "in": Literal["header"],
        "key": Literal["Authorization"],
        "value": None,
    },
)
