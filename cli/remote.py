"""Where a running service is and the key to call it with, for the commands that talk to one
(``azx batch submit``, ``azx obligations``): --url / AZX_URL (default: this machine's settings)
and --key / AZX_API_KEY."""

from __future__ import annotations

import argparse
import os
import sys

__all__ = ["service_and_key"]


def service_and_key(args: argparse.Namespace) -> tuple[str, str] | None:
    """(base URL without a trailing slash, API key); None, said on stderr, when no key is given."""
    from core.settings import get_settings

    s = get_settings()
    base = (args.url or os.environ.get("AZX_URL") or f"http://{s.host}:{s.port}").rstrip("/")
    key = args.key or os.environ.get("AZX_API_KEY")
    if not key:
        print("azx: an API key is needed: --key KEY or AZX_API_KEY", file=sys.stderr)
        return None
    return base, key
