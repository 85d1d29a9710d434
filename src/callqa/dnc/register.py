"""Do-not-call register logic: pure functions, no database.

The register is *derived*, not remembered: the state of a number at any moment follows from
the calls of that tenant to that number (their DNC requests, by ``started_at``) and from the
supervisors' manual add/remove events (by their effective time). Re-running the derivation on
the same facts always gives the same flags, whatever order the calls were processed in — a
late-arriving earlier call re-flags later ones, and a re-analysis that drops a DNC request
un-flags them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Literal

DncAction = Literal["add", "remove"]
MAX_CITED = 10  # earlier request calls cited per violation (evidence stays readable)

_NON_DIGITS = re.compile(r"\D+")


def normalize_number(raw: str | None, default_country: str = "7") -> str | None:
    """Phone number as ``+<digits>`` (E.164-like) so one customer has one register key.

    Russian conventions: ``8XXXXXXXXXX`` (11 digits, trunk prefix 8) and bare 10-digit
    numbers starting with 9 become ``+7…``. Anything with fewer than 5 digits (extensions,
    "anonymous") is not a number we can put on a dialer's list: ``None``.
    """
    if raw is None:
        return None
    digits = _NON_DIGITS.sub("", str(raw))
    if str(raw).strip().startswith("00"):
        digits = digits[2:]
    if len(digits) < 5:
        return None
    if default_country == "7":
        if len(digits) == 11 and digits[0] == "8":
            digits = "7" + digits[1:]
        elif len(digits) == 10 and digits[0] == "9":
            digits = "7" + digits
    return "+" + digits


def as_utc(ts: datetime | None) -> datetime | None:
    """Aware UTC datetime; naive timestamps are taken as UTC (documented assumption)."""
    if ts is None:
        return None
    if ts.tzinfo is None:
        return ts.replace(tzinfo=timezone.utc)
    return ts.astimezone(timezone.utc)


@dataclass(frozen=True)
class CallFact:
    """What the DNC derivation needs to know about one call of one tenant+number."""

    call_id: str
    direction: str  # "inbound" | "outbound"
    started_at: datetime | None
    dnc_request: bool


@dataclass(frozen=True)
class ManualEvent:
    """A supervisor's change to the register, effective from ``at``."""

    action: DncAction
    at: datetime
    who: str = ""
    reason: str = ""
    event_id: int | None = None


@dataclass(frozen=True)
class ViolationCause:
    """Why a call is a repeat-call violation: the event that put the number on the register.

    ``call_id`` is the earliest DNC-request call of the current "on the register" period, or
    None when the period was opened by a manual entry (then ``manual`` holds it).
    """

    since: datetime
    call_id: str | None
    manual: ManualEvent | None = None
    request_call_ids: tuple[str, ...] = ()  # every earlier DNC-request call in the period


def _events(calls: Iterable[CallFact], manual: Iterable[ManualEvent]) -> list[tuple]:
    """Time-ordered register events. At equal times a removal sorts after additions (wins)."""
    ev: list[tuple] = []
    for c in calls:
        if c.dnc_request and c.started_at is not None:
            ev.append((as_utc(c.started_at), 0, c.call_id, "add", c, None))
    for m in manual:
        ev.append((as_utc(m.at), 0 if m.action == "add" else 1, "", m.action, None, m))
    ev.sort(key=lambda e: (e[0], e[1], e[2]))
    return ev


def find_repeat_violations(
    calls: Iterable[CallFact], manual_entries: Iterable[ManualEvent] = ()
) -> dict[str, ViolationCause]:
    """Outbound calls placed while the number was on the register, with the cause.

    A number is on the register at time ``t`` when the last register event strictly before
    ``t`` is an addition (a DNC request in a call, or a manual add). Only calls with a known
    ``started_at`` can be judged; the calls are all of ONE tenant and ONE number. One sweep
    over the time-ordered events: O((calls + events) log) even for a number with thousands of
    calls (a company switchboard).
    """
    calls = list(calls)
    events = _events(calls, manual_entries)
    outbound = sorted(((as_utc(c.started_at), c.call_id) for c in calls
                       if c.direction == "outbound" and c.started_at is not None))
    out: dict[str, ViolationCause] = {}
    period: list[tuple] = []  # additions of the current "on the register" period
    j = 0
    for t, call_id in outbound:
        while j < len(events) and events[j][0] < t:
            ev = events[j]
            if ev[3] == "add":
                period.append(ev)
            else:
                period = []
            j += 1
        if period:
            first = period[0]
            req_ids = tuple(e[2] for e in period[:MAX_CITED] if e[4] is not None)
            out[call_id] = ViolationCause(
                since=first[0],
                call_id=first[4].call_id if first[4] is not None else (req_ids[0] if req_ids else None),
                manual=first[5],
                request_call_ids=req_ids,
            )
    return out


def compute_repeat_violations(
    calls: Iterable[CallFact | tuple], manual_entries: Iterable[ManualEvent] = ()
) -> set[str]:
    """Ids of the calls that are ``dnc_violation_repeat_call`` (see ``find_repeat_violations``).

    ``calls`` may be ``CallFact`` or plain ``(call_id, direction, started_at, dnc_request)``.
    """
    facts = [c if isinstance(c, CallFact) else CallFact(*c) for c in calls]
    return set(find_repeat_violations(facts, manual_entries))


def on_register(
    calls: Iterable[CallFact], manual_entries: Iterable[ManualEvent] = (), at: datetime | None = None
) -> bool:
    """Whether the number is on the register now (or at ``at``): what a dialer must respect.

    A DNC request from a call with an unknown start time still puts the number on the register
    (we cannot order it, but we must not call the customer), unless a manual removal exists.
    """
    calls = list(calls)
    manual_entries = list(manual_entries)
    at = as_utc(at) or datetime.now(timezone.utc)
    events = [e for e in _events(calls, manual_entries) if e[0] <= at]
    undated = any(c.dnc_request and c.started_at is None for c in calls)
    if not events:
        return undated
    return events[-1][3] == "add"
