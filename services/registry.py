"""The registry from the object store alone: every manifest stands for one archived record.

* :func:`records_from_store` — the archived records as the store describes them (manifest,
  plus the retention and legal hold the store enforces now);
* :func:`compare_registry` — the registry against the store, changing nothing;
* :func:`rebuild_registry` — the registry's archived rows made equal to the store (a lost or
  damaged database); pending and failed rows, which the store does not know, are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from services.records import ARCHIVED, Manifest, Record
from storage.objectstore import ObjectStore
from storage.tables import records

__all__ = ["COMPARED", "RegistryDiff", "compare_registry", "rebuild_registry",
           "records_from_store"]

#: The registry columns a manifest (and the store's lock) determine.
COMPARED = ("tenant", "doc_type", "profile", "title", "policy_no", "insured_name",
            "template_version", "content_sha256", "parts", "created_at", "status", "supersedes",
            "superseded_by", "links_to", "idempotency_key", "key_scope", "retain_until",
            "legal_hold")


@dataclass
class RegistryDiff:
    """Where the registry and the store disagree about archived records."""

    only_in_store: list[str] = field(default_factory=list)
    only_in_registry: list[str] = field(default_factory=list)
    different: dict[str, list[str]] = field(default_factory=dict)  # id → differing columns

    @property
    def equal(self) -> bool:
        return not (self.only_in_store or self.only_in_registry or self.different)

    def as_dict(self) -> dict[str, Any]:
        return {"equal": self.equal, "only_in_store": self.only_in_store,
                "only_in_registry": self.only_in_registry, "different": self.different}


def records_from_store(store: ObjectStore) -> dict[str, Record]:
    """Every archived record the store holds a manifest for, as its registry row."""
    out: dict[str, Record] = {}
    for key in store.list("records/"):
        if not key.endswith("/manifest.json"):
            continue
        manifest = Manifest.parse(store.get(key))
        first = next(iter(manifest.parts.values()))
        info = store.stat(first.key, first.version_id)
        out[manifest.id] = Record.from_manifest(manifest, retain_until=info.retain_until,
                                                legal_hold=bool(info.legal_hold))
    successors = {r.supersedes: r.id for r in out.values() if r.supersedes}
    for rid, new in successors.items():
        if rid in out:
            out[rid] = replace(out[rid], superseded_by=new)
    return out


def _registry(engine: Engine) -> dict[str, Record]:
    with engine.connect() as conn:
        rows = conn.execute(select(records).where(records.c.status == ARCHIVED)).mappings().all()
    return {r["id"]: Record.from_row(r) for r in rows}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):  # the store keeps whole seconds
        return abs((a.astimezone(UTC) - b.astimezone(UTC)).total_seconds()) < 1
    return bool(a == b)


def compare_registry(engine: Engine, store: ObjectStore) -> RegistryDiff:
    """The registry's archived rows against the store's manifests; changes nothing."""
    stored, registered = records_from_store(store), _registry(engine)
    diff = RegistryDiff(only_in_store=sorted(set(stored) - set(registered)),
                        only_in_registry=sorted(set(registered) - set(stored)))
    for rid in sorted(set(stored) & set(registered)):
        cols = [c for c in COMPARED
                if not _same(getattr(stored[rid], c), getattr(registered[rid], c))]
        if cols:
            diff.different[rid] = cols
    return diff


def rebuild_registry(engine: Engine, store: ObjectStore) -> dict[str, Any]:
    """Make the registry's archived rows what the store's manifests say (insert the missing,
    correct the differing); report rows the store does not hold, never delete them."""
    stored = records_from_store(store)
    with engine.connect() as conn:
        known = {r.id: r.status for r in conn.execute(select(records.c.id, records.c.status))}
    inserted = updated = 0
    with engine.begin() as conn:
        # oldest first: a correction's row comes after the row it supersedes
        for record in sorted(stored.values(), key=lambda r: r.created_at):
            row = record.row()
            if record.id not in known:
                conn.execute(insert(records).values(**(row | {"superseded_by": None})))
                inserted += 1
            else:
                values = {c: row[c] for c in COMPARED if c != "superseded_by"}
                conn.execute(update(records).where(records.c.id == record.id)
                             .values(**values, archived_at=row["archived_at"],
                                     signers=row["signers"], archive_items=row["archive_items"],
                                     request_sha256=row["request_sha256"],
                                     created_by=row["created_by"], failure=None,
                                     lease_until=None))
                updated += 1
        for record in stored.values():
            conn.execute(update(records).where(records.c.id == record.id)
                         .values(superseded_by=record.superseded_by))
    missing = sorted(rid for rid, status in known.items()
                     if status == ARCHIVED and rid not in stored)
    return {"manifests": len(stored), "inserted": inserted, "updated": updated,
            "registry_only": missing}
