"""The auditor package (``GET /v1/exports``): a tenant's archived records as a BagIt bag (RFC 8493,
made with the Library of Congress ``bagit`` library), zipped, that an auditor can check with no
access to the service.

Layout (under the bag's ``data/``)::

    README.txt                     what is here and how to check it (zh / en)
    index.html, index.csv          one line per file: record, part, SHA-256, lock, 四性
    four-properties-report.pdf     the 电子档案四性检测报告 of every record (DA/T 70-2018)
    four-properties.json           the same, item by item
    keys/jwks.json                 the service's QR and manifest public keys (Ed25519 JWKS)
    keys/azx-signing-cert.pem      the PDF-signing certificate
    records/<id>/document.pdf … source.json, manifest.json    the locked parts, as stored
    records/<id>/timestamps/<n>.pdf, <n>.json   archive time stamp renewals and their sealed
                                   statements (services.timestamps), when there are any
    records/<id>/metadata.json     DA/T 46-2009-style metadata of the record
    records/<id>/verification.json the offline verification of its PDF and the store's findings
    records/<id>/four-properties.json

The bag carries ``manifest-sha256.txt`` and ``manifest-sha512.txt`` (and tag manifests of both):
``bagit.py --validate`` proves nothing was altered in transit; ``azx verify
data/records/<id>/document.pdf --jwks data/keys/jwks.json --cert data/keys/azx-signing-cert.pem``
re-verifies each PDF from the bag alone; the sealed ``manifest.json`` names every part's SHA-256.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from html import escape
from pathlib import Path
from typing import Any

import bagit
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from domain.access import Action, Caller, require
from domain.errors import DomainValidationError
from domain.four_properties import PROPERTY_ZH, RecordFourProperties
from rendering.csv_file import csv_bytes
from services.archive import ArchiveService
from services.four_properties import MAX_SET, FourPropertiesChecker, scope_text
from services.integrity import RecordCheck, check_record
from services.records import MANIFEST, Record, iso_utc
from services.verify import verify_pdf_offline
from signing.pdf_verify import inspect_pdf_signatures

__all__ = ["AuditorPackage", "export_bag", "metadata"]

logging.getLogger("bagit").setLevel(logging.WARNING)  # it logs every file it hashes at INFO

_CHINA = timezone(timedelta(hours=8), "CST")
_CHECKSUMS = ["sha256", "sha512"]


@dataclass(frozen=True)
class AuditorPackage:
    content: bytes  # the zipped bag
    filename: str
    records: int


def export_bag(archive: ArchiveService, checks: FourPropertiesChecker, caller: Caller, *,
               jwks: Mapping[str, Any], certificate: x509.Certificate,
               policy_no: str | None = None, insured: str | None = None,
               ids: Sequence[str] = (), engine: Any = "typst") -> AuditorPackage:
    """The caller's archived records matching every filter given, as a zipped BagIt bag."""
    require(caller, Action.EXPORT)
    if not policy_no and not insured and not ids:
        raise DomainValidationError.single(
            ("policy_no",), "filter_required",
            "须指定保单号（policy_no）、被保险人（insured）或记录编号（id）",
            "give a policy number (policy_no), an insured (insured) or record IDs (id)")
    scope = scope_text(policy_no, insured, ids)
    chosen = checks.archived(caller.tenant, policy_no=policy_no, insured=insured, ids=ids)
    if len(chosen) > MAX_SET:
        raise DomainValidationError.single(
            ("policy_no",), "too_many_records", f"导出范围超过 {MAX_SET} 条记录，请缩小范围",
            f"more than {MAX_SET} records; narrow the filter")
    now = datetime.now(UTC)
    keys = dict(checks.keys())
    bucket = checks.bucket_findings()
    name = f"azx-export-{now:%Y%m%dT%H%M%SZ}"
    with tempfile.TemporaryDirectory(prefix="azx-bag-") as tmp:
        root = Path(tmp) / name
        data = root
        index: list[dict[str, Any]] = []
        results: list[RecordFourProperties] = []
        for record in chosen:
            checked = check_record(record, archive.store, keys, now=now)
            result = checks.check(record, checked=checked, bucket=bucket, now=now)
            results.append(result)
            folder = data / "records" / record.id
            folder.mkdir(parents=True)
            stored: dict[str, bytes] = {}
            for part_name, part in record.parts.items():
                content = checked.contents.get(part_name)
                if content is None:  # altered or unreadable: still hand over what is stored
                    content = archive.store.get(part.key, part.version_id)
                stored[part_name] = content
                _write(folder / part.key.rsplit("/", 1)[-1], content)
            _write(folder / MANIFEST, archive.store.get(record.manifest_key,
                                                        record.manifest_version_id))
            renewals = _write_renewals(archive, record, checked, folder, result, index)
            pdf = stored.get("pdf")
            offline = (verify_pdf_offline(pdf, jwks, [certificate]) if pdf is not None
                       else None)
            newest = checked.evidence_pdf if renewals else None
            _write_json(folder / "verification.json", {
                "record_id": record.id, "checked_at": now.isoformat(),
                "offline": offline,
                "evidence": {"file": checked.evidence_name, "renewals": renewals,
                             "offline": (verify_pdf_offline(newest, jwks, [certificate])
                                         if newest is not None else offline)},
                "archive": {"intact": checked.intact,
                            "findings": [{"severity": f.severity, "code": f.code, "what": f.what}
                                         for f in checked.findings]}})
            _write_json(folder / "four-properties.json", result.model_dump(mode="json"))
            manifest = checked.manifest
            years = (manifest.manifest.retention_years
                     if manifest is not None and manifest.manifest is not None else None)
            lock = archive.store.stat(record.manifest_key, record.manifest_version_id)
            _write_json(folder / "metadata.json", metadata(
                record, stored, sealed=manifest is not None and manifest.trusted,
                retention_years=years, result=result, certificate=certificate,
                lock_mode=lock.retention_mode, evidence=checked.evidence_pdf,
                renewals=renewals))
            for part_name, content in stored.items():
                index.append(_index_row(record, part_name, content, result))
        report = checks.render_report(caller.tenant, scope, results, "pdf", engine=engine,
                                      checked_at=now)
        _write(data / "four-properties-report.pdf", report.content)
        _write(data / "four-properties.json", checks.render_report(
            caller.tenant, scope, results, "json", checked_at=now).content)
        _write_json(data / "keys" / "jwks.json", jwks)
        _write(data / "keys" / "azx-signing-cert.pem", certificate.public_bytes(Encoding.PEM))
        _write(data / "index.csv", _csv(index))
        _write(data / "index.html", _html(index, scope, now).encode())
        _write(data / "README.txt", _readme(scope, now, len(chosen)).encode())
        bagit.make_bag(str(root), {
            "Source-Organization": caller.tenant,
            "External-Description": f"AZX 安责险事故预防服务档案：{scope}（{len(chosen)} 条记录）",
            "External-Identifier": name,
            "Bag-Group-Identifier": policy_no or insured or "records",
        }, checksums=_CHECKSUMS)
        content = _zip(root, name)
    archive.audit.append("export", tenant=caller.tenant, actor=caller.key_id,
                         detail={"format": "bagit", "policy_no": policy_no, "insured": insured,
                                 "ids": list(ids), "records": len(chosen)})
    return AuditorPackage(content, f"{name}.zip", len(chosen))


