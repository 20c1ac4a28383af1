"""Each policy's obligations, judged from its archived records; due-soon and overdue events.

The rules are pure (``domain.obligations``); this layer gathers their inputs:

* the policy's terms (``policies``);
* the facts of every record of the tenant that names the policy: a record's service, callback
  or complaint dates come from its ``source.json``, read once (from the staged copy while the
  record is pending, else from the store) and kept in ``record_facts`` — records never change;
* corrections: a chain of records linked by ``supersedes`` counts once, with the latest
  version's data and the first version's filing day;
* "today" is the day in China (UTC+8) unless ``as_of`` is given.

:meth:`ObligationService.scan` (from the periodic sweep, every ``AZX_OBLIGATION_SCAN_INTERVAL``
seconds) judges every policy and writes an ``obligation.due_soon`` or ``obligation.overdue``
webhook event at most once per obligation and state: the ``obligation_events`` row is inserted
in the same transaction as the event's outbox rows, under a unique constraint.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import Engine, and_, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from core.settings import Settings
from domain.access import Action, Caller, require
from domain.errors import DomainValidationError
from domain.obligations import (
    STATES,
    CallbackFact,
    ComplaintFact,
    Obligation,
    ServiceFact,
    evaluate,
    obligation_id,
    record_facts,
)
from domain.policies import PolicyTerms
from services.policies import PolicyService, describe_policy, policy_links
from storage.errors import ObjectNotFound, StorageUnavailable
from storage.objectstore import ObjectStore
from storage.tables import obligation_events, policies, records, staged_parts, webhook_deliveries
from storage.tables import record_facts as facts_table

__all__ = ["CHINA", "EVENT_DUE_SOON", "EVENT_OVERDUE", "ObligationService", "PolicyObligations"]

log = logging.getLogger("azx.obligations")

CHINA: Final = dt.timezone(dt.timedelta(hours=8), "CST")
EVENT_DUE_SOON: Final = "obligation.due_soon"
EVENT_OVERDUE: Final = "obligation.overdue"
#: Document types whose data the obligations read (services, callbacks, complaints).
FACT_TYPES: Final = ("report", "chengdu_table_10", "callback", "complaint")
#: List filters: a state, or due_soon (a due obligation within the lead time).
FILTERS: Final = (*STATES, "due_soon")

Emit = Callable[[Connection, str, str, dict[str, Any]], list[str]]


@dataclass
class PolicyObligations:
    """One policy's obligations as of a day."""

    row: dict[str, Any]
    items: list[Obligation]
    unread: list[str] = field(default_factory=list)  # records whose data could not be read

    @property
    def policy_no(self) -> str:
        return str(self.row["policy_no"])

    def item_dict(self, o: Obligation) -> dict[str, Any]:
        return {"id": obligation_id(self.row["tenant"], self.policy_no, o.key),
                "policy_no": self.policy_no, "insured": self.row["insured"],
                "profile": self.row["profile"], **o.as_dict()}


