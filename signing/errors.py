"""Errors raised by the signing package.

SigningError             base: something about keys, tokens or PDF signatures went wrong
 ├── KeyRingError        the key ring on disk is missing, unreadable or inconsistent
 ├── InvalidToken        a QR verify URL that cannot be parsed (not: a wrong signature)
 ├── PdfSigningError     a PDF could not be signed (bad input, field taken, bad PKCS#12)
 └── UnreadablePdf       a PDF to inspect cannot be parsed at all
"""

from __future__ import annotations

__all__ = ["InvalidToken", "KeyRingError", "PdfSigningError", "SigningError", "UnreadablePdf"]


class SigningError(Exception):
    """Base of every error the signing package raises on purpose."""


class KeyRingError(SigningError):
    """The key ring under ``<data_dir>/keys/`` is unusable."""


class InvalidToken(SigningError, ValueError):
    """A verify URL / token that is malformed (wrong shape, bad encoding, bad record ID)."""


class PdfSigningError(SigningError):
    """A PDF could not be signed."""


class UnreadablePdf(SigningError):
    """A PDF whose structure cannot be parsed (so no signature can be inspected)."""
