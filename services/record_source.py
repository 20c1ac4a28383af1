"""A record's posted request (its ``source.json``): the staged copy while the record is pending,
else the archived object at the version the registry names."""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import Engine, and_, select

from storage.errors import ObjectNotFound, StorageUnavailable
from storage.objectstore import ObjectStore
from storage.tables import staged_parts

__all__ = ["read_source"]

log = logging.getLogger("azx.records")


def read_source(engine: Engine, store: ObjectStore, row: Any) -> dict[str, Any] | None:
    """``row`` has ``id``, ``status`` and ``parts``; None when it cannot be read now."""
    raw = None
    if row["status"] == "pending":
        with engine.connect() as conn:
            raw = conn.execute(select(staged_parts.c.content).where(and_(
                staged_parts.c.record_id == row["id"], staged_parts.c.name == "json"))).scalar()
    if raw is None:
        part = (row["parts"] or {}).get("json")
        if not part:
            return None
        try:
            raw = store.get(part["key"], part.get("version_id"))
        except (StorageUnavailable, ObjectNotFound) as exc:
            log.info("source of %s not read: %s", row["id"], exc)
            return None
    try:
        out = json.loads(raw)
    except ValueError:
        return None
    return out if isinstance(out, dict) else None
