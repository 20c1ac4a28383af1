"""The command line beside a running service, with a store that fails, and from any directory.

The "service" here is a child process owning the data dir's embedded store, as ``azx serve``
does (tests/storage/owner.py); every SeaweedFS started is stopped firmly.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cli.main import main as azx
from core.settings import get_settings
from storage import EmbeddedS3
from tests.cluster import free_port
from tests.conftest import bearer
from tests.storage.owner import ACCESS_KEY, running_owner


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The CLI's settings point at a fresh data dir (embedded store, SQLite registry)."""
    for name in ("AZX_S3_ENDPOINT", "AZX_S3_SECRET_KEY", "AZX_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZX_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AZX_S3_ACCESS_KEY", ACCESS_KEY)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _weeds_serving(root: Path) -> list[int]:
    """Pids of every weed with this data dir's -config_dir (the owner's alone, or none)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                argv = (proc / "cmdline").read_bytes().split(b"\0")
                if Path(argv[0].decode()).name == "weed" and f"-config_dir={root}".encode() in argv:
                    found.append(int(proc.name))
    return found


@pytest.mark.s3
@pytest.mark.slow
def test_fixity_rebuild_and_serve_while_the_service_runs(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_owner(data_dir) as service:
        assert azx(["fixity"]) == 0  # read through the service's own store
        report = json.loads(capsys.readouterr().out)
        assert report["checked_records"] == 0
        assert _weeds_serving(service.root) == [service.weed_pid]  # no second server was tried

        assert azx(["registry", "rebuild"]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err == (f"azx: the service (pid {service.proc.pid}) is running on "
                                f"{data_dir.resolve()}; stop it first, or use --check\n")
        holder = EmbeddedS3(data_dir, ACCESS_KEY).holder()
        assert holder is not None and holder.weed_pid == service.weed_pid

        assert azx(["serve", "--port", str(free_port())]) == 2  # not a start-up traceback
        assert capsys.readouterr().err == (f"azx: the service (pid {service.proc.pid}) is "
                                           f"already running on {data_dir.resolve()}\n")

    assert azx(["fixity"]) == 0  # no service: fixity runs its own store, then stops it
    assert _weeds_serving(service.root) == []


@pytest.mark.s3
@pytest.mark.slow
def test_registry_check_compares_while_the_service_runs(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_owner(data_dir) as service:
        assert azx(["registry", "rebuild", "--check"]) == 0  # empty registry, empty store
        assert json.loads(capsys.readouterr().out)["equal"] is True
        assert _weeds_serving(service.root) == [service.weed_pid]


def test_a_storage_error_is_one_line_and_exit_code_2(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        monkeypatch.setenv("AZX_S3_ENDPOINT", f"127.0.0.1:{s.getsockname()[1]}")
        monkeypatch.setenv("AZX_S3_SECRET_KEY", "not-used")
        get_settings.cache_clear()
        for command in (["fixity"], ["registry", "rebuild"]):
            assert azx(command) == 2
            err = capsys.readouterr().err
            assert err.startswith("azx: ") and err.count("\n") == 1, err
            assert "Traceback" not in err


@contextlib.contextmanager
def _serving(files: dict[str, bytes]) -> Iterator[str]:
    """A loopback HTTP server answering GET for exactly these paths; yields its base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.mark.s3
@pytest.mark.slow
def test_verify_works_from_any_directory_with_keys_from_the_service_url(
    app_client: Any, api_key: Callable[..., str], examples: dict[str, Any], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    headers = bearer(api_key("cli-verify"))
    r = app_client.post("/v1/documents", json=examples["callback-shandong"], headers=headers)
    assert r.status_code == 201, r.text
    pdf = app_client.get(f"/v1/documents/{r.json()['id']}.pdf", headers=headers).content
    public = {path: app_client.get(path).content
              for path in ("/.well-known/jwks.json", "/.well-known/azx-signing-cert.pem")}

    elsewhere = tmp_path / "elsewhere"  # no var/azx here, no AZX_DATA_DIR: no local keys
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("AZX_DATA_DIR", raising=False)
    get_settings.cache_clear()
    try:
        Path("doc.pdf").write_bytes(pdf)
        with _serving(public) as base:
            assert azx(["verify", "doc.pdf", "--url", base + "/"]) == 0
            assert capsys.readouterr().out.startswith("真实有效 / AUTHENTIC")
            Path("doc.pdf").write_bytes(pdf + b"\n% appended\n")
            assert azx(["verify", "doc.pdf", "--url", base]) == 1
            assert capsys.readouterr().out.startswith("无法验证 / NOT VERIFIED")
            assert azx(["verify", "doc.pdf", "--url", base + "/missing"]) == 2
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and "/missing/.well-known/jwks.json" in err, err
        assert azx(["verify", "doc.pdf"]) == 2  # no keys given, relative default data dir
        err = capsys.readouterr().err
        assert "--url" in err and err.count("\n") == 1, err
    finally:
        get_settings.cache_clear()
