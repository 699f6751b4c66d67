"""Entry point: ``python -m devstack COMMAND`` (normally via ``./orinctl``)."""

from __future__ import annotations

import os
import sys

from . import DevstackError
from .cli import Terminated, main


def entry() -> int:
    try:
        return main(sys.argv[1:])
    except DevstackError as exc:
        print(f"orinctl: {exc}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, Terminated):
        print("orinctl: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        # Disk full, permissions, ...: one line unless asked for the details.
        if os.environ.get("ORIN_DEBUG"):
            raise
        print(f"orinctl: {exc} (set ORIN_DEBUG=1 for a traceback)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(entry())
