"""Run poppler's ``pdfsig`` for an opinion on PDF signatures independent of pyHanko."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def pdfsig(pdf: bytes, tmp_path: Path) -> str:
    """poppler's independent opinion of the signatures (stdout of ``pdfsig``)."""
    exe = shutil.which("pdfsig")
    if exe is None:
        pytest.fail("pdfsig not found: install poppler-utils (apt-get install poppler-utils)")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    done = subprocess.run([exe, str(path)], capture_output=True, text=True, timeout=60)
    return done.stdout


def signature_blocks(pdfsig_output: str) -> list[str]:
    """pdfsig's output split into one text block per signature, in order."""
    parts = pdfsig_output.split("Signature #")[1:]
    return ["Signature #" + p for p in parts]
