"""Files of the fill-in pages: photos taken on a phone, kept between the page's posts, and the
preview of a filled form as a picture.

A photo is sent once: the page posts it as a file, the service keeps it under
``<data_dir>/web-uploads/<session id>/<sha256>`` and the page carries only the digest (in a
hidden checkbox the technician may untick to drop it). A digest is looked up in the poster's own
session folder only, so one session cannot reach another's photos; folders older than the
session lifetime are removed when a photo is stashed.

The preview is page 1 of the pre-filled PDF drawn as a PNG by poppler's ``pdftoppm`` (a separate
process: PDFium is not thread-safe), shown inline as a ``data:`` image, so a phone without a PDF
viewer sees it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MAX_SESSION_PHOTOS", "PhotoStash", "SessionFull", "Stashed", "data_uri",
           "page_count", "preview_pages"]

_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_SID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_THUMB_PX = 240
#: photos one session may keep (the forms take six per field; a report has a dozen such fields)
MAX_SESSION_PHOTOS = 150
_PREVIEW_DPI = 110
_PREVIEW_TIMEOUT = 60
#: Pages a preview shows (a longer form: download the PDF for the rest).
PREVIEW_PAGES = 6


class SessionFull(Exception):
    """The session keeps as many photos as it may."""


@dataclass(frozen=True)
class Stashed:
    """A photo kept for a session: its digest, the name it was posted with and a thumbnail."""

    digest: str
    filename: str
    thumbnail: bytes  # JPEG, at most 240 px a side ("" bytes when the image could not be read)


def data_uri(content: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(content).decode()}"


class PhotoStash:
    """Photos posted from the fill-in pages, per session, on the local disk."""

    def __init__(self, root: Path, *, lifetime_seconds: float) -> None:
        self.root = root
        self.lifetime = lifetime_seconds

    def _folder(self, sid: str) -> Path:
        if not _SID.match(sid):
            raise ValueError("not a session id")
        return self.root / sid

    def put(self, sid: str, filename: str, content: bytes) -> Stashed:
        """Keep ``content`` for the session; the same photo twice is kept once. Raises
        :class:`SessionFull` past :data:`MAX_SESSION_PHOTOS` photos."""
        self._prune()
        digest = hashlib.sha256(content).hexdigest()
        folder = self._folder(sid)
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / digest).exists() and \
                sum(1 for _ in folder.glob("*.json")) >= MAX_SESSION_PHOTOS:
            raise SessionFull(MAX_SESSION_PHOTOS)
        name = (filename.replace("\\", "/").rsplit("/", 1)[-1] or "photo")[:100]
        target = folder / digest
        if not target.exists():
            tmp = folder / f"{digest}.tmp"
            tmp.write_bytes(content)
            tmp.replace(target)
        thumb = _thumbnail(content)
        (folder / f"{digest}.thumb").write_bytes(thumb)
        (folder / f"{digest}.json").write_text(json.dumps({"filename": name}), "utf-8")
        return Stashed(digest, name, thumb)

    def get(self, sid: str, digest: str) -> tuple[Stashed, bytes] | None:
        """The session's photo with this digest, or None (unknown, another session's, expired)."""
        if not _DIGEST.match(digest):
            return None
        folder = self._folder(sid)
        try:
            content = (folder / digest).read_bytes()
            meta = json.loads((folder / f"{digest}.json").read_text("utf-8"))
            thumb = (folder / f"{digest}.thumb").read_bytes()
        except (OSError, ValueError):
            return None
        return Stashed(digest, str(meta.get("filename") or "photo"), thumb), content

    def _prune(self) -> None:
        if not self.root.is_dir():
            return
        cutoff = time.time() - self.lifetime
        for folder in self.root.iterdir():
            try:
                if folder.is_dir() and folder.stat().st_mtime < cutoff:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                continue


def _thumbnail(content: bytes) -> bytes:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(content)) as im:
            if im.width * im.height > 60_000_000:
                return b""
            im.thumbnail((_THUMB_PX, _THUMB_PX))
            out = io.BytesIO()
            im.convert("RGB").save(out, "JPEG", quality=70)
            return out.getvalue()
    except Exception:  # not an image: the form's own check says so
        return b""


def page_count(pdf: bytes) -> int:
    """How many pages ``pdf`` has (0 when it cannot be read)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return len(PdfReader(io.BytesIO(pdf)).pages)
    except (PyPdfError, ValueError, OSError):
        return 0


def preview_pages(pdf: bytes, *, dpi: int = _PREVIEW_DPI,
                  most: int = PREVIEW_PAGES) -> list[bytes] | None:
    """The first ``most`` pages of ``pdf`` as PNGs (poppler's pdftoppm), in order; None where
    pdftoppm is missing or fails."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        return None
    with tempfile.TemporaryDirectory(prefix="azx-preview-") as tmp:
        source, target = Path(tmp) / "form.pdf", Path(tmp) / "page"
        source.write_bytes(pdf)
        done = subprocess.run([tool, "-png", "-r", str(dpi), "-f", "1", "-l", str(most),
                               str(source), str(target)], capture_output=True,
                              timeout=_PREVIEW_TIMEOUT, check=False)
        # page-1.png … page-N.png, zero-padded to the page count's width
        pngs = sorted(Path(tmp).glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        if done.returncode != 0 or not pngs:
            return None
        return [p.read_bytes() for p in pngs]
