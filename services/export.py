"""Export for an auditor or a regulator: one insured's or one policy's records as a ZIP with the
parts, their manifests, SHA-256 hashes, lock status read back from the store and a readable index."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from html import escape
from typing import Any

from sqlalchemy import select

from domain.access import Action, Caller, require
from domain.errors import DomainValidationError
from services.archive import ArchiveService
from storage.tables import records

__all__ = ["export_zip"]


def export_zip(archive: ArchiveService, caller: Caller, *, policy_no: str | None = None,
               insured: str | None = None) -> bytes:
    require(caller, Action.EXPORT)
    if not policy_no and not insured:
        raise DomainValidationError.single(
            ("policy_no",), "filter_required", "须指定保单号（policy_no）或被保险人（insured）",
            "give a policy number (policy_no) or an insured (insured)")
    cond = [records.c.tenant == caller.tenant, records.c.status == "archived"]
    if policy_no:
        cond.append(records.c.policy_no == policy_no)
    if insured:
        cond.append(records.c.insured_name == insured)
    with archive.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(records).where(*cond)
                                              .order_by(records.c.created_at)).mappings()]
    buf = io.BytesIO()
    index: list[dict[str, Any]] = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for row in rows:
            rid = row["id"]
            z.writestr(f"{rid}/manifest.json", archive.store.get(row["manifest_key"]))
            for name, part in (row["parts"] or {}).items():
                data = archive.store.get(part["key"], part.get("version_id"))
                info = archive.store.stat(part["key"], part.get("version_id"))
                filename = part["key"].rsplit("/", 1)[-1]
                z.writestr(f"{rid}/{filename}", data)
                index.append({
                    "record_id": rid, "type": row["doc_type"], "title": row["title"],
                    "policy_no": row["policy_no"] or "", "insured": row["insured_name"] or "",
                    "created_at": row["created_at"].isoformat(), "part": name, "file": f"{rid}/{filename}",
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "sha256_matches_registry": hashlib.sha256(data).hexdigest() == part["sha256"],
                    "lock_mode": info.retention_mode or "",
                    "retain_until": info.retain_until.isoformat() if info.retain_until else "",
                    "legal_hold": bool(info.legal_hold),
                    "superseded_by": row["superseded_by"] or "",
                })
        z.writestr("index.json", json.dumps(index, ensure_ascii=False, indent=2))
        out = io.StringIO()
        if index:
            w = csv.DictWriter(out, fieldnames=list(index[0]))
            w.writeheader()
            w.writerows(index)
        z.writestr("index.csv", "\ufeff" + out.getvalue())
        z.writestr("index.html", _html(index, policy_no, insured))
    archive.audit.append("export", tenant=caller.tenant, actor=caller.key_id,
                         detail={"policy_no": policy_no, "insured": insured, "records": len(rows)})
    return buf.getvalue()


def _html(index: list[dict[str, Any]], policy_no: str | None, insured: str | None) -> str:
    head = ("记录编号", "类型", "文件", "SHA-256", "锁定模式", "保存期限至", "法律保全", "已被更正为")
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in (
            i["record_id"], i["title"], i["file"], i["sha256"], i["lock_mode"], i["retain_until"],
            "是" if i["legal_hold"] else "否", i["superseded_by"])) + "</tr>" for i in index)
    what = escape(policy_no or insured or "")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return (f'<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><title>档案导出 {what}</title>'
            f"<h1>安责险事故预防服务档案导出：{what}</h1><p>导出时间 {now}；共 {len(index)} 个文件。"
            "每个文件的 SHA-256 可用 sha256sum 复核。</p><table border=1 cellpadding=4>"
            "<tr>" + "".join(f"<th>{h}</th>" for h in head) + f"</tr>{rows}</table></html>")
