"""Response header blocks: read without the email parser, the same message as http.client's.

``read_header_block`` must return, for any bytes, exactly what ``http.client.parse_headers``
returns (and consume the same bytes); the responses built on it must begin as http.client's
do.  The fast path must really be taken for the plain blocks an API sends.
"""

from __future__ import annotations

import email.parser
import http.client
import io
import socket
from typing import Any, Callable

import pytest
import urllib3
from _raw_server import raw_server
from hypothesis import given, settings
from hypothesis import strategies as st

import openapiopenai
from openapiopenai import CreateImageRequest
from openapiopenai._connection import _FinalResponse
from openapiopenai._header_block import read_header_block

from conftest import API_KEY

PLAIN = (
    b"Content-Type: application/json\r\nContent-Length: 482\r\nConnection: keep-alive\r\n"
    b"x-request-id: req_1\r\nopenai-processing-ms: 1\r\n\r\n"
)

BLOCKS = [
    PLAIN,
    b"\r\n",
    b"\n",
    b"",
    b"A: b",  # the connection closed inside the block
    b"A: b\r\n",
    b"A: b\n\n",
    b"A:\r\nB:   \t spaced  \r\n\r\n",
    b"A: 1\r\nA: 2\r\na: 3\r\n\r\n",  # repeated names keep their order
    b"X-Folded: one\r\n two\r\n\tthree\r\n\r\n",  # obs-fold
    b" leading: space\r\n\r\n",
    b"no colon here\r\nA: b\r\n\r\n",
    b": no name\r\nA: b\r\n\r\n",
    b"Name : space before colon\r\n\r\n",
    b"From someone\r\nA: b\r\n\r\n",
    b"From: someone\r\n\r\n",
    b"A: stray\rCR\r\n\r\n",
    b"A: two CRs\r\r\n\r\n",
    b"A: \x85next line?\r\n\r\n",
    b"A: form\x0cfeed\x1cand\x1eseparators\r\n\r\n",
    b"A: caf\xc3\xa9 \xff\r\n\r\n",
    b"N\xe4me: latin-1 name\r\n\r\n",
    b"Content-Type: multipart/mixed; boundary=x\r\n\r\n",
    b"Content-Type: multipart/mixed\r\n\r\n",
    b"content-type: Message/rfc822\r\n\r\n",
    b"Content-Type: message/delivery-status\r\n\r\n",
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n",
    b"A: b\r\n\r\nbody after the block\r\n",
    b"A: b\r\n\r\n\r\n",
]


def _state(message: Any) -> dict[str, Any]:
    """A message's attributes, with nested messages and defects (compared by identity) opened."""
    state = dict(vars(message))
    state["defects"] = [type(d) for d in state["defects"]]
    if isinstance(state["_payload"], list):
        state["_payload"] = [_state(part) for part in state["_payload"]]
    return state


def _both(block: bytes) -> tuple[Any, Any]:
    """(ours, http.client's) for ``block``: the message's state and the bytes left unread."""
    results = []
    for parse in (read_header_block, http.client.parse_headers):
        fp = io.BytesIO(block)
        try:
            message = parse(fp)  # type: ignore[operator]
        except http.client.HTTPException as e:
            results.append((type(e), str(e)))
            continue
        results.append((type(message), _state(message), fp.read()))
    return results[0], results[1]


@pytest.mark.parametrize("block", BLOCKS)
def test_the_message_is_http_clients_for_each_kind_of_block(block: bytes) -> None:
    ours, theirs = _both(block)
    assert ours == theirs


_PIECES = st.sampled_from(
    [
        *(b"A", b"x-request-id", b"N\xe4", b":", b": ", b" ", b"\t", b"\r", b"\n", b"\r\n"),
        *(b"From ", b"value", b"\x85", b"\x0c", b"\x00", b"\xff", b"\x7f", b"content-type"),
        *(b"multipart/x", b"message/y", b"text/plain", b";", b"="),
    ]
)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=8).map(b"".join), max_size=8))
def test_the_message_is_http_clients_for_any_bytes(lines: list[bytes]) -> None:
    block = b"\r\n".join(lines) + b"\r\n\r\ntrailing body"
    ours, theirs = _both(block)
    assert ours == theirs


