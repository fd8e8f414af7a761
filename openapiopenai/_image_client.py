"""``ImageClient``: the client a parsed response is bound to, as the layers below it name it.

An ``ApiClient`` binds each response it parses, so that the response's ``url`` images are
downloaded through its pool and TLS settings.  The models and the helpers that serve them
sit below the client layer: they keep and hand on the client under this protocol, which
says only what they touch (the binding the client shares with its models).
"""

from __future__ import annotations

from typing import Any, Optional, Protocol

__all__ = ["ImageClient"]


class ImageClient(Protocol):
    """An ``ApiClient``, as the models keep it: ``openapiopenai._download`` takes the rest."""

    _model_binding: Optional[dict[str, Any]]
