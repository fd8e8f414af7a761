"""The Files/Batch pages match the code: every model field, every API method and parameter."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import openapiopenai
from openapiopenai import BatchApi, FilesApi

DOCS = Path(__file__).resolve().parent.parent / "docs"
README = DOCS.parent / "README.md"
MODELS = [
    "Batch", "BatchError", "BatchErrors", "BatchFileExpirationAfter", "BatchRequestCounts",
    "BatchRequestInput", "BatchRequestOutput", "BatchRequestOutputError",
    "BatchRequestOutputResponse", "BatchUsage", "BatchUsageInputTokensDetails",
    "BatchUsageOutputTokensDetails", "CreateBatchRequest", "DeleteFileResponse",
    "EditImageBodyJsonParam", "ImageRefParam", "ListBatchesResponse", "ListFilesResponse",
    "OpenAIFile",
]  # fmt: skip
_NAME = re.compile(r"^\s*\*\*(?P<name>\w+)\*\*\s*\|", re.MULTILINE)


def _section(text: str, heading: str) -> str:
    text = re.sub(r"^```.*?^```[ \t]*$", "", text, flags=re.MULTILINE | re.DOTALL)
    level = len(heading) - len(heading.lstrip("#"))
    rest = text[text.index(heading + "\n") + len(heading) + 1 :]
    stop = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    return rest[: stop.start()] if stop else rest


@pytest.mark.parametrize("name", MODELS)
def test_model_page_lists_every_field_and_is_in_the_readme(name: str) -> None:
    text = (DOCS / f"{name}.md").read_text(encoding="utf-8")
    documented = set(_NAME.findall(_section(text, "## Properties")))
    assert documented == set(getattr(openapiopenai, name).model_fields)
    assert f"[{name}](docs/{name}.md)" in README.read_text(encoding="utf-8")


class _NoClient:
    configuration = None


@pytest.mark.parametrize("api", [FilesApi, BatchApi])
def test_api_page_documents_every_method_and_parameter(api: type) -> None:
    page = f"{api.__name__}.md"
    text = (DOCS / page).read_text(encoding="utf-8")
    readme = README.read_text(encoding="utf-8")
    public = [n for n in vars(api) if not n.startswith("_")]
    assert public
    for name in public:
        assert f"**{name}**" in text, f"{page} does not mention {name}"
        if name.endswith(("_with_http_info", "_without_preload_content")):
            continue
        assert f"(docs/{page}#{name})" in readme, f"README does not list {name}"
        documented = set(_NAME.findall(_section(_section(text, f"# **{name}**"), "### Parameters")))
        signature = inspect.signature(getattr(api(_NoClient()), name))
        # The per-call options (_request_timeout, ...) are documented once, in ImagesApi.md.
        expected = {p for p in signature.parameters if p != "options" and p[0] != "_"}
        assert documented == expected, f"{name}: documented {sorted(documented)}"
