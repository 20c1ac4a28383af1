"""The hazard ledger (隐患排查治理台账, Chengdu Appendix C 表 9) and its state machine.

    open ──rectify──▶ rectified ──accept──▶ accepted
      │
      └─ shown as *overdue* while open after its 治理时限 (derived, never stored)

Transitions are pure functions returning a new :class:`Hazard`; a refused one raises
:class:`~domain.errors.InvalidTransitionError` listing every problem in Chinese and English.
Dates are passed in (``today``): nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import Any, Final, Self

from pydantic import ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from domain.common import Model, Money, Photo, Photos, ShortText, Text
from domain.errors import InvalidTransitionError, PathPart, Problem
from domain.validation import problems_from_pydantic

__all__ = [
    "Hazard",
    "HazardGrade",
    "HazardState",
    "HazardStatus",
    "accept",
    "is_overdue",
    "must_report_to_authority",
    "plan_rectification",
    "rectify",
    "state_on",
]


class HazardGrade(StrEnum):
    """隐患分级 (表 9: 重大 / 一般); 原国家安监总局令第16号 art. 3 defines both."""

    MAJOR = "重大"
    GENERAL = "一般"

    @property
    def full(self) -> str:
        return f"{self.value}事故隐患"


class HazardStatus(StrEnum):
    """The stored state."""

    OPEN = "open"
    RECTIFIED = "rectified"
    ACCEPTED = "accepted"

    @property
    def zh(self) -> str:
        return _STATUS_ZH[self]


_STATUS_ZH: Final = {
    HazardStatus.OPEN: "未治理",
    HazardStatus.RECTIFIED: "已治理待验收",
    HazardStatus.ACCEPTED: "已验收",
}


class HazardState(StrEnum):
    """The state as of a given day: the stored one, with *overdue* for open past the deadline."""

    OPEN = "open"
    OVERDUE = "overdue"
    RECTIFIED = "rectified"
    ACCEPTED = "accepted"

    @property
    def zh(self) -> str:
        return _STATE_ZH[self]


_STATE_ZH: Final = {
    HazardState.OPEN: "治理中",
    HazardState.OVERDUE: "逾期未治理",
    HazardState.RECTIFIED: "已治理待验收",
    HazardState.ACCEPTED: "已验收",
}


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _inconsistent(kind: str, zh: str, en: str) -> PydanticCustomError:
    return PydanticCustomError(kind, f"{zh} / {en}", {})


class Hazard(Model):
    """One row of 表 9 隐患排查治理台账 (隐患排查 / 隐患治理 / 隐患效果验收 / 备注)."""

    model_config = ConfigDict(frozen=True)

    seq: int | None = Field(None, title="序号", ge=1)
    # 隐患排查
    found_on: dt.date = Field(title="排查时间")
    inspectors: list[ShortText] = Field(title="排查人员", min_length=1, max_length=20)
    category: ShortText = Field(title="隐患分类（类别1）", min_length=1)
    subcategory: ShortText | None = Field(None, title="隐患分类（细类2）")
    description: Text = Field(title="隐患具体描述", min_length=1)
    photos: Photos = Field(default_factory=list, title="隐患照片")
    grade: HazardGrade = Field(title="隐患分级")
    # 隐患治理
    measures: Text | None = Field(None, title="治理措施")
    deadline: dt.date | None = Field(None, title="治理时限")
    responsible: ShortText | None = Field(None, title="责任人")
    funds: Money | None = Field(None, title="经费（元）")
    rectification_note: Text | None = Field(None, title="治理情况描述")
    rectification_photos: Photos = Field(default_factory=list, title="治理照片")
    rectified_on: dt.date | None = Field(
        None, title="治理完成日期", description="表 9 无此栏；填写时不得早于排查时间"
    )
    # 隐患效果验收
    accepted_on: dt.date | None = Field(None, title="验收时间")
    acceptors: list[ShortText] = Field(default_factory=list, title="验收人员", max_length=20)
    remarks: Text | None = Field(None, title="备注")
    status: HazardStatus = Field(HazardStatus.OPEN, title="状态")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.deadline is not None and self.deadline < self.found_on:
            raise _inconsistent(
                "deadline_before_discovery", "治理时限早于排查时间",
                "the rectification deadline is before the hazard was found",
            )
        if self.rectified_on is not None and self.rectified_on < self.found_on:
            raise _inconsistent(
                "rectified_before_discovery", "治理完成日期早于排查时间",
                "rectified before the hazard was found",
            )
        if self.status is HazardStatus.OPEN:
            if self.rectified_on is not None:
                raise _inconsistent(
                    "status_inconsistent", "未治理的隐患不应有治理完成日期",
                    "an open hazard has no rectification date",
                )
        elif _blank(self.rectification_note):
            raise _inconsistent(
                "rectification_note_required", "已治理的隐患须填写治理情况描述",
                "a rectified hazard needs its rectification description (治理情况描述)",
            )
        if self.status is not HazardStatus.ACCEPTED:
            if self.accepted_on is not None or self.acceptors:
                raise _inconsistent(
                    "status_inconsistent", "未验收的隐患不应有验收时间或验收人员",
                    "a hazard not yet accepted has no acceptance date or acceptors",
                )
            return self
        if self.accepted_on is None or not self.acceptors:
            raise _inconsistent(
                "acceptance_incomplete", "已验收的隐患须填写验收时间和验收人员",
                "an accepted hazard needs the acceptance date and the acceptors",
            )
        if self.accepted_on < self.found_on or (
            self.rectified_on is not None and self.accepted_on < self.rectified_on
        ):
            raise _inconsistent(
                "accepted_too_early", "验收时间早于排查时间或治理完成日期",
                "accepted before the hazard was found or rectified",
            )
        return self


# --- Derived state ------------------------------------------------------------------------------


def is_overdue(hazard: Hazard, today: dt.date) -> bool:
    """Open after its 治理时限: the deadline day itself still counts as in time."""
    return (
        hazard.status is HazardStatus.OPEN
        and hazard.deadline is not None
        and today > hazard.deadline
    )


def state_on(hazard: Hazard, today: dt.date) -> HazardState:
    if is_overdue(hazard, today):
        return HazardState.OVERDUE
    return HazardState(hazard.status.value)


def must_report_to_authority(hazard: Hazard, today: dt.date) -> bool:
    """A 重大事故隐患 still open after the agreed deadline must be reported.

    AQ 9010.1-2025 (征求意见稿) 9.2 a): 被保险人未按约定时限整改重大事故隐患 → 上报所在地应急管理
    部门、保险监督管理机构或相关行业主管部门. Chengdu 6.3.2.3: 发现重大事故隐患的，应及时告知投保
    单位并协助其整改，并及时向应急管理部门报告不整改的投保单位.
    """
    return hazard.grade is HazardGrade.MAJOR and is_overdue(hazard, today)


# --- Transitions --------------------------------------------------------------------------------


def _rebuild(hazard: Hazard, path: tuple[PathPart, ...], **changes: Any) -> Hazard:
    """A new hazard with ``changes``, validated again; pydantic errors become domain problems."""
    data = {name: getattr(hazard, name) for name in Hazard.model_fields} | changes
    try:
        return Hazard.model_validate(data)
    except ValidationError as exc:
        raise InvalidTransitionError(problems_from_pydantic(exc, Hazard, path)) from None


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise InvalidTransitionError(problems)


def _wrong_state(
    hazard: Hazard, action_zh: str, action_en: str, path: tuple[PathPart, ...], rule: str
) -> Problem:
    return Problem(
        (*path, "status"), rule,
        f"隐患当前状态为“{hazard.status.zh}”，不能{action_zh}",
        f"cannot {action_en} a hazard that is {hazard.status.value}",
    )


def plan_rectification(
    hazard: Hazard,
    *,
    measures: str,
    deadline: dt.date,
    responsible: str,
    funds: Money | None = None,
    path: tuple[PathPart, ...] = (),
) -> Hazard:
    """Record 治理措施、治理时限、责任人、经费 (Chengdu 3.3: 排查完成后明确…) on an open hazard."""
    problems: list[Problem] = []
    if hazard.status is not HazardStatus.OPEN:
        problems.append(_wrong_state(
            hazard, "再修改治理计划", "re-plan", path, "hazard.transition.plan_after_rectify"
        ))
    if _blank(measures):
        problems.append(Problem(
            (*path, "measures"), "hazard.plan.measures_required",
            "须填写治理措施", "the rectification measures (治理措施) are required",
        ))
    if _blank(responsible):
        problems.append(Problem(
            (*path, "responsible"), "hazard.plan.responsible_required",
            "须填写责任人", "the responsible person (责任人) is required",
        ))
    if deadline < hazard.found_on:
        problems.append(Problem(
            (*path, "deadline"), "hazard.plan.deadline_before_discovery",
            f"治理时限 {deadline} 早于排查时间 {hazard.found_on}",
            f"deadline {deadline} is before the hazard was found ({hazard.found_on})",
        ))
    _raise_if(problems)
    return _rebuild(
        hazard, path, measures=measures, deadline=deadline, responsible=responsible, funds=funds
    )


def rectify(
    hazard: Hazard,
    *,
    note: str | None,
    photos: Sequence[Photo] = (),
    on: dt.date | None = None,
    path: tuple[PathPart, ...] = (),
) -> Hazard:
    """open → rectified. Needs 治理情况描述; ``on`` (治理完成日期) is optional, ≥ 排查时间."""
    problems: list[Problem] = []
    if hazard.status is not HazardStatus.OPEN:
        problems.append(_wrong_state(
            hazard, "再次登记治理", "rectify", path, "hazard.transition.already_rectified"
        ))
    if _blank(note):
        problems.append(Problem(
            (*path, "rectification_note"), "hazard.rectify.note_required",
            "登记治理须填写治理情况描述",
            "rectification needs a description of what was done (治理情况描述)",
        ))
    if on is not None and on < hazard.found_on:
        problems.append(Problem(
            (*path, "rectified_on"), "hazard.rectify.before_discovery",
            f"治理完成日期 {on} 早于排查时间 {hazard.found_on}",
            f"rectified on {on}, before the hazard was found ({hazard.found_on})",
        ))
    _raise_if(problems)
    return _rebuild(
        hazard, path,
        status=HazardStatus.RECTIFIED, rectification_note=note, rectified_on=on,
        rectification_photos=[*hazard.rectification_photos, *photos],
    )


def accept(
    hazard: Hazard,
    *,
    on: dt.date | None,
    acceptors: Sequence[str],
    remarks: str | None = None,
    path: tuple[PathPart, ...] = (),
) -> Hazard:
    """rectified → accepted (隐患效果验收). Needs 验收时间 and 验收人员; not before discovery."""
    problems: list[Problem] = []
    if hazard.status is HazardStatus.OPEN:
        problems.append(Problem(
            (*path, "status"), "hazard.transition.accept_before_rectify",
            "隐患尚未治理，不能验收", "cannot accept a hazard before it is rectified",
        ))
    elif hazard.status is HazardStatus.ACCEPTED:
        problems.append(_wrong_state(
            hazard, "再次验收", "accept", path, "hazard.transition.already_accepted"
        ))
    if on is None:
        problems.append(Problem(
            (*path, "accepted_on"), "hazard.accept.date_required",
            "验收须填写验收时间", "acceptance needs its date (验收时间)",
        ))
    elif on < hazard.found_on:
        problems.append(Problem(
            (*path, "accepted_on"), "hazard.accept.before_discovery",
            f"验收时间 {on} 早于排查时间 {hazard.found_on}",
            f"accepted on {on}, before the hazard was found ({hazard.found_on})",
        ))
    elif hazard.rectified_on is not None and on < hazard.rectified_on:
        problems.append(Problem(
            (*path, "accepted_on"), "hazard.accept.before_rectification",
            f"验收时间 {on} 早于治理完成日期 {hazard.rectified_on}",
            f"accepted on {on}, before rectification was completed ({hazard.rectified_on})",
        ))
    names = [a for a in acceptors if not _blank(a)]
    if not names:
        problems.append(Problem(
            (*path, "acceptors"), "hazard.accept.acceptors_required",
            "验收须填写验收人员", "acceptance needs the acceptors (验收人员)",
        ))
    _raise_if(problems)
    changes: dict[str, Any] = {
        "status": HazardStatus.ACCEPTED, "accepted_on": on, "acceptors": names
    }
    if remarks is not None:
        changes["remarks"] = remarks
    return _rebuild(hazard, path, **changes)
