"""The package's public API is typed for its users: ``pyright --verifytypes`` scores it."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_docs import run_pyright

# Share of the public symbols whose type a checker knows without guessing (pyright's
# "type completeness score"; ambiguous = inferred from an unannotated assignment).
MIN_COMPLETENESS = 0.95


def test_public_api_type_completeness_is_at_least_95_percent(tmp_path: Path) -> None:
    report = run_pyright(["--verifytypes", "openapiopenai", "--ignoreexternal"], tmp_path)
    completeness = report["typeCompleteness"]
    counts = completeness["exportedSymbolCounts"]
    assert counts["withKnownType"] > 400, counts  # the package itself was found and read
    missing = [
        f"{symbol['name']}: {symbol['diagnostics'][0]['message'].splitlines()[0]}"
        for symbol in completeness["symbols"]
        if symbol["isExported"] and not symbol["isTypeKnown"] and symbol["diagnostics"]
    ]
    score = completeness["completenessScore"]
    assert score >= MIN_COMPLETENESS, f"{score:.1%}:\n" + "\n".join(missing)


def test_stream_events_narrow_on_their_type(tmp_path: Path) -> None:
    """``event.type == ...`` narrows a stream's event to its class for pyright."""
    (tmp_path / "pyrightconfig.json").write_text('{"typeCheckingMode": "strict"}')
    (tmp_path / "narrowing.py").write_text(
        "from openapiopenai import ImageStream\n"
        "from typing_extensions import reveal_type\n"
        "def f(stream: ImageStream) -> None:\n"
        "    for event in stream:\n"
        '        if event.type == "image_generation.completed":\n'
        "            reveal_type(event)\n"
        '        elif event.type == "image_edit.partial_image":\n'
        "            reveal_type(event.partial_image_index)\n"
    )
    report = run_pyright(["narrowing.py"], tmp_path)
    revealed = [
        d["message"] for d in report["generalDiagnostics"] if d["severity"] == "information"
    ]
    errors = [d["message"] for d in report["generalDiagnostics"] if d["severity"] == "error"]
    assert not errors
    assert revealed == [
        'Type of "event" is "ImageGenCompletedEvent"',
        'Type of "event.partial_image_index" is "int"',
    ]


def test_the_event_union_parses_each_type_into_its_class() -> None:
    import pydantic

    from openapiopenai.models import (
        ImageEditCompletedEvent,
        ImageGenPartialImageEvent,
        ImageStreamEvent,
        ImageStreamEventUnion,
    )
    from openapiopenai.models.image_stream_event_union import parse_image_stream_event

    partial = parse_image_stream_event(
        {"type": "image_generation.partial_image", "b64_json": "AA==", "partial_image_index": 1}
    )
    assert type(partial) is ImageGenPartialImageEvent and partial.partial_image_index == 1
    completed = parse_image_stream_event({"type": "image_edit.completed", "b64_json": "AA=="})
    assert type(completed) is ImageEditCompletedEvent
    novel = parse_image_stream_event({"type": "image_generation.progress", "percent": 5})
    assert type(novel) is ImageStreamEvent and novel.model_extra == {"percent": 5}
    # A known type without what the spec requires is an error, not a plain event.
    with pytest.raises(pydantic.ValidationError, match="b64_json"):
        parse_image_stream_event({"type": "image_generation.completed"})

    # The union works in the caller's own models, discriminated on `type`.
    class Log(pydantic.BaseModel):
        events: list[ImageStreamEventUnion]

    log = Log.model_validate({"events": [{"type": "image_edit.completed", "b64_json": "AA=="}]})
    assert type(log.events[0]) is ImageEditCompletedEvent
