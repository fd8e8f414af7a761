"""Jupyter display: the models' ``_repr_*_`` methods, and the example notebook run headless."""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path

import pytest

from openapiopenai import Image, ImagesResponse
from openapiopenai._png import read_png_info

from conftest import REPO, make_png

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
URL = "https://cdn.example.test/img-1.png?se=2030&sp=r&sig=abc"
NOTEBOOK = REPO / "examples" / "quickstart.ipynb"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_a_b64_png_image_displays_as_png() -> None:
    png = make_png(8, 8)
    image = Image(b64_json=b64(png))
    assert image._repr_png_() == png
    assert image._repr_jpeg_() is None
    assert image._repr_html_() is None  # the PNG display covers it; no second copy


def test_a_b64_jpeg_image_displays_as_jpeg() -> None:
    image = Image(b64_json=b64(JPEG))
    assert image._repr_jpeg_() == JPEG
    assert image._repr_png_() is None


def test_a_b64_webp_image_displays_as_an_inline_html_image() -> None:
    html = Image(b64_json=b64(WEBP))._repr_html_()
    assert html is not None
    assert f'src="data:image/webp;base64,{b64(WEBP)}"' in html


def test_a_url_image_displays_as_an_img_tag_without_downloading() -> None:
    image = Image(url=URL)
    assert image._repr_png_() is None
    html = image._repr_html_()
    assert html is not None
    assert '<img src="https://cdn.example.test/img-1.png?se=2030&amp;sp=r&amp;sig=abc"' in html


def test_a_url_that_is_not_http_is_not_put_in_an_img_tag() -> None:
    html = Image(url="javascript:alert(1)")._repr_html_()
    assert html is not None
    assert "<img" not in html and "not an http(s) URL" in html


def test_a_response_shows_every_image_in_a_grid() -> None:
    png = make_png(8, 8)
    response = ImagesResponse(
        created=1, data=[Image(b64_json=b64(png)), Image(url=URL), Image(b64_json=b64(JPEG))]
    )
    html = response._repr_html_()
    assert "display:grid" in html
    assert html.count("<figure") == 3
    sources = re.findall(r'<img src="([^"]*)"', html)
    assert sources == [
        f"data:image/png;base64,{b64(png)}",
        URL.replace("&", "&amp;"),
        f"data:image/jpeg;base64,{b64(JPEG)}",
    ]
    assert "3 images" in html


def test_the_revised_prompt_is_the_caption_html_escaped() -> None:
    prompt = '<script>alert("x")</script> & an otter'
    response = ImagesResponse(created=1, data=[Image(url=URL, revised_prompt=prompt)])
    html = response._repr_html_()
    assert "<script>" not in html
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; an otter"
    assert f">{escaped}</figcaption>" in html
    assert f'alt="{escaped}"' in html


def test_server_strings_in_the_header_are_escaped() -> None:
    response = ImagesResponse(created=1, data=[], size="<b>big</b>")
    html = response._repr_html_()
    assert "<b>big</b>" not in html and "&lt;b&gt;big&lt;/b&gt;" in html
    assert "0 images" in html


def test_the_repr_shows_the_start_and_length_of_b64_data() -> None:
    data = b64(make_png(64, 64))
    text = repr(Image(b64_json=data, revised_prompt="otter"))
    assert data not in text
    assert f"b64_json='{data[:32]}…' ({len(data)} chars)" in text
    assert "revised_prompt='otter'" in text


def test_the_quickstart_notebook_runs_headless(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """examples/quickstart.ipynb runs offline on an ipykernel of this interpreter."""
    # A kernel spec of our own, found through JUPYTER_PATH: no network, no user config.
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
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    work = tmp_path / "work"
    work.mkdir()
    import nbclient  # after JUPYTER_PLATFORM_DIRS is set: jupyter_core reads it on import
    import nbformat

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="openapiopenai-test",
        timeout=60,
        startup_timeout=60,
        resources={"metadata": {"path": str(work)}},
    )
    client.execute()

    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    htmls = [out.data["text/html"] for out in outputs if "text/html" in out.get("data", {})]
    assert len(htmls) == 4  # the URL grid, the base64 grid, four large images, a batch
    assert htmls[0].count("<figure") == 2 and "/v1/files/images/" in htmls[0]
    assert "data:image/png;base64," in htmls[1] and "</figcaption>" in htmls[1]
    pngs = [out.data["image/png"] for out in outputs if "image/png" in out.get("data", {})]
    assert len(pngs) == 2  # one image, one stream event
    assert read_png_info(base64.b64decode(pngs[0])).width == 1024
    written = sorted(p.name for p in (work / "notebook-output").iterdir())
    assert written == ["fox-0.png", "lighthouse-0.png", "lighthouse-1.png"]
