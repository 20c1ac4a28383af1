"""A store left behind by a killed owner is stopped and replaced; a live owner's store is refused
and can be attached to; a process that is not this data dir's SeaweedFS is never signalled.

The owner is a child Python process (as ``azx serve`` is); every SeaweedFS started here is
stopped firmly whatever the outcome (SIGKILL to its process group, after checking it is ours).
"""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.settings import Settings
from storage import EmbeddedS3, MinioObjectStore, StoreInUse, open_object_store
from storage.embedded_s3 import LockHolder, process_start_time
from tests.storage.owner import ACCESS_KEY, Owner, is_our_weed, kill_weed, running_owner

UNTIL = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5 * 366)


def _gone(pid: int, start: int | None) -> bool:
    return start is None or process_start_time(pid) != start


@pytest.fixture
def owner(tmp_path: Path) -> Iterator[Owner]:
    with running_owner(tmp_path) as found:
        yield found


@pytest.mark.s3
@pytest.mark.slow
def test_a_store_left_by_a_killed_owner_is_stopped_and_replaced(
    owner: Owner, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    old_start = process_start_time(owner.weed_pid)
    owner.proc.kill()  # kill -9: no atexit, no stop(); weed lives on in its own session
    owner.proc.wait(10)
    assert not _gone(owner.weed_pid, old_start), "weed should have outlived its owner"

    server = EmbeddedS3(tmp_path, ACCESS_KEY, stop_timeout=1.0)
    try:
        with caplog.at_level(logging.WARNING, logger="storage.embedded_s3"):
            server.start()
        assert _gone(owner.weed_pid, old_start)
        assert server.pid != owner.weed_pid
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and f"pid {owner.weed_pid} left running" in warnings[0].message
        with MinioObjectStore(server.endpoint, ACCESS_KEY, server.secret_key,
                              f"azx-left-{uuid.uuid4().hex[:8]}") as store:
            store.ensure_bucket()
            store.put_locked("r/1.pdf", b"%PDF-after-kill", "application/pdf", UNTIL)
            assert store.get("r/1.pdf") == b"%PDF-after-kill"
        holder = server.holder()
        assert holder is not None
        assert (holder.weed_pid, holder.owner_pid) == (server.pid, os.getpid())
    finally:
        server.stop()
        kill_weed(owner.weed_pid, owner.root)


@pytest.mark.s3
@pytest.mark.slow
def test_a_live_owners_store_is_refused_and_attached_to(owner: Owner, tmp_path: Path) -> None:
    second = EmbeddedS3(tmp_path, ACCESS_KEY, stop_timeout=1.0)
    with pytest.raises(StoreInUse) as refused:
        second.start()
    message = str(refused.value)
    assert "\n" not in message and f"process {owner.proc.pid}" in message, message
    assert (refused.value.owner_pid, refused.value.weed_pid) == (owner.proc.pid, owner.weed_pid)
    assert not second.running and is_our_weed(owner.weed_pid, owner.root)

    settings = Settings(data_dir=tmp_path)  # the owner's bucket: its service may use no other
    store, server = open_object_store(settings, attach=True)
    try:
        assert server is None  # nothing of ours to stop: the owner's server is used
        store.put_locked("r/1.pdf", b"%PDF-attached", "application/pdf", UNTIL)
        assert store.get("r/1.pdf") == b"%PDF-attached"
    finally:
        store.close()
    assert owner.proc.poll() is None and is_our_weed(owner.weed_pid, owner.root)
    with pytest.raises(StoreInUse):
        open_object_store(settings)  # without attach: still refused, still running
    assert is_our_weed(owner.weed_pid, owner.root)


@pytest.mark.parametrize("kind", ["sleep", "weed of another data dir", "weed with a reused pid"])
def test_a_lock_naming_an_unrelated_process_never_kills_it(tmp_path: Path, kind: str) -> None:
    root = tmp_path / "seaweedfs"
    root.mkdir()
    config_dir = tmp_path / "elsewhere" if kind == "weed of another data dir" else root
    if kind == "sleep":
        stranger = subprocess.Popen(["sleep", "60"])
    else:  # argv[0] .../weed and a -config_dir, but not this data dir's live server
        stranger = subprocess.Popen(
            [str(tmp_path / "weed"), "-c", "import time; time.sleep(60)",
             f"-config_dir={config_dir.resolve()}"], executable=sys.executable)
    lock = open(root / "weed.lock", "a+", encoding="ascii")  # noqa: SIM115
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the lock is held, as by a server
        start = process_start_time(stranger.pid)
        assert start is not None
        if kind == "weed with a reused pid":
            start -= 1  # recorded for an earlier process that had the same pid
        me = os.getpid()
        my_start = process_start_time(me)
        assert my_start is not None  # the owner: a reused pid too (another start time)
        lock.write(LockHolder(stranger.pid, start, me, my_start - 1).dumps())
        lock.flush()

        with pytest.raises(StoreInUse, match="nothing was stopped") as refused:
            EmbeddedS3(tmp_path, "ak", startup_timeout=5, stop_timeout=0.5).start()
        assert "\n" not in str(refused.value)
        assert stranger.poll() is None, "an unrelated process was signalled"
    finally:
        lock.close()
        stranger.kill()
        stranger.wait(5)


def test_the_lock_record_round_trips_and_tolerates_garbage() -> None:
    holder = LockHolder(11, 22, 33, 44)
    assert LockHolder.parse(holder.dumps()) == holder
    assert LockHolder.parse("1234\n") == LockHolder(1234, None)  # written by older versions
    for junk in ("", "{", "[1, 2]", '{"weed_pid": "1"}', '{"weed_pid": 1, "x": 2}', "null"):
        assert LockHolder.parse(junk) is None, junk
    me = process_start_time(os.getpid())
    assert me is not None and not LockHolder(os.getpid(), None, os.getpid(), me + 1).owner_alive
    assert LockHolder(os.getpid(), None, os.getpid(), me).owner_alive
