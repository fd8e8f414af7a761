"""``openapiopenai``, called as its README shows.

``save`` writes every image with ``image.save(path)``; ``stream`` iterates
``create_image_stream``.  ``OPENAPIOPENAI_NO_PYBASE64=1`` (set by run.py for the ``save``
row) keeps base64 to the stdlib even where the ``fast`` extra (pybase64) is installed.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import openapiopenai

from _common import (
    API_KEY,
    LARGE_N,
    PROMPT,
    driver_args,
    random_png,
    request_kind,
    run_driver,
    run_sizes,
    save_dir,
    saved_bytes,
    stream_prompt,
)


def main() -> None:
    args = driver_args()
    config = openapiopenai.Configuration(host=args.host, access_token=API_KEY, retries=0)
    client = openapiopenai.ApiClient(config)
    api = openapiopenai.ImagesApi(client)
    Request = openapiopenai.CreateImageRequest
    kind = request_kind(args.workload)
    from openapiopenai import _base64

    info = {
        "version": getattr(openapiopenai, "__version__", "?"),
        "module": os.path.dirname(openapiopenai.__file__),
        "pybase64": _base64.pybase64_active(),
    }

    folder = save_dir(args)
    request: Callable[[], Any]
    if kind == "small":

        def request() -> Any:
            return api.create_image(Request(prompt=PROMPT, n=1, response_format="url"))

    elif args.workload == "large":

        def request() -> Any:
            return api.create_image(Request(prompt=PROMPT, n=10, response_format="b64_json"))

    elif args.workload == "save":

        def request() -> Any:
            result = api.create_image(Request(prompt=PROMPT, n=10, response_format="b64_json"))
            for i, image in enumerate(result.data):
                image.save(os.path.join(folder, f"image-{i}.png"))
            return result

    elif kind == "stream":

        def stream_call(mb: Optional[int] = None) -> Callable[[], Any]:
            extra = {} if mb else {"partial_images": 3}

            def call() -> Any:
                req = Request(prompt=stream_prompt(mb or None), model="gpt-image-1", **extra)
                with api.create_image_stream(req) as events:
                    return list(events)

            return call

        def check_events(events: Any) -> int:
            return sum(len(event.b64_json) for event in events)

        with client:
            if args.workload == "stream-one":
                run_sizes("openapiopenai", args, stream_call, check_events, info)
            else:
                run_driver("openapiopenai", args, stream_call(), check_events, info)
        return

    else:
        image, mask = random_png(), random_png()

        def request() -> Any:
            return api.create_image_edit(image, PROMPT, mask=mask, response_format="url")

    def check(result: Any) -> int:
        if args.workload == "save":  # what is on disk (reading the strings is no user's step)
            return saved_bytes(folder, LARGE_N)
        if kind == "large":
            return sum(len(item.b64_json) for item in result.data)
        return sum(len(item.url) for item in result.data)

    with client:
        run_driver("openapiopenai", args, request, check, info)


if __name__ == "__main__":
    main()
