"""A child Python process that owns a running embedded store, as ``azx serve`` does, and the
firm clean-up of every SeaweedFS a test starts (checked to be ours before it is killed)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.settings import Settings

__all__ = ["ACCESS_KEY", "BUCKET", "Owner", "is_our_weed", "kill_weed", "running_owner"]

ROOT = Path(__file__).resolve().parents[2]
ACCESS_KEY: str = Settings.model_fields["s3_access_key"].default  # what open_object_store uses
BUCKET: str = Settings.model_fields["s3_bucket"].default

_OWNER = """
import sys
from pathlib import Path
from core.settings import Settings
from storage.embedded_s3 import EmbeddedS3

settings = Settings(data_dir=Path(sys.argv[1]), s3_access_key=sys.argv[2], s3_bucket=sys.argv[3])
server = EmbeddedS3.from_settings(settings, stop_timeout=1.0).start()  # as azx serve does
print(server.pid, flush=True)
sys.stdin.read()  # runs until the test closes stdin (or kills it)
server.stop()
"""


@dataclass
class Owner:
    proc: subprocess.Popen[str]
    weed_pid: int
    root: Path  # <data_dir>/seaweedfs, resolved


def is_our_weed(pid: int, root: Path) -> bool:
    """Is `pid` a weed serving `root` (this test's own server, never a stranger)?"""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return Path(os.fsdecode(argv[0])).name == "weed" and os.fsencode(f"-config_dir={root}") in argv


def kill_weed(pid: int, root: Path) -> None:
    """SIGKILL a SeaweedFS a test started (its own process group), if it still runs."""
    if is_our_weed(pid, root):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


@contextlib.contextmanager
def running_owner(data_dir: Path, bucket: str = BUCKET) -> Iterator[Owner]:
    """A child process that started the embedded store of `data_dir` for `bucket` (the one
    bucket its service identity may use) and keeps it running until the block ends (then
    stops it; a left-over weed is killed)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _OWNER, str(data_dir), ACCESS_KEY, bucket],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdin is not None
    root = (data_dir / "seaweedfs").resolve()
    weed_pid = 0
    try:
        line = proc.stdout.readline()
        assert line.strip().isdigit(), f"the owner did not start its store: {line!r}"
        weed_pid = int(line)
        yield Owner(proc, weed_pid, root)
    finally:
        with contextlib.suppress(OSError):
            proc.stdin.close()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        proc.stdout.close()
        if weed_pid:
            kill_weed(weed_pid, root)
