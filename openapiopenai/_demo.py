"""``python -m openapiopenai demo``: every operation, end to end, with no key and no network.

Starts the local :class:`~openapiopenai.testing.ImagesServer` in this process and drives
it through the public client, as an application would: a generation returning URLs (then
downloaded), one returning ``b64_json``, an edit with a mask and a variation.  The images
are written to ``./demo-output/`` and a table of what was done is printed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Optional

from openapiopenai._results import PathArg

__all__ = ["DemoStep", "make_mask", "run"]


@dataclass(frozen=True)
class DemoStep:
    """One operation the demo ran: what, at which size, how many, how long, which files."""

    operation: str
    size: str
    n: int
    elapsed_ms: float
    files: tuple[Path, ...]


def make_mask(size: int) -> bytes:
    """A ``size`` x ``size`` RGBA PNG mask: opaque, with a fully transparent disc in the middle."""
    from openapiopenai._png import encode_png

    centre, radius = (size - 1) / 2, size / 4
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            inside = (x - centre) ** 2 + (y - centre) ** 2 <= radius**2
            row += b"\x00\x00\x00\x00" if inside else b"\x00\x00\x00\xff"
        rows.append(bytes(row))
    return encode_png(size, size, b"".join(rows), color_type=6)


def run(output: PathArg = "demo-output", out: Optional[IO[str]] = None) -> list[DemoStep]:
    """Run the demo, writing the images to ``output``; returns the steps (and prints them)."""
    import openapiopenai
    from openapiopenai.testing import ImagesServer

    stream = out if out is not None else sys.stdout
    folder = Path(output)
    steps: list[DemoStep] = []
    with ImagesServer() as server:
        configuration = openapiopenai.Configuration(
            host=server.url,
            access_token="sk-demo-local",
            trust_env=False,  # loopback: no proxy
        )
        with openapiopenai.ApiClient(configuration) as client:
            api = openapiopenai.ImagesApi(client)

            def step(
                operation: str, size: str, n: int, prefix: str, call: Callable[[], object]
            ) -> tuple[Path, ...]:
                started = time.perf_counter()
                response = call()
                assert isinstance(response, openapiopenai.ImagesResponse)
                files = tuple(response.save(folder, prefix, overwrite=True))
                elapsed = (time.perf_counter() - started) * 1000
                steps.append(DemoStep(operation, size, n, elapsed, files))
                return files

            # 1. URLs, downloaded through the same client (its pool, timeout and TLS).
            generated = step(
                "generate (url)",
                "256x256",
                2,
                "generate-url",
                lambda: api.create_image(
                    openapiopenai.CreateImageRequest(
                        prompt="a lighthouse on a cliff at dusk, watercolor",
                        n=2,
                        size="256x256",
                        response_format="url",
                    )
                ),
            )
            # 2. base64 in the response body: nothing to download.
            step(
                "generate (b64_json)",
                "512x512",
                1,
                "generate-b64",
                lambda: api.create_image(
                    openapiopenai.CreateImageRequest(
                        prompt="a red fox in fresh snow, studio photo",
                        size="512x512",
                        response_format="b64_json",
                    )
                ),
            )
            # 3. Repaint the transparent disc of the mask in the first generated image.
            step(
                "edit (mask)",
                "256x256",
                1,
                "edit",
                lambda: api.create_image_edit(
                    image=generated[0],
                    mask=("mask.png", make_mask(256)),
                    prompt="a full moon over the sea",
                    model="dall-e-2",
                    size="256x256",
                    response_format="b64_json",
                ),
            )
            # 4. Variations of the same image.
            step(
                "variation",
                "256x256",
                2,
                "variation",
                lambda: api.create_image_variation(image=generated[0], n=2, size="256x256"),
            )
    _print_table(steps, stream)
    count = sum(len(s.files) for s in steps)
    print(
        f"\n{count} images written to {folder}/ by a local server in this process "
        "(no API key, no network).",
        file=stream,
    )
    return steps


def _print_table(steps: Sequence[DemoStep], stream: IO[str]) -> None:
    header = ("operation", "size", "n", "elapsed ms", "file")
    rows: list[tuple[str, ...]] = []
    for s in steps:
        for i, path in enumerate(s.files):
            first = i == 0
            rows.append(
                (
                    s.operation if first else "",
                    s.size if first else "",
                    str(s.n) if first else "",
                    f"{s.elapsed_ms:.0f}" if first else "",
                    str(path),
                )
            )
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]
    right = {2, 3}  # numbers line up on the right

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(widths[c]) if c in right else cell.ljust(widths[c])
            for c, cell in enumerate(cells)
        ]
        return "  ".join(parts).rstrip()

    print(line(header), file=stream)
    print("  ".join("-" * w for w in widths), file=stream)
    for row in rows:
        print(line(row), file=stream)
