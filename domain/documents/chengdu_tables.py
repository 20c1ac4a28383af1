"""Chengdu Appendix C tables 1–13 (001_3fc616084e0abfd0.txt) as document types ``chengdu_table_N``.

``KINDS`` lists (type, title, source, model, checks) for each table; domain.catalog adds them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["KINDS"]

KINDS: tuple[tuple[str, str, str, Any, tuple[Any, ...]], ...] = ()
