"""Archive time stamp renewal (issue 16, point 2): ``azx timestamps renew`` / the service's daily
pass adds a new document time stamp to a B-LTA record before its evidence ends, as new locked
objects beside the record (``records/<id>/timestamps/<n>.pdf`` + sealed ``<n>.json``), never as a
new version of a locked object.

The PKI (tests/signing/pki.py) answers at one fixed time; "years later" is simulated by the
renewer's ``now`` and pyHanko's validation time. Its first TSA certificate lasts two years, the
second (the one a renewal meets) twenty."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation import ades
from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_timestamp
from pyhanko_certvalidator import ValidationContext

from core.settings import Settings
from domain.timestamps import renewal_due, renewal_extends, renewal_key, renewal_of
from services.evidence import EvidenceRef, RenewalStatement, check_statement
from services.fixity import run_fixity
from services.records import Record, record_prefix, sha256_hex
from services.timestamps import TimestampRenewer
from signing.keys import QrKeyRing
from storage.objectstore import StoredVersion
from tests.signing.pki import TestPki, running_pki
from tests.signing.test_long_term import _spec

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"
DAY = dt.timedelta(days=1)

pytestmark = pytest.mark.s3


@dataclass
class Archive:
    client: TestClient
    ctx: object  # services.context.AppContext
    settings: Settings
    auth: dict[str, str]
    pki: TestPki

    def renewer(self) -> TimestampRenewer:
        """The renewal pass as it runs years later, meeting the TSA's next certificate."""
        later = self.settings.model_copy(update={"tsa_url": self.pki.renewal_tsa_url})
        c = self.ctx
        renewer = TimestampRenewer.from_settings(later, engine=c.engine, store=c.store,  # type: ignore[attr-defined]
                                                 audit=c.audit, key_ring=c.key_ring)  # type: ignore[attr-defined]
        assert renewer is not None
        return renewer

    def archive(self) -> str:
        body = json.loads((EXAMPLES / "callback-shandong.json").read_text("utf-8"))
        rec = self.client.post("/v1/documents", json=body, headers=self.auth)
        assert rec.status_code == 201, rec.text
        return str(rec.json()["id"])

    def record(self, rid: str) -> Record:
        found: Record | None = self.ctx.archive.find(rid)  # type: ignore[attr-defined]
        assert found is not None
        return found

    def versions(self, rid: str) -> dict[str, list[StoredVersion]]:
        """ListObjectVersions of the record's prefix, on the SeaweedFS the tests run."""
        out: dict[str, list[StoredVersion]] = {}
        for v in self.ctx.store.versions(record_prefix(rid)):  # type: ignore[attr-defined]
            out.setdefault(v.key, []).append(v)
        return out


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestPki]:
    with running_pki(tmp_path_factory.mktemp("pki"), tsa_years=2,
                     renewal_tsa_years=20) as running:
        yield running


