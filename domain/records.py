"""What the registry files a record under: its policy number and the insured it concerns."""

from __future__ import annotations

from pydantic import BaseModel

__all__ = ["record_subject"]


def _text(obj: object, *names: str) -> str | None:
    for name in names:
        value = getattr(obj, name, None)
        if isinstance(value, str) and value:
            return value
    return None


def record_subject(model: BaseModel) -> tuple[str | None, str | None]:
    """(policy number, insured's name) named anywhere a form's data names them: the policy
    block (附件2–5, plans), a registry-only ``policy_no`` (Chengdu 表 1–13, annual evaluations),
    the insured block, or the unit or company a Chengdu table is about."""
    policy = getattr(model, "policy", None)
    policy_no = _text(policy, "policy_no") or _text(model, "policy_no")
    insured = (_text(getattr(model, "insured", None), "name")
               or _text(model, "insured_name", "unit_name", "company")
               or _text(policy, "insured_name"))
    return policy_no, insured
