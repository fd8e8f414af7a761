"""``python -m openapiopenai``: the ``openapiopenai`` command line (``images ...``, ``demo``)."""

from __future__ import annotations

import sys

from openapiopenai.cli import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m openapiopenai"))
