"""The PyPI description: README.md without the links that only work inside the repository.

All other metadata is in pyproject.toml; this file only fills its dynamic ``readme``.
On PyPI a relative link (``docs/ImagesApi.md``, ``#anchor``) leads nowhere, so each one
keeps its text and loses its target; absolute ``http(s)://`` links stay.
"""

from __future__ import annotations

import re
from pathlib import Path

from setuptools import setup

_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")
_ANCHOR = re.compile(r'^<a id="[^"]*"></a>\n', re.MULTILINE)
_NOTE = (
    "\n*The guides and the pages for each API and model named below are in the `docs/`"
    " directory of the source distribution.*\n"
)


def pypi_description(readme: str) -> str:
    """``readme`` with relative links made plain text and HTML anchors removed."""

    def plain(match: re.Match[str]) -> str:
        text, target = match.groups()
        return match.group(0) if target.startswith(("https://", "http://")) else text

    text = _ANCHOR.sub("", _LINK.sub(plain, readme))
    title, _, rest = text.partition("\n")
    return f"{title}\n{_NOTE}{rest}"


if __name__ == "__main__":
    setup(
        long_description=pypi_description(
            Path(__file__).with_name("README.md").read_text(encoding="utf-8")
        ),
        long_description_content_type="text/markdown",
    )
