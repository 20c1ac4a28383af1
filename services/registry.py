"""Rebuild the registry from the object store alone: every manifest becomes a registry row."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from storage.objectstore import ObjectStore
from storage.tables import records

__all__ = ["rebuild_registry", "row_from_manifest"]


def _dt(v: str | None) -> datetime | None:
    return datetime.fromisoformat(v) if v else None


def row_from_manifest(m: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": m["id"], "tenant": m["tenant"], "doc_type": m["type"], "profile": m["profile"],
        "title": m["title"], "policy_no": m.get("policy_no"), "insured_name": m.get("insured"),
        "template_version": m["template_version"], "content_sha256": m["content_sha256"],
        "parts": m["parts"], "manifest_key": f"records/{m['id']}/manifest.json",
        "created_at": _dt(m["created_at"]), "archived_at": _dt(m.get("archived_at")),
        "retain_until": _dt(m["retain_until"]), "legal_hold": False, "status": "archived",
        "supersedes": None, "superseded_by": None, "links_to": m.get("links_to"),
        "created_by": m.get("created_by"), "idempotency_key": m.get("idempotency_key"),
        "request_sha256": m.get("request_sha256"), "signers": m.get("signers") or [],
        "archive_items": m.get("archive_items") or [],
    }


def rebuild_registry(engine: Engine, store: ObjectStore, *, replace: bool = True) -> dict[str, Any]:
    """Read every ``records/*/manifest.json`` and (re)write the records table from them.

    Retention and legal hold are read back from the object store itself, so extensions made
    after archiving are kept; ``superseded_by`` is derived from the newer records' ``supersedes``.
    """
    manifests = []
    for key in store.list("records/"):
        if key.endswith("/manifest.json"):
            manifests.append(json.loads(store.get(key)))
    rows = []
    for m in manifests:
        row = row_from_manifest(m)
        info = store.stat(m["parts"]["pdf"]["key"], m["parts"]["pdf"].get("version_id"))
        if info.retain_until:
            row["retain_until"] = info.retain_until
        row["legal_hold"] = bool(info.legal_hold)
        rows.append((row, m.get("supersedes")))
    with engine.begin() as conn:
        if replace:
            conn.execute(delete(records))
        existing = {r.id for r in conn.execute(select(records.c.id))}
        inserted = 0
        for row, _ in sorted(rows, key=lambda r: r[0]["created_at"] or datetime.min):
            if row["id"] in existing:
                continue
            conn.execute(insert(records).values(**row))
            inserted += 1
        for row, old in rows:
            if old:
                conn.execute(update(records).where(records.c.id == row["id"]).values(supersedes=old))
                conn.execute(update(records).where(records.c.id == old)
                             .values(superseded_by=row["id"]))
    return {"manifests": len(manifests), "inserted": inserted}