def metadata(record: Record, stored: Mapping[str, bytes], *, sealed: bool,
             retention_years: int | None, result: RecordFourProperties,
             certificate: x509.Certificate, lock_mode: str | None,
             evidence: bytes | None = None,
             renewals: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """DA/T 46-2009 core metadata of one record, by the standard's element names (the service's
    mapping: 立档单位 = the tenant, 文种 = the document type, 件号 = the record ID). The
    signatures are read from ``evidence`` (the last time stamp renewal's PDF) when given."""
    created = record.created_at.astimezone(_CHINA)
    years = retention_years or record.retain_until.year - record.created_at.year
    files = []
    for name, part in record.parts.items():
        content = stored.get(name, b"")
        files.append({
            "计算机文件名": part.key.rsplit("/", 1)[-1], "计算机文件大小": part.size,
            "格式名称": part.media_type,
            "格式版本": _pdf_version(content) if name == "pdf" else None,
            "数字摘要": {"算法": "SHA-256", "值": part.sha256,
                         "SHA-512": hashlib.sha512(content).hexdigest()},
            "存储位置": {"对象键": part.key, "版本": part.version_id},
        })
    signatures = []
    signed = evidence if evidence is not None else stored.get("pdf")
    if signed is not None:
        for r in inspect_pdf_signatures(signed, [certificate]):
            signatures.append({
                "签名规则": f"PAdES (ETSI EN 319 142) {r.level}",
                "证据有效期至": iso_utc(r.evidence_until),
                "签名时间": iso_utc(r.timestamp_time or r.signing_time),
                "签名人": r.signer_subject or r.signer_name,
                "签名结果": "有效" if (r.intact and r.valid) else "无效",
                "可信": r.trusted, "覆盖范围": r.coverage,
                "证书": r.signer_subject, "签名算法": "CMS, SHA-256",
            })
    return {
        "元数据方案": "DA/T 46-2009 文书类电子文件元数据方案（核心元数据，按本服务的记录对应）",
        "聚合层次": "文件",
        "来源": {"立档单位名称": record.tenant},
        "电子文件号": record.id,
        "档号": {"全宗号": record.tenant, "年度": created.year, "保管期限": f"{years}年",
                 "件号": record.id},
        "内容描述": {"题名": record.title, "文种": record.doc_type, "标准/地区": record.profile,
                     "责任者": record.tenant, "日期": created.date().isoformat(),
                     "保单号": record.policy_no, "被保险人": record.insured_name,
                     "模板版本": record.template_version},
        "形式特征": {"文件组合类型": "单件", "组成部分": sorted(record.parts)},
        "计算机文件": files,
        "数字摘要（内容）": {"算法": "SHA-256", "值": record.content_sha256},
        "电子签名": signatures,
        "存档时间戳续期": list(renewals),
        "存档清单": {"文件": MANIFEST, "服务签名": "有效" if sealed else "无法验证"},
        "保存": {"归档时间": iso_utc(record.archived_at), "保存期限至": iso_utc(record.retain_until),
                 "锁定模式": lock_mode, "法律保全": record.legal_hold},
        "版本": {"更正对象": record.supersedes, "已被更正为": record.superseded_by,
                 "关联记录": record.links_to},
        "签署方": [s.model_dump(exclude_none=True) for s in record.signers],
        "权限管理": {"控制标识": "限本单位（租户）访问", "知悉范围": record.tenant},
        "四性检测": {"通过": result.passed,
                     **{PROPERTY_ZH[v.property]: v.passed for v in result.properties}},
    }


def _write_renewals(archive: ArchiveService, record: Record, checked: RecordCheck,
                    folder: Path, result: RecordFourProperties,
                    index: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each valid time stamp renewal's PDF and sealed statement, as stored; what they are."""
    out = []
    for renewal in checked.renewals:
        st = renewal.statement
        pdf_name = st.pdf.key.split("/", 2)[-1]  # timestamps/<n>.pdf
        json_key = st.pdf.key[:-len(".pdf")] + ".json"
        pdf = renewal.pdf if renewal.pdf is not None else archive.store.get(
            st.pdf.key, st.pdf.version_id)
        statement = archive.store.get(json_key, renewal.statement_version_id)
        _write(folder / pdf_name, pdf)
        _write(folder / json_key.split("/", 2)[-1], statement)
        for name, content, expected in ((pdf_name, pdf, st.pdf.sha256),
                                        (json_key.split("/", 2)[-1], statement, None)):
            digest = hashlib.sha256(content).hexdigest()
            index.append(_index_row(record, name, content, result) | {
                "file": f"data/records/{record.id}/{name}",
                "sha256_matches_registry": expected is None or digest == expected})
        out.append({"n": st.n, "file": pdf_name, "statement": json_key.split("/", 2)[-1],
                    "sha256": st.pdf.sha256, "version_id": st.pdf.version_id,
                    "renewed_at": iso_utc(st.renewed_at),
                    "evidence_until": iso_utc(st.evidence_until)})
    return out


def _pdf_version(pdf: bytes) -> str | None:
    head = pdf[:16]
    return head[5:8].decode("ascii", "replace") if head.startswith(b"%PDF-") else None


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _write_json(path: Path, obj: Any) -> None:
    _write(path, json.dumps(obj, ensure_ascii=False, indent=1, default=str).encode())


def _index_row(record: Record, part: str, content: bytes,
               result: RecordFourProperties) -> dict[str, Any]:
    ref = record.parts.get(part)
    filename = ref.key.rsplit("/", 1)[-1] if ref is not None else part
    return {"record_id": record.id, "title": record.title, "type": record.doc_type,
            "policy_no": record.policy_no or "", "insured": record.insured_name or "",
            "created_at": iso_utc(record.created_at), "part": part,
            "file": f"data/records/{record.id}/{filename}",
            "sha256": hashlib.sha256(content).hexdigest(),
            "sha256_matches_registry":
                ref is not None and hashlib.sha256(content).hexdigest() == ref.sha256,
            "retain_until": iso_utc(record.retain_until), "legal_hold": record.legal_hold,
            "superseded_by": record.superseded_by or "",
            "four_properties": "通过" if result.passed else "不通过"}


def _csv(index: list[dict[str, Any]]) -> bytes:
    return csv_bytes([list(index[0]), *(list(i.values()) for i in index)] if index else [])


def _html(index: list[dict[str, Any]], scope: str, now: datetime) -> str:
    head = ("记录编号", "文书", "文件", "SHA-256", "保存期限至", "法律保全", "已被更正为", "四性")
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in (
            i["record_id"], i["title"], i["file"], i["sha256"], i["retain_until"],
            "是" if i["legal_hold"] else "否", i["superseded_by"], i["four_properties"]))
        + "</tr>" for i in index)
    return (f'<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><title>档案导出</title>'
            f"<h1>安责险事故预防服务档案（审计包）</h1><p>{escape(scope)}；导出时间 "
            f"{now.isoformat(timespec='seconds')}；共 {len(index)} 个文件。四性检测报告见 "
            "four-properties-report.pdf；核验方法见 README.txt。</p>"
            "<table border=1 cellpadding=4><tr>" + "".join(f"<th>{h}</th>" for h in head)
            + f"</tr>{rows}</table></html>")


