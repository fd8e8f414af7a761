"""The API classes (one per tag of the spec)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openapiopenai.api.batch_api import BatchApi
    from openapiopenai.api.files_api import FilesApi
    from openapiopenai.api.images_api import ImagesApi

__all__ = ["BatchApi", "FilesApi", "ImagesApi"]

_APIS = {
    "BatchApi": "openapiopenai.api.batch_api",
    "FilesApi": "openapiopenai.api.files_api",
    "ImagesApi": "openapiopenai.api.images_api",
}


def __getattr__(name: str) -> Any:
    module = _APIS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
