"""Identifiers of jobs, batches, webhooks, deliveries and events."""

from __future__ import annotations

import secrets
import time

__all__ = ["new_id"]


def new_id(prefix: str) -> str:
    """Time-ordered, unguessable: ``job_0192f0c3a1b2…`` (ms timestamp + 64 random bits)."""
    return f"{prefix}_{int(time.time() * 1000):012x}{secrets.token_hex(8)}"
