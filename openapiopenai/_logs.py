"""``OPENAI_LOG``: the package's log on stderr, turned on as the official SDK does it.

``OPENAI_LOG=info`` logs one line per HTTP attempt (method, URL without its query,
status, request id, time, retry decision); ``OPENAI_LOG=debug`` adds each attempt's
request headers, credentials redacted.  Nothing here runs at ``import openapiopenai``:
the environment is read once, when the first :class:`~openapiopenai.ApiClient` is
created (the CLI's ``--verbose`` calls :func:`enable` directly).  Bodies and API keys
are never logged.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Optional

__all__ = ["LOGGER_NAME", "enable", "level_from_environment", "setup_from_environment"]

LOGGER_NAME = "openapiopenai"

#: The format of the stderr handler (the official SDK's).
FORMAT = "[%(asctime)s - %(name)s:%(lineno)d - %(levelname)s] %(message)s"

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}

_environment_read = False


def level_from_environment() -> Optional[int]:
    """The level ``OPENAI_LOG`` asks for (``info`` or ``debug``, any case), else ``None``."""
    return _LEVELS.get((os.environ.get("OPENAI_LOG") or "").strip().lower())


def setup_from_environment() -> None:
    """Apply ``OPENAI_LOG`` the first time this is called in the process."""
    global _environment_read
    if _environment_read:
        return
    _environment_read = True
    level = level_from_environment()
    if level is not None:
        enable(level)


def enable(level: int) -> None:
    """Log this package at ``level`` (or below, if already lower) to stderr, one handler."""
    logger = logging.getLogger(LOGGER_NAME)
    if logger.level == logging.NOTSET or level < logger.level:
        logger.setLevel(level)
    if not any(getattr(h, "_openapiopenai_stderr", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler._openapiopenai_stderr = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
