"""The ``fast`` extra: pybase64 when installed, the stdlib otherwise — same bytes, same errors.

Each check runs with the stdlib forced (whether or not pybase64 is installed) and, where
pybase64 is installed (the dev extra installs it), through pybase64.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

import pytest

from openapiopenai import ApiResponseValidationError, ImagesResponse
from openapiopenai import _base64 as codec

from conftest import make_png

try:
    import pybase64  # noqa: F401

    HAVE_PYBASE64 = True
except ImportError:  # pragma: no cover - the dev extra installs it
    HAVE_PYBASE64 = False

CODECS = [
    pytest.param(False, id="stdlib"),
    pytest.param(
        True,
        id="pybase64",
        marks=pytest.mark.skipif(not HAVE_PYBASE64, reason="pybase64 (the fast extra) absent"),
    ),
]


@pytest.fixture(params=CODECS)
def fast(request: pytest.FixtureRequest) -> Iterator[bool]:
    codec.use_pybase64(request.param)
    assert codec.pybase64_active() is request.param
    yield request.param
    codec.use_pybase64(None)


def outcome(fn: Any, *args: Any) -> tuple[Any, ...]:
    try:
        return ("ok", fn(*args))
    except Exception as e:  # the type and message are what is compared
        return ("error", type(e), str(e))


def stdlib(data: Any) -> bytes:
    return base64.b64decode(data, validate=True)


#: Every string of up to 6 characters over these: valid groups, padding in and out of
#: place, whitespace, characters outside the alphabet, a non-ASCII byte.
ALPHABET = b"AQ/=\n*\x80"
TRICKY = [bytes(t) for n in range(7) for t in itertools.product(ALPHABET, repeat=n)]


def test_decoding_gives_the_stdlibs_bytes_and_errors(fast: bool) -> None:
    for data in TRICKY:
        assert outcome(codec.decode, data) == outcome(stdlib, data), data
        assert outcome(codec.decode, memoryview(data)) == outcome(stdlib, data), data
    for text in ["QUJD", "QUI=", "QQ==", "QQ=", "QU JD", "QUJDé", "", "===="]:
        assert outcome(codec.decode, text) == outcome(stdlib, text), text


def joined(data: bytes, chunk: int) -> bytes:
    return b"".join(codec.iter_decoded(data, 0, len(data), chunk))


def test_decoding_in_pieces_joins_to_the_whole(fast: bool) -> None:
    for data in TRICKY:
        whole = outcome(codec.decode, data)
        for chunk in (4, 8):
            pieces = outcome(joined, data, chunk)
            assert pieces == whole, (data, chunk)
    rng = random.Random(7)
    raw = rng.randbytes(100_000)
    text = b"xx" + base64.b64encode(raw) + b"yy"
    assert b"".join(codec.iter_decoded(text, 2, len(text) - 2)) == raw
    assert sum(1 for _ in codec.iter_decoded(text, 2, len(text) - 2)) > 1


def test_encoding_gives_the_stdlibs_text(fast: bool) -> None:
    for size in (0, 1, 2, 3, 100, 65_537):
        data = random.Random(size).randbytes(size)
        assert codec.encode(data) == base64.b64encode(data)
        assert codec.encode(memoryview(data)) == base64.b64encode(data)


def large_body(*b64: str) -> bytes:
    """A response large enough for its strings to be kept as spans of the body."""
    return json.dumps({"created": 1, "data": [{"b64_json": text} for text in b64]}).encode()


def test_images_decode_and_save_the_same_way(fast: bool, tmp_path: Path) -> None:
    png = make_png(8, 8)[:33] + os.urandom(400_000)  # a PNG's header, then several pieces
    response = ImagesResponse._from_response_body(large_body(base64.b64encode(png).decode()))
    assert response.data[0].__dict__["b64_json"].__class__.__name__ == "LazyText"
    assert response.data[0].to_bytes() == png
    path = response.data[0].save(tmp_path / "otter")
    assert path.name == "otter.png"
    assert path.read_bytes() == png


def expected_error(text: str) -> Optional[str]:
    """The error the stdlib's strict decoder gives ``text`` (``None``: it decodes it)."""
    try:
        if sys.version_info >= (3, 11):
            binascii.a2b_base64(text.encode(), strict_mode=True)
        else:  # before 3.11 validate=True lets padding past the end through
            base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        return f"b64_json: not valid base64 ({e})"
    return None


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda t: t[:1000] + "*" + t[1001:], id="bad character in the first piece"),
        pytest.param(lambda t: t[:300_000] + "\n" + t[300_001:], id="bad character far in"),
        pytest.param(lambda t: t[:200_000] + "==" + t[200_002:], id="padding in the middle"),
        pytest.param(lambda t: t[:-1], id="truncated"),
        pytest.param(lambda t: t + "=", id="excess padding"),
    ],
)
def test_invalid_base64_raises_the_same_error_and_writes_nothing(
    fast: bool, tmp_path: Path, spoil: Any
) -> None:
    text = spoil(base64.b64encode(make_png(8, 8) + os.urandom(400_000)).decode())
    message = expected_error(text)
    image = ImagesResponse._from_response_body(large_body(text)).data[0]
    if message is None:  # this Python's stdlib takes it: so does the client, to the byte
        assert image.to_bytes() == base64.b64decode(text, validate=True)
        return
    with pytest.raises(ApiResponseValidationError) as to_bytes:
        image.to_bytes()
    assert str(to_bytes.value) == message
    with pytest.raises(ApiResponseValidationError) as save:
        image.save(tmp_path / "out" / "sub" / "otter.png")
    assert str(save.value) == message
    assert list(tmp_path.iterdir()) == []  # no file, no temporary, no folder left behind
    plain = ImagesResponse.model_validate({"created": 1, "data": [{"b64_json": text}]})
    with pytest.raises(ApiResponseValidationError) as parsed:
        plain.data[0].to_bytes()
    assert str(parsed.value) == message


def test_the_environment_variable_keeps_to_the_stdlib() -> None:
    code = "from openapiopenai import _base64 as c; print(c.pybase64_active())"
    env = {**os.environ, codec.DISABLE_ENV: "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
    env[codec.DISABLE_ENV] = "0"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str(HAVE_PYBASE64)


@pytest.mark.parametrize("escape_from", [0, 300_000], ids=["escapes early", "escapes late"])
def test_escaped_base64_is_decoded_as_its_string(
    fast: bool, tmp_path: Path, escape_from: int
) -> None:
    """``\\/`` is legal JSON for ``/``: the raw span then does not decode, the string does."""
    png = make_png(8, 8) + os.urandom(400_000)
    text = base64.b64encode(png).decode()
    assert "/" in text[escape_from : escape_from + 1000]
    body = large_body(text)
    cut = body.index(text.encode()) + escape_from
    escaped = body[:cut] + body[cut:].replace(b"/", b"\\/")
    image = ImagesResponse._from_response_body(escaped).data[0]
    assert image.__dict__["b64_json"].escaped
    assert image.to_bytes() == png
    path = image.save(tmp_path / "otter")
    assert path.read_bytes() == png
    assert sorted(p.name for p in tmp_path.iterdir()) == ["otter.png"]


def test_data_urls_carry_the_stdlibs_base64(fast: bool) -> None:
    from openapiopenai._data_url import image_data_url

    png = make_png(8, 8) + os.urandom(50_001)
    url = image_data_url(png)
    assert url == "data:image/png;base64," + base64.b64encode(png).decode("ascii")
