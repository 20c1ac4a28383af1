"""Domain errors.

    DomainError
     ├── DomainValidationError   one or more Problems (path, rule, zh, en) → HTTP 422
     │    ├── OffScaleError          a risk factor not on its method's value table
     │    ├── LevelMismatchError     a declared risk level contradicting the computed one
     │    └── InvalidTransitionError a hazard state change the ledger does not allow
     ├── NotFound                a record, job or key that does not exist → 404
     ├── Conflict                e.g. an Idempotency-Key reused with another body → 409
     └── Forbidden               the caller's role or tenant may not do this → 403

Mapped to HTTP in exactly one place: ``api/errors.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Conflict",
    "DomainError",
    "DomainValidationError",
    "ErrorBody",
    "Forbidden",
    "InvalidTransitionError",
    "LevelMismatchError",
    "NotFound",
    "OffScaleError",
    "Problem",
    "error_body",
]

PathPart = str | int


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (JSON path), which rule, and why in both languages."""

    path: tuple[PathPart, ...]
    rule: str
    message_zh: str
    message_en: str

    @property
    def pointer(self) -> str:
        """The path as a JSON-path-like string, e.g. ``data.risks[3].level``."""
        out = ""
        for part in self.path:
            if isinstance(part, int):
                out += f"[{part}]"
            else:
                out += ("." if out else "") + part
        return out or "$"

    def as_dict(self) -> dict[str, str]:
        return {
            "path": self.pointer,
            "rule": self.rule,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""


@dataclass
class DomainValidationError(DomainError):
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__("; ".join(f"{p.pointer}: {p.message_en}" for p in self.problems))

    @classmethod
    def single(
        cls, path: tuple[PathPart, ...], rule: str, message_zh: str, message_en: str
    ) -> DomainValidationError:
        return cls([Problem(path, rule, message_zh, message_en)])


class OffScaleError(DomainValidationError):
    """A risk factor (L, S, E, C) that is not a value of its method's scale."""


class LevelMismatchError(DomainValidationError):
    """A risk level sent by the client that contradicts the level computed from its factors."""


class InvalidTransitionError(DomainValidationError):
    """A hazard-ledger state change that is not allowed (e.g. acceptance before rectification)."""


class NotFound(DomainError):
    def __init__(self, what: str, ident: str) -> None:
        super().__init__(f"{what} {ident!r} not found")
        self.what = what
        self.ident = ident


class Conflict(DomainError):
    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en


class Forbidden(DomainError):
    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class ErrorBody:
    """What a caller is told about an error: the same shape in HTTP answers and on failed jobs.

    ``{"error": code, "message_zh", "message_en", "problems"?: [{path, rule, message_zh,
    message_en}]}``
    """

    code: str
    message_zh: str
    message_en: str
    problems: tuple[Problem, ...] | None = None

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"error": self.code, "message_zh": self.message_zh,
                                   "message_en": self.message_en}
        if self.problems is not None:
            body["problems"] = [p.as_dict() for p in self.problems]
        return body


def error_body(exc: DomainError) -> ErrorBody:
    """The caller's view of a domain error (its HTTP status is chosen in ``api/errors.py``)."""
    if isinstance(exc, DomainValidationError):
        return ErrorBody("invalid", "输入有误，请按所列问题修改", "the input is invalid; see problems",
                         tuple(exc.problems))
    if isinstance(exc, NotFound):
        return ErrorBody("not_found", f"未找到{exc.what}「{exc.ident}」",
                         f"{exc.what} {exc.ident!r} not found")
    if isinstance(exc, Conflict):
        return ErrorBody("conflict", exc.message_zh, exc.message_en)
    if isinstance(exc, Forbidden):
        return ErrorBody("forbidden", exc.message_zh, exc.message_en)
    return ErrorBody("error", str(exc), str(exc))