def test_limits_are_http_clients() -> None:
    too_long = b"A: " + b"x" * 70000 + b"\r\n\r\n"
    too_many = b"".join(b"H%d: v\r\n" % i for i in range(101)) + b"\r\n"
    for block in (too_long, too_many):
        ours, theirs = _both(block)
        assert ours == theirs
        assert issubclass(ours[0], http.client.HTTPException)


def test_a_plain_block_does_not_reach_the_email_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the email parser was used")

    monkeypatch.setattr(email.parser.Parser, "parsestr", refuse)
    message = read_header_block(io.BytesIO(PLAIN))
    assert message.items()[0] == ("Content-Type", "application/json")
    assert message["content-length"] == "482"
    with pytest.raises(AssertionError, match="email parser"):
        read_header_block(io.BytesIO(b"X-Folded: one\r\n two\r\n\r\n"))


# -- whole responses over a socket -------------------------------------------------------

RESPONSES = [
    b"HTTP/1.1 200 OK\r\n" + PLAIN.replace(b"482", b"2") + b"ok",
    b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort",
    b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\nContent-Length: 9\r\n\r\n"
    b"1\r\na\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\nuntil close",
    b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nuntil close",
    b"HTTP/1.1 200 OK\r\n\r\nno length: until close",
    b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n",
    b"HTTP/1.1 304 Not Modified\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 500   Server Error  \r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Type: multipart/mixed; boundary=z\r\nContent-Length: 0\r\n\r\n",
]


class _Stdlib(http.client.HTTPConnection):
    pass


class _Ours(http.client.HTTPConnection):
    response_class = _FinalResponse


def _begin(connection_class: type[http.client.HTTPConnection], port: int) -> tuple[Any, ...]:
    conn = connection_class("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/v1/x")
        r = conn.getresponse()
        begun = (r.status, r.reason, r.version, r.chunked, r.length, r.will_close, _state(r.msg))
        try:
            body: object = r.read()
        except http.client.HTTPException as e:
            body = (type(e), str(e))
        return (*begun, body)
    finally:
        conn.close()


def _answer(data: bytes) -> Callable[[socket.socket], None]:
    return lambda conn: conn.sendall(data)


@pytest.mark.parametrize("response", RESPONSES)
def test_a_response_begins_as_http_clients_does(response: bytes) -> None:
    with raw_server(_answer(response)) as (url, _):
        port = int(url.split(":")[2].split("/")[0])
        assert _begin(_Ours, port) == _begin(_Stdlib, port)


def test_the_api_reports_the_headers_urllib3_reports_for_plain_and_folded_blocks() -> None:
    body = b'{"created": 1, "data": [{"url": "https://cdn.example/x.png"}]}'
    response = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-request-id: req_7\r\n"
        b"X-Folded: first\r\n second\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    )
    for answer in (response, response.replace(b"\r\n second", b"")):
        with raw_server(_answer(answer)) as (url, _):
            plain = urllib3.PoolManager().request("POST", url + "/images/generations", body=b"")
            config = openapiopenai.Configuration(host=url, access_token=API_KEY, retries=0)
            with openapiopenai.ApiClient(config) as client:
                api = openapiopenai.ImagesApi(client)
                result = api.create_image_with_http_info(CreateImageRequest(prompt="an otter"))
        assert result.status_code == 200
        assert result.headers is not None
        assert list(result.headers.items()) == list(plain.headers.items())
        assert result.headers["x-request-id"] == "req_7"
        folded = result.headers["x-folded"]  # unfolded as this Python's http.client does
        assert folded.startswith("first") and ("second" in folded) == (b" second" in answer)
        assert result.data.data is not None
        assert result.data.data[0].url == "https://cdn.example/x.png"
