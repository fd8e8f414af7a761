"""Jupyter output stays bounded: thumbnails with Pillow, a description without it.

Four photo-sized images (incompressible noise, ~3 MB each as PNG) put 16.8 MB of base64 in
one cell when inlined at full size.  These tests display them through the models' reprs
and through examples/quickstart.ipynb run headless, with Pillow and with the switch that
makes the display code act as if Pillow were not installed.
"""

from __future__ import annotations

import base64
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import openapiopenai._display as display
from openapiopenai import Image, ImagesResponse
from openapiopenai._png import encode_png, read_png_info
from openapiopenai.batch import BatchResult, BatchResults
from openapiopenai.exceptions import BadRequestException
from openapiopenai.models.image_gen_completed_event import ImageGenCompletedEvent

from conftest import REPO, make_png

NOTEBOOK = REPO / "examples" / "quickstart.ipynb"
SIDE = 1024
# What one image may add to a cell, base64 and markup included.
PER_IMAGE = display.INLINE_LIMIT * 4 // 3 + 2_000


def noise_png(seed: int) -> bytes:
    """A 1024x1024 RGB PNG that does not compress: the size of a real photo's."""
    pixels = random.Random(seed).getrandbits(8 * SIDE * SIDE * 3).to_bytes(SIDE * SIDE * 3, "big")
    return encode_png(SIDE, SIDE, pixels, color_type=2)


@pytest.fixture(scope="module")
def large_b64() -> list[str]:
    return [base64.b64encode(noise_png(seed)).decode() for seed in range(4)]


