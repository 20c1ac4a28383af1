"""Callers, roles and what each role may do (pure rules, no web)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import Forbidden

__all__ = ["Action", "Caller", "Role", "require"]


class Role(StrEnum):
    INSURER = "insurer"  # 承保机构系统
    TECHNICIAN = "technician"  # 技术人员
    AUDITOR = "auditor"  # 审计/监管查看
    ADMIN = "admin"  # 管理员
    REGULATOR = "regulator"  # 监管部门：只读、按辖区、跨租户汇总（issue 15）


class Action(StrEnum):
    FORMS = "forms"  # blank and pre-filled forms, schemas
    CREATE = "create"  # archive documents, upload signed scans
    READ = "read"  # read records of the own tenant
    RETENTION = "retention"  # extend retention, legal hold
    EXPORT = "export"
    LEDGER = "ledger"  # the insurer's own books: fee entries, samplings, evaluations (issue 15)
    REGULATE = "regulate"  # the regulator's summary of its regions, across tenants (issue 15)


_ALLOWED: dict[Role, frozenset[Action]] = {
    Role.INSURER: frozenset({Action.FORMS, Action.CREATE, Action.READ, Action.EXPORT,
                             Action.LEDGER}),
    Role.TECHNICIAN: frozenset({Action.FORMS, Action.CREATE, Action.READ}),
    Role.AUDITOR: frozenset({Action.FORMS, Action.READ, Action.EXPORT}),
    Role.ADMIN: frozenset(a for a in Action if a is not Action.REGULATE),
    Role.REGULATOR: frozenset({Action.REGULATE}),  # nothing of a tenant's own: api/deps.py
}

_ZH = {Role.INSURER: "承保机构系统", Role.TECHNICIAN: "技术人员", Role.AUDITOR: "审计人员",
       Role.ADMIN: "管理员", Role.REGULATOR: "监管部门"}


@dataclass(frozen=True)
class Caller:
    key_id: str
    tenant: str
    role: Role
    regions: tuple[str, ...] = ()  # a regulator's regions (行政区划名称, e.g. 济南市)

    def can(self, action: Action) -> bool:
        return action in _ALLOWED[self.role]


def require(caller: Caller, action: Action) -> None:
    if not caller.can(action):
        raise Forbidden(
            f"角色「{_ZH[caller.role]}」无权执行此操作（{action.value}）",
            f"role {caller.role.value!r} may not perform {action.value!r}",
        )
