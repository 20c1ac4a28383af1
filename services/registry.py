"""The registry from the object store alone: every manifest stands for one archived record.

* :func:`records_from_store` — the archived records as the store describes them (the one
  manifest version sealed by the service, plus the retention and legal hold the store enforces
  now); a record without exactly one sealed manifest is refused, with the reason;
* :func:`compare_registry` — the registry against the store, changing nothing;
* :func:`rebuild_registry` — the registry's archived rows made equal to the store (a lost or
  damaged database); pending and failed rows, which the store does not know, are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from services.records import ARCHIVED, MANIFEST, Manifest, Record, check_manifest
from storage.objectstore import ObjectStore, StoredVersion
from storage.tables import records

__all__ = ["COMPARED", "RegistryDiff", "StoreRecords", "compare_registry", "rebuild_registry",
           "records_from_store"]

#: The registry columns a manifest (and the store's lock) determine.
COMPARED = ("tenant", "doc_type", "profile", "title", "policy_no", "insured_name",
            "template_version", "content_sha256", "parts", "created_at", "status", "supersedes",
            "superseded_by", "links_to", "idempotency_key", "key_scope", "retain_until",
            "legal_hold", "manifest_version_id")


@dataclass
class RegistryDiff:
    """Where the registry and the store disagree about archived records."""

    only_in_store: list[str] = field(default_factory=list)
    only_in_registry: list[str] = field(default_factory=list)
    different: dict[str, list[str]] = field(default_factory=dict)  # id → differing columns
    refused: dict[str, str] = field(default_factory=dict)  # id → why its manifest was refused

    @property
    def equal(self) -> bool:
        return not (self.only_in_store or self.only_in_registry or self.different
                    or self.refused)

    def as_dict(self) -> dict[str, Any]:
        return {"equal": self.equal, "only_in_store": self.only_in_store,
                "only_in_registry": self.only_in_registry, "different": self.different,
                "refused": self.refused}


@dataclass
class StoreRecords:
    """The archived records the store can vouch for, and the ones it cannot (with why)."""

    records: dict[str, Record] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)  # record ID → reason


def records_from_store(store: ObjectStore, keys: Mapping[str, Any]) -> StoreRecords:
    """Every record whose ``manifest.json`` has exactly one version sealed by the service, as
    its registry row; the others refused with the reason. Versions are listed, so a manifest
    hidden under a delete marker is found, and a forged later version is not taken."""
    manifests: dict[str, list[StoredVersion]] = {}
    for v in store.versions("records/"):
        if v.key.endswith("/" + MANIFEST) and not v.is_delete_marker:
            manifests.setdefault(v.key.split("/")[1], []).append(v)
    out = StoreRecords()
    for rid, versions in sorted(manifests.items()):
        sealed: list[tuple[Manifest, StoredVersion]] = []
        problems: list[str] = []
        for v in versions:
            checked = check_manifest(store.get(v.key, v.version_id), keys)
            m = checked.manifest
            if checked.trusted and m is not None and m.id == rid:
                sealed.append((m, v))
            else:
                problems.append(f"version {v.version_id}: {checked.state}"
                                f"{': ' + checked.detail if checked.detail else ''}")
        if len(sealed) != 1:
            out.refused[rid] = (f"{len(sealed)} sealed manifests" if sealed else
                                "no manifest sealed by the service") + (
                f" ({'; '.join(problems)})" if problems else "")
            continue
        manifest, version = sealed[0]
        first = next(iter(manifest.parts.values()))
        info = store.stat(first.key, first.version_id)
        out.records[rid] = Record.from_manifest(
            manifest, retain_until=info.retain_until, legal_hold=bool(info.legal_hold),
            manifest_version_id=version.version_id)
    successors = {r.supersedes: r.id for r in out.records.values() if r.supersedes}
    for rid, new in successors.items():
        if rid in out.records:
            out.records[rid] = replace(out.records[rid], superseded_by=new)
    return out


def _registry(engine: Engine) -> dict[str, Record]:
    with engine.connect() as conn:
        rows = conn.execute(select(records).where(records.c.status == ARCHIVED)).mappings().all()
    return {r["id"]: Record.from_row(r) for r in rows}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):  # the store keeps whole seconds
        return abs((a.astimezone(UTC) - b.astimezone(UTC)).total_seconds()) < 1
    return bool(a == b)


def compare_registry(engine: Engine, store: ObjectStore, keys: Mapping[str, Any]) -> RegistryDiff:
    """The registry's archived rows against the store's sealed manifests; changes nothing."""
    found, registered = records_from_store(store, keys), _registry(engine)
    stored = found.records
    diff = RegistryDiff(only_in_store=sorted(set(stored) - set(registered)),
                        only_in_registry=sorted(set(registered) - set(stored)),
                        refused=dict(found.refused))
    for rid in sorted(set(stored) & set(registered)):
        cols = [c for c in COMPARED
                if not _same(getattr(stored[rid], c), getattr(registered[rid], c))]
        if cols:
            diff.different[rid] = cols
    return diff


def rebuild_registry(engine: Engine, store: ObjectStore, keys: Mapping[str, Any]) -> dict[str, Any]:
    """Make the registry's archived rows what the store's sealed manifests say (insert the
    missing, correct the differing); report rows the store does not vouch for and manifests it
    refused, never delete them. Tenant, policy and insured come only from sealed manifests."""
    found = records_from_store(store, keys)
    stored = found.records
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
            "registry_only": missing, "refused": found.refused}