def _readme(scope: str, now: datetime, count: int) -> str:
    return f"""AZX 安责险事故预防服务档案 — 审计包 / auditor package
范围 / scope: {scope}（{count} 条记录 / records）
导出时间 / exported: {now.isoformat(timespec='seconds')}

本目录是 BagIt 包（RFC 8493）。/ This is a BagIt bag (RFC 8493).

1. 包完整 / the bag is whole:
   pip install bagit && bagit.py --validate <本包目录 / this directory>
   (manifest-sha256.txt, manifest-sha512.txt: every file's SHA-256 and SHA-512)
2. 每份 PDF 离线核验 / every PDF verified offline, from this bag alone:
   azx verify data/records/<编号>/document.pdf --jwks data/keys/jwks.json \\
       --cert data/keys/azx-signing-cert.pem
   (数字签名、覆盖全文件、页面二维码的签名与编号 / signatures, whole-file coverage, the QR code)
3. 存档清单 / manifest: data/records/<编号>/manifest.json names every part's SHA-256 and
   storage version, sealed by the service (Ed25519, key in data/keys/jwks.json, field
   "signature"; signed: the canonical JSON of everything but "signature").
4. 元数据 / metadata: data/records/<编号>/metadata.json (DA/T 46-2009 core elements).
5. 存档时间戳续期 / archive time stamp renewals: data/records/<编号>/timestamps/<n>.pdf is the
   PDF with a newer document time stamp appended (verify it as in 2: it is the same document,
   its evidence lasts longer); <n>.json, sealed like the manifest (domain
   "azx-timestamp-renewal/1"), names its SHA-256, storage version and the file it extends.
6. 四性检测 / the four properties (DA/T 70-2018): four-properties-report.pdf and
   four-properties.json; per record records/<编号>/four-properties.json; the service's own
   verification of each record against its store: records/<编号>/verification.json.
"""


def _zip(root: Path, name: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                z.write(path, f"{name}/{path.relative_to(root).as_posix()}")
    return buf.getvalue()
