"""The API classes (one per tag of the spec)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openapiopenai.api.images_api import ImagesApi

__all__ = ["ImagesApi"]


def __getattr__(name: str) -> Any:
    if name == "ImagesApi":
        from openapiopenai.api.images_api import ImagesApi

        return ImagesApi
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
