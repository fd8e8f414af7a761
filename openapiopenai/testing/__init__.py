"""A local OpenAI Images API for tests: ``ImagesServer``, a pytest plugin and a CLI.

``ImagesServer`` serves the three image operations on 127.0.0.1 with real PNGs, the API's
validation and error shapes (v2.0.0 and the latest contract: the GPT image models,
multi-image edits, ``usage``, streamed events), expiring image URLs, a request log and
scripted faults::

    from openapiopenai.testing import ImagesServer

    with ImagesServer() as server:
        server.respond_with(429, {"error": {...}}, headers={"Retry-After": "1"})
        ...  # point a client at server.url
        assert server.requests[0].fault is not None

It also serves the Files and Batch APIs (``/v1/files``, ``/v1/batches``; batches run on
the server's clock, see ``ImagesServer.batch_timing``) and JSON edits of images referenced
by file id, data URL or an image URL it served.

Run it standalone with ``python -m openapiopenai.testing serve --port 8080``. Names are
imported on first use, so importing this package is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openapiopenai.testing._batches import BatchTiming
    from openapiopenai.testing._errors import openai_error
    from openapiopenai.testing._faults import Fault
    from openapiopenai.testing._multipart import Part
    from openapiopenai.testing._record import Headers, RecordedRequest, mask_api_key
    from openapiopenai.testing._server import ImagesServer

__all__ = [
    "BatchTiming",
    "Fault",
    "Headers",
    "ImagesServer",
    "Part",
    "RecordedRequest",
    "mask_api_key",
    "openai_error",
]

_EXPORTS = {
    "BatchTiming": "openapiopenai.testing._batches",
    "Fault": "openapiopenai.testing._faults",
    "Headers": "openapiopenai.testing._record",
    "ImagesServer": "openapiopenai.testing._server",
    "Part": "openapiopenai.testing._multipart",
    "RecordedRequest": "openapiopenai.testing._record",
    "mask_api_key": "openapiopenai.testing._record",
    "openai_error": "openapiopenai.testing._errors",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
