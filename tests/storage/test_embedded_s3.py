"""The embedded SeaweedFS: loopback only, firm stop, persisted secret, fast failures."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import stat
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from minio.commonconfig import COMPLIANCE
from minio.error import S3Error
from minio.versioningconfig import SUSPENDED, VersioningConfig

from core.settings import Settings
from storage import (
    EmbeddedS3,
    MinioObjectStore,
    PermissionDenied,
    StorageUnavailable,
    StoreInUse,
    open_object_store,
    prepare_bucket,
)
from storage.access import S3Credentials
from storage.embedded_s3 import LOOPBACK, listening_addresses


def _port_is_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((LOOPBACK, port)) == 0


@pytest.mark.s3
def test_listens_only_on_loopback(s3_server: EmbeddedS3) -> None:
    assert s3_server.pid is not None and s3_server.ports is not None
    found = listening_addresses(s3_server.pid)
    assert sorted(port for _, port in found) == sorted(s3_server.ports.all())
    assert {ip for ip, _ in found} == {LOOPBACK}


@pytest.mark.s3
@pytest.mark.skipif(shutil.which("ss") is None, reason="iproute2 `ss` not installed")
def test_ss_agrees_nothing_on_wildcard(s3_server: EmbeddedS3) -> None:
    owner = f"pid={s3_server.pid},"
    tcp = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, check=True).stdout
    local = [line.split()[3] for line in tcp.splitlines() if owner in line]
    assert len(local) == 8
    assert all(addr.startswith(f"{LOOPBACK}:") for addr in local), local
    udp = subprocess.run(["ss", "-Hlunp"], capture_output=True, text=True, check=True).stdout
    assert [line for line in udp.splitlines() if owner in line] == []


@pytest.mark.s3
def test_internal_http_apis_cannot_bypass_object_lock(s3_server: EmbeddedS3) -> None:
    """-disableHttp removes the master/filer HTTP APIs; volume writes need the JWT key."""
    assert s3_server.ports is not None
    p = s3_server.ports

    def status(method: str, port: int, path: str) -> int:
        conn = http.client.HTTPConnection(LOOPBACK, port, timeout=5)
        try:
            conn.request(method, path)
            resp = conn.getresponse()
            resp.read()
            return resp.status
        finally:
            conn.close()

    assert status("GET", p.master, "/col/delete?collection=anything") == 404
    assert status("GET", p.master, "/vol/vacuum") == 404
    assert status("DELETE", p.filer, "/buckets/?recursive=true") == 404
    assert status("DELETE", p.volume, "/1,0123456789") == 401  # unsigned: "wrong jwt"


def test_secret_generated_once_with_0600(tmp_path: Path) -> None:
    first = EmbeddedS3(tmp_path, "ak").secret_key
    path = tmp_path / "seaweedfs" / "s3.secret"
    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert EmbeddedS3(tmp_path, "ak").secret_key == first
    assert EmbeddedS3(tmp_path / "other", "ak", "given-secret").secret_key == "given-secret"
    assert not (tmp_path / "other" / "seaweedfs" / "s3.secret").exists()


def test_the_admin_secret_is_a_second_secret_generated_once_with_0600(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    server = EmbeddedS3.from_settings(settings)
    admin, service = server.admin_credentials, server.service_credentials
    path = tmp_path / "seaweedfs" / "s3-admin.secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(admin.secret_key) >= 32 and admin.secret_key != service.secret_key
    assert admin.access_key != service.access_key == settings.s3_access_key
    assert EmbeddedS3.from_settings(settings).admin_credentials == admin
    assert admin.secret_key not in repr(admin)
    given = Settings(data_dir=tmp_path / "other", s3_admin_access_key="root",
                     s3_admin_secret_key="given-admin-secret")
    assert EmbeddedS3.from_settings(given).admin_credentials == S3Credentials(
        "root", "given-admin-secret")
    assert not (tmp_path / "other" / "seaweedfs" / "s3-admin.secret").exists()
    with pytest.raises(ValueError, match="different access keys"):
        EmbeddedS3(tmp_path, "same", admin_access_key="same")


def test_start_failure_reports_log_tail(tmp_path: Path) -> None:
    server = EmbeddedS3(tmp_path, "ak", weed=Path("/bin/false"), startup_timeout=5)
    with pytest.raises(StorageUnavailable, match=r"exited with code 1"):
        server.start()
    assert not server.running
    assert "starting: /bin/false" in (tmp_path / "seaweedfs" / "weed.log").read_text()


def test_unreachable_server_fails_fast() -> None:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        store = MinioObjectStore(f"{LOOPBACK}:{port}", "ak", "sk", "azx-nowhere")
        started = time.monotonic()
        with store, pytest.raises(StorageUnavailable):
            store.stat("any")
    assert time.monotonic() - started < 5


def _outside(s3_server: EmbeddedS3, tmp_path: Path, bucket: str, *, admin: bool) -> Settings:
    """Settings reaching `s3_server` as an outside S3, with or without the admin identity."""
    extra = {}
    if admin:
        extra = {"s3_admin_access_key": s3_server.admin_credentials.access_key,
                 "s3_admin_secret_key": s3_server.admin_credentials.secret_key}
    return Settings(data_dir=tmp_path, s3_endpoint=s3_server.endpoint,
                    s3_access_key=s3_server.access_key, s3_secret_key=s3_server.secret_key,
                    s3_bucket=bucket, **extra)


@pytest.mark.s3
def test_open_object_store_external_endpoint(s3_server: EmbeddedS3, tmp_path: Path) -> None:
    settings = _outside(s3_server, tmp_path, f"azx-open-{uuid.uuid4().hex[:8]}", admin=True)
    store, server = open_object_store(settings)
    try:
        assert server is None
        assert isinstance(store, MinioObjectStore)
        config = store.bucket_config()
        assert (config.lock_mode, config.lock_duration) == (COMPLIANCE, settings.retention_years)
        assert config.versioning == "Enabled"
    finally:
        store.close()


@pytest.mark.s3
def test_an_outside_bucket_set_up_beforehand_needs_only_the_service_identity(
        s3_server: EmbeddedS3, tmp_path: Path) -> None:
    bucket = f"azx-pre-{uuid.uuid4().hex[:8]}"
    prepare_bucket(_outside(s3_server, tmp_path, bucket, admin=True))
    store, _ = open_object_store(_outside(s3_server, tmp_path, bucket, admin=False))
    store.close()


@pytest.mark.s3
def test_without_an_admin_identity_a_missing_outside_bucket_is_refused_with_the_remedy(
        s3_server: EmbeddedS3, tmp_path: Path) -> None:
    settings = _outside(s3_server, tmp_path, f"azx-none-{uuid.uuid4().hex[:8]}", admin=False)
    with pytest.raises(PermissionDenied, match="AZX_S3_ADMIN_ACCESS_KEY"):
        open_object_store(settings)


@pytest.mark.s3
@pytest.mark.slow
def test_embedded_restart_keeps_locked_data_and_stops_firmly(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, s3_bucket="azx-restart")
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5 * 366)

    store, server = open_object_store(settings)
    assert server is not None and server.ports is not None
    server.stop_timeout = 1.0
    pid, ports = server.pid, server.ports
    try:
        v = store.put_locked("r/1.pdf", b"%PDF-1", "application/pdf", until)
        with pytest.raises(StoreInUse, match=f"belongs to running process {os.getpid()}"):
            EmbeddedS3.from_settings(settings).start()  # one server per data dir
    finally:
        store.close()
        server.stop()

    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not any(_port_is_open(p) for p in ports.all())
    assert not any(
        Path(f"/tmp/seaweedfs-{n}-grpc-{p}.sock").exists()
        for n, p in (
            ("master", ports.master_grpc),
            ("volume", ports.volume_grpc),
            ("filer", ports.filer_grpc),
            ("s3", ports.s3_grpc),
        )
    )

    store, server = open_object_store(settings)  # same data dir and generated secret
    assert server is not None
    server.stop_timeout = 1.0
    try:
        assert server.ports == ports  # saved ports reused when free
        assert store.get("r/1.pdf", v.version_id) == b"%PDF-1"
        info = store.stat("r/1.pdf")
        assert (info.retention_mode, info.retain_until) == (COMPLIANCE, until)
        store.put_locked("r/2.pdf", b"%PDF-2", "application/pdf", until)
        assert sorted(store.list("r/")) == ["r/1.pdf", "r/2.pdf"]
        assert store.get("r/1.pdf") == b"%PDF-1"
    finally:
        store.close()
        server.stop()


@pytest.mark.s3
@pytest.mark.slow
def test_a_data_dir_of_the_one_identity_version_gets_both_identities_at_its_next_start(
        tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5 * 366)
    # the one identity, as earlier versions started it, writing through the service's key
    with EmbeddedS3(tmp_path, settings.s3_access_key, stop_timeout=1.0) as before:
        old = MinioObjectStore(before.endpoint, before.access_key, before.secret_key,
                               settings.s3_bucket)
        with old:
            old.ensure_bucket(default_retention_years=5)
            v = old.put_locked("r/1.pdf", b"%PDF-old", "application/pdf", until)

    store, server = open_object_store(settings)
    assert server is not None
    server.stop_timeout = 1.0
    try:
        assert isinstance(store, MinioObjectStore)
        assert store.get("r/1.pdf", v.version_id) == b"%PDF-old"  # same service key and secret
        with pytest.raises(S3Error) as refused:  # but it no longer has every right
            store.client.set_bucket_versioning(settings.s3_bucket, VersioningConfig(SUSPENDED))
        assert refused.value.code == "AccessDenied"
    finally:
        store.close()
        server.stop()