@pytest.fixture(scope="module")
def archive(pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    from api.main import create_app
    from services.keys import create_key

    tmp = tmp_path_factory.mktemp("renewal")
    p12 = tmp / "service.p12"
    p12.write_bytes(pki.signer_p12())
    settings = Settings(data_dir=tmp / "data", signing_p12=p12, signing_p12_password="azx-test",
                        tsa_url=pki.tsa_url, signing_long_term=True, check_at_archiving=False,
                        timestamp_renew_days=365)
    app = create_app(settings)
    with TestClient(app) as client:
        ctx = app.state.ctx
        auth = {"Authorization": "Bearer " + create_key(ctx.engine, "t", "insurer")}
        yield Archive(client, ctx, settings, auth, pki)


def _later(pki: TestPki) -> dt.datetime:
    """400 days on: the first TSA certificate (two years) ends within the 365-day lead."""
    return pki.started + 400 * DAY


# -- the rules -----------------------------------------------------------------------------


def test_the_rules_of_renewal() -> None:
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    assert renewal_due(now + 365 * DAY, now, 365 * DAY)
    assert not renewal_due(now + 366 * DAY, now, 365 * DAY)
    assert renewal_due(now - DAY, now, 365 * DAY)  # lapsed: still due (and reported by 四性)
    assert renewal_extends(now, now + DAY) and not renewal_extends(now, now)
    prefix = "records/AZX-26CBK-YTFWA-8D9WR-2/"
    assert renewal_key(prefix, 3, "pdf") == prefix + "timestamps/3.pdf"
    assert renewal_of(prefix, prefix + "timestamps/3.json") == (3, "json")
    for other in ("timestamps/0.pdf", "timestamps/1.pdf.bak", "timestamps/x.pdf",
                  "timestamps/1/2.pdf", "document.pdf", "timestamps/01.pdf"):
        assert renewal_of(prefix, prefix + other) is None, other
    with pytest.raises(ValueError):
        renewal_key(prefix, 0, "pdf")


# -- renewal -------------------------------------------------------------------------------


def test_a_renewal_is_new_locked_objects_and_extends_the_evidence(archive: Archive) -> None:
    pki = archive.pki
    rid = archive.archive()
    record = archive.record(rid)
    before = archive.versions(rid)
    renewer = archive.renewer()

    # today nothing is due: the evidence lasts two years, the lead is one
    (today,) = renewer.run(ids=[rid]).outcomes
    assert today.outcome == "not_due"
    assert today.evidence_until == pki.cert("tsa").not_valid_after
    assert renewer.run(ids=[rid], now=_later(pki), dry_run=True).outcomes[0].outcome == "due"
    assert archive.versions(rid) == before  # a dry run writes nothing
    assert archive.ctx.timestamps is not None  # type: ignore[attr-defined]
    archive.ctx.renew_timestamps()  # type: ignore[attr-defined]  # the service's scheduled pass
    assert archive.versions(rid) == before  # nothing due today

    (renewed,) = renewer.run(ids=[rid], now=_later(pki)).outcomes
    assert renewed.outcome == "renewed", renewed
    assert renewed.n == 1 and renewed.evidence_until == pki.cert("tsa2").not_valid_after

    # two new keys, one version each; every earlier key still has its one, same, version
    after = archive.versions(rid)
    prefix = record_prefix(rid)
    assert set(after) == set(before) | {prefix + "timestamps/1.pdf", prefix + "timestamps/1.json"}
    assert all(len(v) == 1 and not v[0].is_delete_marker for v in after.values())
    assert {k: v[0].version_id for k, v in before.items()} == {
        k: after[k][0].version_id for k in before}
    store = archive.ctx.store  # type: ignore[attr-defined]
    for key in (prefix + "timestamps/1.pdf", prefix + "timestamps/1.json"):
        info = store.stat(key)
        assert info.retention_mode == "COMPLIANCE"
        assert info.retain_until >= record.retain_until.replace(microsecond=0)

    # the statement: sealed, naming the object, its version and the evidence it extends
    keys = archive.ctx.key_ring.public_keys()  # type: ignore[attr-defined]
    checked = check_statement(store.get(prefix + "timestamps/1.json"), keys)
    assert checked.valid, checked.problem
    st = checked.statement
    assert st is not None and st.record_id == rid and st.n == 1
    renewed_pdf = store.get(prefix + "timestamps/1.pdf")
    assert st.pdf.sha256 == sha256_hex(renewed_pdf)
    assert st.pdf.version_id == after[prefix + "timestamps/1.pdf"][0].version_id
    pdf = record.parts["pdf"]
    assert st.previous == EvidenceRef(key=pdf.key, sha256=pdf.sha256, version_id=pdf.version_id)
    original = store.get(pdf.key, pdf.version_id)
    assert renewed_pdf.startswith(original) and renewed_pdf.startswith(b"%PDF-1.7")

    # running again (the same day, or the next) renews nothing: the evidence now lasts
    again = renewer.run(ids=[rid], now=_later(pki) + DAY).outcomes
    assert [o.outcome for o in again] == ["not_due"]
    assert archive.versions(rid) == after

    # the audit log names the renewal
    from sqlalchemy import select

    from storage.tables import audit_events

    with archive.ctx.engine.connect() as conn:  # type: ignore[attr-defined]
        events = conn.execute(select(audit_events).where(
            audit_events.c.action == "timestamp_renewal",
            audit_events.c.record_id == rid)).mappings().all()
    assert len(events) == 1
    assert events[0]["detail"]["sha256"] == st.pdf.sha256
    assert events[0]["detail"]["version_id"] == st.pdf.version_id

    # verify shows the newest evidence, online and on the page; both files verify
    answer = archive.client.get(f"/v1/verify/{rid}").json()
    assert answer["authentic"] is True, answer["reasons"]
    for name, content in (("original", original), ("renewed", renewed_pdf)):
        posted = archive.client.post("/v1/verify", content=content,
                                     headers={"Content-Type": "application/pdf"}).json()
        assert posted["authentic"] is True and posted["matches_archive"] is True, (name, posted)
        assert posted["evidence"]["renewals"] == 1
        assert posted["signers"][-1]["level"] == "B-LTA"
    assert posted["signers"][-1]["evidence_until"].startswith(
        str(pki.cert("tsa2").not_valid_after.year))
    url = posted["qr"]["url"]
    page = archive.client.get(url[url.index("/verify/"):]).text
    assert "真实有效" in page and "存档时间戳续期" in page
    assert str(pki.cert("tsa2").not_valid_after.year) in page

    # fixity and the 四性 accept it
    report = run_fixity(archive.ctx.engine, store, archive.settings)  # type: ignore[attr-defined]
    mine = [f for f in report.findings if f.record_id == rid]
    assert not [f for f in mine if f.severity in ("critical", "error")], mine
    assert report.four_properties[rid] == []
    checks = archive.client.get(f"/v1/documents/{rid}/checks", headers=archive.auth).json()
    assert checks["passed"] is True, [i for i in checks["items"] if i["outcome"] != "passed"]

    # a legal hold and a longer retention reach the renewal's objects too
    from services.keys import create_key

    admin = {"Authorization": "Bearer " + create_key(archive.ctx.engine, "t", "admin")}  # type: ignore[attr-defined]
    held = archive.client.post(f"/v1/documents/{rid}/legal-hold", headers=admin,
                               json={"on": True, "reason": "理赔争议"})
    assert held.status_code == 200, held.text
    later_until = (record.retain_until + 400 * DAY).isoformat()
    longer = archive.client.post(f"/v1/documents/{rid}/retention", headers=admin,
                                 json={"retain_until": later_until, "reason": "事故调查"})
    assert longer.status_code == 200, longer.text
    for key in (prefix + "timestamps/1.pdf", prefix + "timestamps/1.json"):
        info = store.stat(key)
        assert info.legal_hold is True
        assert info.retain_until >= record.retain_until + 399 * DAY
    report = run_fixity(archive.ctx.engine, store, archive.settings,  # type: ignore[attr-defined]
                        four_properties=False)
    assert not [f for f in report.findings if f.record_id == rid], report.findings

    # the auditor package carries the renewal and its statement, and says what they are
    bag = archive.client.get(f"/v1/exports?id={rid}", headers=archive.auth)
    assert bag.status_code == 200, bag.text
    with zipfile.ZipFile(io.BytesIO(bag.content)) as z:
        names = z.namelist()
        base = next(n for n in names if n.endswith(f"records/{rid}/timestamps/1.pdf"))
        assert z.read(base) == renewed_pdf
        assert base[:-3] + "json" in names
        meta = json.loads(z.read(base.replace("timestamps/1.pdf", "metadata.json")))
        assert meta["存档时间戳续期"][0]["sha256"] == st.pdf.sha256
        assert meta["电子签名"][-1]["证据有效期至"].startswith(
            str(pki.cert("tsa2").not_valid_after.year))


def test_the_renewed_file_validates_after_the_first_tsa_certificate_expired(
        archive: Archive) -> None:
    pki = archive.pki
    rid = archive.archive()
    (renewed,) = archive.renewer().run(ids=[rid], now=_later(pki)).outcomes
    assert renewed.outcome == "renewed"
    store = archive.ctx.store  # type: ignore[attr-defined]
    original = store.get(archive.record(rid).parts["pdf"].key)
    renewed_pdf = store.get(record_prefix(rid) + "timestamps/1.pdf")
    future = pki.started + 6 * 366 * DAY
    assert pki.cert("tsa").not_valid_after < future < pki.cert("tsa2").not_valid_after

    def last_stamp_holds(pdf: bytes) -> bool:
        """The newest document time stamp validates as of ``future`` (no fetching)."""
        stamp = PdfFileReader(io.BytesIO(pdf)).embedded_timestamp_signatures[-1]
        vc = ValidationContext(trust_roots=[pki.cert("root")], moment=future,
                               allow_fetching=False, revocation_mode="soft-fail")
        status = asyncio.run(async_validate_pdf_timestamp(stamp, validation_context=vc))
        return bool(status.intact and status.valid and status.trusted)

    assert not last_stamp_holds(original)  # its only archive time stamp's certificate ended
    assert last_stamp_holds(renewed_pdf)
    reader = PdfFileReader(io.BytesIO(renewed_pdf))
    (signature,) = reader.embedded_regular_signatures
    assert len(reader.embedded_timestamp_signatures) == 2
    result = asyncio.run(ades.simulate_future_ades_lta_validation(
        signature, _spec(pki), future_validation_time=future))  # the file alone
    assert result.ades_subindic == AdESPassed.OK, result.failure_msg
    assert result.best_signature_time is not None
    assert abs(result.best_signature_time - pki.started) < dt.timedelta(minutes=1)


# -- forged companions -------------------------------------------------------------------


def _forge(archive: Archive, rid: str, kind: str) -> None:
    """Write under records/<id>/timestamps/ what a forger with the service's store identity
    (but not its sealing key) could: new keys, locked."""
    record = archive.record(rid)
    store = archive.ctx.store  # type: ignore[attr-defined]
    prefix = record_prefix(rid)
    pdf = store.get(record.parts["pdf"].key)
    forged = pdf + b"\n% a forged renewal\n"
    until = record.retain_until
    put = store.put_locked(renewal_key(prefix, 1, "pdf"), forged, "application/pdf", until)
    if kind == "pdf_alone":
        return
    part = record.parts["pdf"]
    statement = RenewalStatement(
        record_id=rid, n=1, size=len(forged),
        pdf=EvidenceRef(key=put.key, sha256=sha256_hex(forged), version_id=put.version_id),
        previous=EvidenceRef(key=part.key, sha256=part.sha256, version_id=part.version_id),
        previous_evidence_until=until, evidence_until=until + 3650 * DAY,
        renewed_at=dt.datetime.now(dt.UTC), retain_until=until)
    if kind == "bad_seal":  # sealed, but by a key that is not the service's
        statement = statement.sealed(QrKeyRing(archive.settings.data_dir / "forger-keys"))
    elif kind == "wrong_hash":  # sealed by the service, but the PDF is not the one it names
        statement = statement.model_copy(update={"pdf": statement.pdf.model_copy(
            update={"sha256": sha256_hex(pdf)})}).sealed(archive.ctx.key_ring)  # type: ignore[attr-defined]
    store.put_locked(renewal_key(prefix, 1, "json"), statement.content(), "application/json",
                     until)


@pytest.mark.parametrize("kind", ["pdf_alone", "no_seal", "bad_seal", "wrong_hash"])
def test_a_forged_companion_object_is_a_finding_and_verify_refuses(archive: Archive,
                                                                    kind: str) -> None:
    rid = archive.archive()
    assert archive.client.get(f"/v1/verify/{rid}").json()["authentic"] is True
    _forge(archive, rid, kind)

    report = run_fixity(archive.ctx.engine, archive.ctx.store, archive.settings,  # type: ignore[attr-defined]
                        four_properties=False)
    critical = [f.what for f in report.findings
                if f.record_id == rid and f.severity == "critical"]
    assert critical and all("timestamps/1" in w for w in critical), critical

    answer = archive.client.get(f"/v1/verify/{rid}").json()
    assert answer["authentic"] is False
    assert {r["code"] for r in answer["reasons"]} <= {"archive_versions", "archive_corrupt"}
    page = archive.client.get(f"/verify/{rid}").text
    assert "无法验证" in page

    # and the renewal pass does not extend the evidence of such a record
    before = archive.versions(rid)
    (outcome,) = archive.renewer().run(ids=[rid], now=_later(archive.pki)).outcomes
    # (a statement sealed by the service's own key is believed for the "is it due" look)
    assert outcome.outcome == ("not_due" if kind == "wrong_hash" else "not_renewable"), outcome
    assert archive.versions(rid) == before


def test_a_pass_killed_between_the_pdf_and_its_statement_is_completed_by_the_next(
        archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store goes away after the renewal PDF is locked and before its statement: fixity
    reports the lone PDF; the next pass checks that it is exactly a renewal of the evidence and
    writes its statement; then all is clean and no key has a second version."""
    from storage.errors import StorageUnavailable

    rid = archive.archive()
    store = archive.ctx.store  # type: ignore[attr-defined]
    real_put = store.put_locked

    def store_gone_for_statements(key: str, *args: object, **kwargs: object) -> object:
        if key.endswith(".json") and "/timestamps/" in key:
            raise StorageUnavailable("the store went away")
        return real_put(key, *args, **kwargs)

    monkeypatch.setattr(store, "put_locked", store_gone_for_statements)
    with pytest.raises(StorageUnavailable):
        archive.renewer().run(ids=[rid], now=_later(archive.pki))
    monkeypatch.setattr(store, "put_locked", real_put)
    prefix = record_prefix(rid)
    assert store.exists(prefix + "timestamps/1.pdf")
    assert not store.exists(prefix + "timestamps/1.json")
    report = run_fixity(archive.ctx.engine, store, archive.settings,  # type: ignore[attr-defined]
                        four_properties=False)
    assert [f.severity for f in report.findings if f.record_id == rid] == ["critical"]

    pdf_version = store.stat(prefix + "timestamps/1.pdf").version_id
    (done,) = archive.renewer().run(ids=[rid], now=_later(archive.pki)).outcomes
    assert done.outcome == "completed" and done.n == 1, done
    report = run_fixity(archive.ctx.engine, store, archive.settings,  # type: ignore[attr-defined]
                        four_properties=False)
    assert [f for f in report.findings if f.record_id == rid] == []
    after = archive.versions(rid)
    assert all(len(v) == 1 for v in after.values())
    assert after[prefix + "timestamps/1.pdf"][0].version_id == pdf_version  # the PDF, as left
    answer = archive.client.get(f"/v1/verify/{rid}").json()
    assert answer["authentic"] is True
    (again,) = archive.renewer().run(ids=[rid], now=_later(archive.pki)).outcomes
    assert again.outcome == "not_due"  # renewed once


def test_renewal_needs_a_time_stamp_authority(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from cli.main import main
    from core.settings import get_settings
    from services.timestamps import renewal_signer

    assert renewal_signer(Settings(data_dir=tmp_path)) is None
    monkeypatch.setenv("AZX_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("AZX_TSA_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert main(["timestamps", "renew", "--dry-run"]) == 2
    finally:
        get_settings.cache_clear()
    assert "AZX_TSA_URL" in capsys.readouterr().err


def test_azx_timestamps_renew_renews_what_is_due(archive: Archive, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The command on the archive the service runs (it attaches to its embedded store): with a
    lead longer than the evidence, the record is renewed once; a second run renews nothing."""
    from cli.main import main
    from core.settings import get_settings

    rid = archive.archive()
    s = archive.settings
    for name, value in (("AZX_DATA_DIR", str(s.data_dir)), ("AZX_SIGNING_P12", str(s.signing_p12)),
                        ("AZX_SIGNING_P12_PASSWORD", "azx-test"),
                        ("AZX_TSA_URL", archive.pki.renewal_tsa_url),
                        ("AZX_SIGNING_LONG_TERM", "true")):
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        assert main(["timestamps", "renew", "--id", rid, "--days", "1000"]) == 0
        first = json.loads(capsys.readouterr().out)
        assert main(["timestamps", "renew", "--id", rid, "--days", "1000"]) == 0
        second = json.loads(capsys.readouterr().out)
    finally:
        get_settings.cache_clear()
    assert first["counts"] == {"renewed": 1}, first
    assert first["records"][0]["n"] == 1
    assert second["counts"] == {"not_due": 1}, second
    assert all(len(v) == 1 for v in archive.versions(rid).values())