class ObligationService:
    def __init__(self, *, engine: Engine, store: ObjectStore, settings: Settings,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self.engine = engine
        self.store = store
        self.settings = settings
        self.clock = clock
        self._last_scan = time.monotonic()  # the first pass one interval after start

    def today(self) -> dt.date:
        return self.clock().astimezone(CHINA).date()

    # -- reading ----------------------------------------------------------------------------
    def for_policy(self, caller: Caller, policy_no: str,
                   as_of: dt.date | None = None) -> dict[str, Any]:
        """GET /v1/policies/{policy_no}/obligations."""
        require(caller, Action.READ)
        with self.engine.connect() as conn:
            row = PolicyService.row_in(conn, caller.tenant, policy_no)
        today = as_of or self.today()
        judged = self._judge(caller.tenant, [row], today)[0]
        items = [judged.item_dict(o) for o in judged.items]
        summary: dict[str, int] = {s: sum(1 for i in items if i["state"] == s) for s in STATES}
        summary["due_soon"] = sum(1 for i in items if i["due_soon"])
        return {"policy": describe_policy(row), "as_of": today.isoformat(),
                "lead_working_days": self.settings.obligation_lead_working_days,
                "estimated": any(i["estimated"] for i in items),
                "incomplete": bool(judged.unread), "unread_records": judged.unread,
                "summary": summary, "obligations": items}

    def across_tenant(self, caller: Caller, *, state: str | None = None,
                      profile: str | None = None, as_of: dt.date | None = None,
                      limit: int = 50, offset: int = 0) -> dict[str, Any]:
        """GET /v1/obligations: the tenant's obligations in a state (or due soon), oldest
        deadline first."""
        require(caller, Action.READ)
        if state is not None and state not in FILTERS:
            raise DomainValidationError.single(
                ("state",), "unknown_state", f"state 须为以下之一：{', '.join(FILTERS)}",
                f"state must be one of {list(FILTERS)}")
        today = as_of or self.today()
        cond = [policies.c.tenant == caller.tenant]
        if profile:
            cond.append(policies.c.profile == profile)
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(select(policies).where(*cond)
                                                  .order_by(policies.c.policy_no)).mappings()]
        items: list[dict[str, Any]] = []
        unread: list[str] = []
        for judged in self._judge(caller.tenant, rows, today):
            unread += judged.unread
            for o in judged.items:
                if state is None or o.state == state or (state == "due_soon" and o.due_soon):
                    items.append(judged.item_dict(o))
        items.sort(key=lambda i: (i["due"] or "9999-12-31", i["policy_no"], i["key"]))
        return {"as_of": today.isoformat(), "state": state, "profile": profile,
                "lead_working_days": self.settings.obligation_lead_working_days,
                "total": len(items), "limit": limit, "offset": offset,
                "incomplete": bool(unread), "unread_records": unread,
                "items": items[offset:offset + limit]}

    # -- events -------------------------------------------------------------------------------
    def scan_if_due(self, emit: Emit, send: Callable[[Iterable[str]], None]) -> int:
        """The sweep's hook: :meth:`scan` at most every ``obligation_scan_interval`` seconds."""
        now = time.monotonic()
        if now - self._last_scan < self.settings.obligation_scan_interval:
            return 0
        self._last_scan = now
        return self.scan(emit, send)

    def scan(self, emit: Emit, send: Callable[[Iterable[str]], None],
             as_of: dt.date | None = None) -> int:
        """Judge every policy of every tenant; write each new due-soon / overdue event once.
        Returns the number of events written."""
        today = as_of or self.today()
        with self.engine.connect() as conn:
            tenants = list(conn.execute(select(policies.c.tenant).distinct()).scalars())
        written = 0
        for tenant in tenants:
            with self.engine.connect() as conn:
                rows = [dict(r) for r in conn.execute(select(policies).where(
                    policies.c.tenant == tenant)).mappings()]
                seen = {(r.obligation_id, r.state) for r in conn.execute(
                    select(obligation_events.c.obligation_id, obligation_events.c.state)
                    .where(obligation_events.c.tenant == tenant))}
            for judged in self._judge(tenant, rows, today):
                for o in judged.items:
                    event = ("overdue" if o.state == "overdue"
                             else "due_soon" if o.due_soon else None)
                    if event is None:
                        continue
                    oid = obligation_id(tenant, judged.policy_no, o.key)
                    if (oid, event) in seen:
                        continue
                    if self._record_event(tenant, oid, event, judged, o, today, emit, send):
                        written += 1
        if written:
            log.info("obligations: %d new due-soon/overdue events", written)
        return written

    def _record_event(self, tenant: str, oid: str, event: str, judged: PolicyObligations,
                      o: Obligation, today: dt.date, emit: Emit,
                      send: Callable[[Iterable[str]], None]) -> bool:
        name = EVENT_OVERDUE if event == "overdue" else EVENT_DUE_SOON
        data = {**judged.item_dict(o), "as_of": today.isoformat(),
                "links": {"policy": (links := policy_links(judged.policy_no))["self"],
                          "obligations": links["obligations"]}}
        try:
            with self.engine.begin() as conn:
                ids = emit(conn, tenant, name, data)
                event_id = None
                if ids:
                    event_id = conn.execute(select(webhook_deliveries.c.event_id).where(
                        webhook_deliveries.c.id == ids[0])).scalar()
                conn.execute(insert(obligation_events).values(
                    tenant=tenant, obligation_id=oid, state=event, policy_no=judged.policy_no,
                    kind=o.kind, due=o.due, event_id=event_id, emitted_at=self.clock()))
        except IntegrityError:
            return False  # another sweep wrote it first (its transaction holds the event)
        send(ids)
        return True

    # -- judging ----------------------------------------------------------------------------
    def judge(self, tenant: str, rows: Sequence[dict[str, Any]],
              today: dt.date) -> list[PolicyObligations]:
        """The obligations of the tenant's policies ``rows`` as of ``today`` (coverage, issue 15)."""
        return self._judge(tenant, rows, today)

    def services_of(self, tenant: str, policy_nos: list[str]) -> dict[str, list[ServiceFact]]:
        """Per policy number: its services (a correction chain once), as the rules see them."""
        facts, _ = self._facts(tenant, policy_nos)
        return {no: bucket[0] for no, bucket in facts.items()}

    def _judge(self, tenant: str, rows: Sequence[dict[str, Any]],
               today: dt.date) -> list[PolicyObligations]:
        if not rows:
            return []
        facts, unread = self._facts(tenant, [r["policy_no"] for r in rows])
        lead = self.settings.obligation_lead_working_days
        out = []
        for row in rows:
            services, callbacks, complaints = facts.get(row["policy_no"], ([], [], []))
            terms = PolicyTerms.model_validate(row["terms"])
            items = evaluate(terms, services=services, callbacks=callbacks,
                             complaints=complaints, today=today, lead=lead)
            out.append(PolicyObligations(row, items, unread.get(row["policy_no"], [])))
        return out

    def _facts(self, tenant: str, policy_nos: list[str]) -> tuple[
            dict[str, tuple[list[ServiceFact], list[CallbackFact], list[ComplaintFact]]],
            dict[str, list[str]]]:
        """Per policy number: its services, callbacks and complaints; and the records whose
        data could not be read now (the store away)."""
        wanted = set(policy_nos)
        cond = [records.c.tenant == tenant, records.c.policy_no.is_not(None),
                records.c.doc_type.in_(FACT_TYPES), records.c.status != "failed"]
        fcond = [facts_table.c.tenant == tenant]
        if len(wanted) <= 500:  # else: the whole tenant, filtered here
            cond.append(records.c.policy_no.in_(wanted))
            fcond.append(facts_table.c.policy_no.in_(wanted))
        with self.engine.connect() as conn:
            rows = {r["id"]: dict(r) for r in conn.execute(
                select(records.c.id, records.c.doc_type, records.c.profile, records.c.policy_no,
                       records.c.status, records.c.created_at, records.c.supersedes,
                       records.c.parts).where(*cond)).mappings() if r["policy_no"] in wanted}
            known = {r.record_id: r.facts for r in conn.execute(
                select(facts_table.c.record_id, facts_table.c.facts).where(*fcond))}
        unread: dict[str, list[str]] = defaultdict(list)
        for r in rows.values():
            if r["id"] not in known:
                got = self._extract(tenant, r)
                if got is None:
                    unread[r["policy_no"]].append(r["id"])
                else:
                    known[r["id"]] = got
        successor = {r["supersedes"]: r["id"] for r in rows.values() if r["supersedes"] in rows}
        out: dict[str, tuple[list[ServiceFact], list[CallbackFact], list[ComplaintFact]]] = {}
        for r in rows.values():
            if r["supersedes"] in rows:
                continue  # a correction: its chain is read from the first version
            chain = [r["id"]]
            while chain[-1] in successor and len(chain) < 1000:
                chain.append(successor[chain[-1]])
            latest = next((rows[i] for i in reversed(chain) if i in known), None)
            if latest is None or not known[latest["id"]]:
                continue
            filed = r["created_at"].astimezone(CHINA).date()
            bucket = out.setdefault(r["policy_no"], ([], [], []))
            _add_fact(bucket, latest, known[latest["id"]], filed, tuple(chain))
        return out, dict(unread)

    def _extract(self, tenant: str, r: dict[str, Any]) -> dict[str, Any] | None:
        """The record's facts, read from its source JSON and kept; None if unreadable now."""
        raw = None
        if r["status"] == "pending":
            with self.engine.connect() as conn:
                raw = conn.execute(select(staged_parts.c.content).where(and_(
                    staged_parts.c.record_id == r["id"], staged_parts.c.name == "json"))).scalar()
        if raw is None:
            part = (r["parts"] or {}).get("json")
            if not part:
                return None
            try:
                raw = self.store.get(part["key"], part.get("version_id"))
            except (StorageUnavailable, ObjectNotFound) as exc:
                log.info("facts of %s not read yet: %s", r["id"], exc)
                return None
        try:
            source = json.loads(raw)
            facts = record_facts(r["doc_type"], source.get("data") or {})
            facts["profile"] = source.get("profile") or r["profile"]
        except (ValueError, AttributeError, TypeError):
            facts = {}
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(facts_table).values(
                    record_id=r["id"], tenant=tenant, policy_no=r["policy_no"],
                    doc_type=r["doc_type"], facts=facts, extracted_at=self.clock()))
        except IntegrityError:
            pass  # read by another request at the same time: the same facts
        return facts