@pytest.fixture(params=["pillow", "no-pillow"])
def pillow(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[bool]:
    with_pillow = request.param == "pillow"
    if with_pillow:
        pytest.importorskip("PIL", reason="Pillow is in the dev extra")
    monkeypatch.setattr(display, "_USE_PILLOW", None if with_pillow else False)
    yield with_pillow


def test_four_large_images_make_a_bounded_grid(pillow: bool, large_b64: list[str]) -> None:
    response = ImagesResponse(created=1, data=[Image(b64_json=b) for b in large_b64])
    assert sum(map(len, large_b64)) > 16_000_000
    page = response._repr_html_()
    assert page.count("<figure") == 4
    sources = re.findall(r'<img src="data:(image/\w+);base64,([^"]*)"', page)
    if pillow:
        assert len(page) <= 4 * PER_IMAGE
        assert len(sources) == 4
        for content_type, data in sources:
            thumb = base64.b64decode(data)
            assert len(thumb) <= display.INLINE_LIMIT
            assert content_type == "image/jpeg"  # opaque: JPEG is the small one
            assert max(_jpeg_size(thumb)) == display.THUMBNAIL_SIDE
    else:
        assert len(page) < 4_000
        assert not sources
        assert page.count("1024×1024 PNG, 3.1 MB: not inlined") == 4
        assert "response.data[3].save(&quot;image.png&quot;)" in page
        assert "display(response.data[3].full())" in page


def test_one_large_image_displays_bounded_and_full_on_request(
    pillow: bool, large_b64: list[str]
) -> None:
    image = Image(b64_json=large_b64[0])
    png, jpeg, page = image._repr_png_(), image._repr_jpeg_(), image._repr_html_()
    if pillow:
        assert png is None and page is None  # the JPEG thumbnail covers it
        assert jpeg is not None and len(jpeg) <= display.INLINE_LIMIT
    else:
        assert png is None and jpeg is None
        assert page is not None and len(page) < 1_000 and "image.save(" in page
    full = image.full()
    assert full._repr_png_() == base64.b64decode(large_b64[0])
    assert full._repr_html_() is None


def test_small_images_are_shown_as_they_are(pillow: bool) -> None:
    png = make_png(8, 8)
    image = Image(b64_json=base64.b64encode(png).decode())
    assert image._repr_png_() == png  # under the limit: not re-encoded


def test_a_large_transparent_image_keeps_its_alpha_in_a_png_thumbnail() -> None:
    pytest.importorskip("PIL", reason="Pillow is in the dev extra")
    pixels = bytearray(random.Random(5).randbytes(SIDE * SIDE * 4))
    pixels[3::4] = bytes(SIDE * SIDE)  # every pixel transparent: the thumbnail compresses
    data = base64.b64encode(encode_png(SIDE, SIDE, bytes(pixels))).decode()
    thumb = Image(b64_json=data)._repr_png_()
    assert thumb is not None
    assert read_png_info(thumb).width == display.THUMBNAIL_SIDE


def test_a_stream_event_has_a_short_repr_and_displays_its_image(
    pillow: bool, large_b64: list[str]
) -> None:
    event = ImageGenCompletedEvent(b64_json=large_b64[0], created_at=1, size="1024x1024")
    text = repr(event)
    assert len(text) < 300
    assert f"b64_json='{large_b64[0][:32]}…' ({len(large_b64[0])} chars)" in text
    assert "size='1024x1024'" in text and str(event) != large_b64[0]
    shown = event._repr_jpeg_() if pillow else event._repr_html_()
    assert shown is not None and len(shown) <= display.INLINE_LIMIT
    small = make_png(8, 8)
    assert ImageGenCompletedEvent(b64_json=base64.b64encode(small).decode())._repr_png_() == small


def test_batch_results_display_as_a_grid_with_their_errors(pillow: bool) -> None:
    small = base64.b64encode(make_png(8, 8)).decode()
    ok = ImagesResponse(created=1, data=[Image(b64_json=small, revised_prompt="an otter")])
    error = BadRequestException(status=400, reason="Bad Request", body=b"<b>n</b> too large")
    results = BatchResults(
        [
            BatchResult(index=0, item={}, value=ok, error=None, elapsed=0.1),
            BatchResult(index=1, item={}, value=None, error=error, elapsed=0.1),
        ]
    )
    page = results._repr_html_()
    assert "1 ok · 1 failed" in page
    assert page.count("<figure") == 2
    assert f"data:image/png;base64,{small}" in page and "#0.0 · an otter" in page
    assert "#1 failed" in page and "BadRequestException" in page
    assert "<b>n</b>" not in page  # the server's text is escaped


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from a JPEG's start-of-frame marker."""
    i = 2
    while i < len(data):
        marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(
                data[i + 5 : i + 7], "big"
            )
        i += 2 + length
    raise AssertionError("no SOF marker")


# --- the example notebook, run headless ------------------------------------------------

_LARGE_RESPONSE_CELL = """\
# (test) the next generation answers with four photo-sized images, as the real API does
import base64 as _b64
import random as _random

from openapiopenai._png import encode_png as _encode_png

_noise = _random.Random(0)
server.respond_with(
    200,
    {
        "created": 1,
        "data": [
            {
                "b64_json": _b64.b64encode(
                    _encode_png(1024, 1024, _noise.randbytes(1024 * 1024 * 3), color_type=2)
                ).decode()
            }
            for _ in range(4)
        ],
    },
)
"""
_NO_PILLOW_CELL = "import openapiopenai._display\n\nopenapiopenai._display._USE_PILLOW = False\n"


def _run_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, with_pillow: bool
) -> list[Any]:
    spec = tmp_path / "jupyter" / "kernels" / "openapiopenai-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "openapiopenai test kernel",
                "language": "python",
            }
        )
    )
    for name, sub in (
        ("JUPYTER_PATH", "jupyter"),
        ("JUPYTER_DATA_DIR", "data"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTER_CONFIG_DIR", "config"),
        ("IPYTHONDIR", "ipython"),
    ):
        monkeypatch.setenv(name, str(tmp_path / sub))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    work = tmp_path / "work"
    work.mkdir()
    import nbclient  # after JUPYTER_PLATFORM_DIRS is set: jupyter_core reads it on import
    import nbformat

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    large = next(i for i, c in enumerate(notebook.cells) if "large = api.create_image" in c.source)
    notebook.cells.insert(large, nbformat.v4.new_code_cell(_LARGE_RESPONSE_CELL))
    if not with_pillow:
        notebook.cells.insert(1, nbformat.v4.new_code_cell(_NO_PILLOW_CELL))
    nbclient.NotebookClient(
        notebook,
        kernel_name="openapiopenai-test",
        timeout=60,
        startup_timeout=60,
        resources={"metadata": {"path": str(work)}},
    ).execute()
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    errors = [out for cell in cells for out in cell.outputs if out.output_type == "error"]
    assert not errors, errors
    assert len(nbformat.writes(notebook)) < 1_000_000 + 4 * PER_IMAGE
    return cells


@pytest.mark.parametrize("with_pillow", [True, False], ids=["pillow", "no-pillow"])
def test_the_quickstart_notebook_stays_light(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_pillow: bool
) -> None:
    if with_pillow:
        pytest.importorskip("PIL", reason="Pillow is in the dev extra")
    cells = _run_notebook(tmp_path, monkeypatch, with_pillow=with_pillow)

    def size(cell: Any) -> int:
        return len(json.dumps(cell.outputs))

    for cell in cells:
        assert size(cell) <= 4 * PER_IMAGE, cell.source[:80]
    large = next(c for c in cells if c.source.startswith("large = api.create_image"))
    page = large.outputs[0].data["text/html"]
    if with_pillow:
        assert page.count("data:image/jpeg;base64,") == 4
    else:
        assert page.count("not inlined") == 4 and "data:image" not in page
        assert size(large) < 6_000

    stream = next(c for c in cells if "create_image_stream" in c.source)
    printed = "".join(o.text for o in stream.outputs if o.output_type == "stream")
    assert "image_generation.completed" in printed and len(printed) < 1_000
    assert any("image/png" in o.get("data", {}) for o in stream.outputs)  # the final image

    batch = next(c for c in cells if "ImagesBatch" in c.source)
    page = batch.outputs[0].data["text/html"]
    assert "1 ok · 1 failed" in page and "#1 failed" in page and "<img" in page