def _day(v: Any) -> dt.date | None:
    if not isinstance(v, str):
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        return None


def _add_fact(bucket: tuple[list[ServiceFact], list[CallbackFact], list[ComplaintFact]],
              latest: dict[str, Any], f: dict[str, Any], filed: dt.date,
              chain: tuple[str, ...]) -> None:
    services, callbacks, complaints = bucket
    rid = latest["id"]
    if "service_date" in f and "callback_date" not in f:
        day = _day(f["service_date"])
        if day is not None:
            services.append(ServiceFact(rid, day, filed, chain, frozenset(f.get("items") or ()),
                                        bool(f.get("training")), Decimal(f.get("cost") or "0")))
    elif "callback_date" in f:
        day = _day(f["callback_date"])
        if day is not None:
            callbacks.append(CallbackFact(rid, day, filed, _day(f.get("service_date")), chain))
    elif "received_on" in f:
        received = _day(f["received_on"])
        if received is None:
            return
        appraisals = tuple((a, b) for a, b in ((_day(x[0]), _day(x[1]))
                                                for x in f.get("appraisals") or [])
                           if a is not None and b is not None)
        standard = f.get("standard")
        complaints.append(ComplaintFact(
            rid, str(f.get("profile") or latest["profile"]), received, filed,
            bool(f.get("needs_verification")), appraisals,
            f.get("extension_days") if isinstance(f.get("extension_days"), int) else None,
            _day(f.get("answered_on")),
            standard if standard in ("AQ 9010-2019", "AQ 9010.1-2025") else None, chain))
