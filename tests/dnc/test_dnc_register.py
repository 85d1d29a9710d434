"""The DNC derivation: order independence, manual events, number normalisation."""
from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta, timezone

import pytest

from callqa.dnc import (
    CallFact,
    ManualEvent,
    compute_repeat_violations,
    find_repeat_violations,
    normalize_number,
    on_register,
)

T0 = datetime(2026, 9, 1, 10, 0, tzinfo=timezone.utc)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("+7 (917) 123-45-67", "+79171234567"),
        ("89171234567", "+79171234567"),
        ("9171234567", "+79171234567"),
        ("79171234567", "+79171234567"),
        ("0049 30 1234567", "+49301234567"),
        ("+49 30 1234567", "+49301234567"),
        ("123", None),
        ("", None),
        (None, None),
        ("anonymous", None),
    ],
)
def test_normalize_number(raw, expected):
    assert normalize_number(raw) == expected


def test_basic_rule_matches_corpus_definition():
    calls = [
        ("a", "outbound", at(0), False),  # before any request: fine
        ("b", "inbound", at(1), True),  # request made in an inbound call
        ("c", "inbound", at(2), False),  # inbound after: not a violation (customer called us)
        ("d", "outbound", at(3), False),  # outbound after: violation
        ("e", "outbound", at(4), True),  # outbound after, repeats the request: still a violation
    ]
    assert compute_repeat_violations(calls) == {"d", "e"}


def test_same_start_time_is_not_earlier():
    calls = [("a", "outbound", at(0), True), ("b", "outbound", at(0), False)]
    assert compute_repeat_violations(calls) == set()


def test_timezones_are_compared_as_instants():
    msk = timezone(timedelta(hours=3))
    req = ("a", "inbound", datetime(2026, 9, 1, 12, 0, tzinfo=msk), True)  # 09:00 UTC
    later = ("b", "outbound", datetime(2026, 9, 1, 9, 30, tzinfo=timezone.utc), False)
    earlier = ("c", "outbound", datetime(2026, 9, 1, 11, 30, tzinfo=msk), False)  # 08:30 UTC
    assert compute_repeat_violations([req, later, earlier]) == {"b"}


def test_unknown_start_time_cannot_be_judged_but_keeps_number_listed():
    calls = [CallFact("a", "inbound", None, True), CallFact("b", "outbound", at(1), False)]
    assert compute_repeat_violations(calls) == set()
    assert on_register(calls, at=at(2)) is True


def test_order_independence_all_permutations():
    calls = [
        ("c1", "outbound", at(0), False),
        ("c2", "inbound", at(1), True),
        ("c3", "outbound", at(2), False),
        ("c4", "outbound", at(3), True),
        ("c5", "inbound", at(4), False),
        ("c6", "outbound", at(5), False),
    ]
    expected = {"c3", "c4", "c6"}
    for perm in itertools.permutations(calls):
        assert compute_repeat_violations(list(perm)) == expected


def test_late_arriving_earlier_call_flags_later_ones():
    seen: list[tuple] = [("later", "outbound", at(5), False)]
    assert compute_repeat_violations(seen) == set()
    seen.append(("earlier", "outbound", at(1), True))
    assert compute_repeat_violations(seen) == {"later"}
    # a re-analysis that drops the request un-flags it
    seen[1] = ("earlier", "outbound", at(1), False)
    assert compute_repeat_violations(seen) == set()


def test_cause_points_to_first_request_of_period():
    calls = [
        CallFact("r1", "inbound", at(1), True),
        CallFact("r2", "outbound", at(2), True),
        CallFact("v", "outbound", at(3), False),
    ]
    causes = find_repeat_violations(calls)
    assert set(causes) == {"r2", "v"}
    assert causes["v"].call_id == "r1"
    assert causes["v"].request_call_ids == ("r1", "r2")
    assert causes["v"].since == at(1)


def test_manual_add_counts_from_its_time():
    calls = [("a", "outbound", at(1), False), ("b", "outbound", at(3), False)]
    manual = [ManualEvent("add", at(2), who="sup", reason="asked by e-mail")]
    causes = find_repeat_violations([CallFact(*c) for c in calls], manual)
    assert set(causes) == {"b"}
    assert causes["b"].call_id is None and causes["b"].manual == manual[0]


def test_manual_remove_ends_period_but_later_request_reopens():
    calls = [
        ("r", "inbound", at(1), True),
        ("v1", "outbound", at(2), False),
        ("ok", "outbound", at(4), False),
        ("r2", "inbound", at(5), True),
        ("v2", "outbound", at(6), False),
    ]
    manual = [ManualEvent("remove", at(3), who="sup", reason="customer consented")]
    assert compute_repeat_violations(calls, manual) == {"v1", "v2"}
    assert on_register([CallFact(*c) for c in calls], manual, at=at(3.5)) is False
    assert on_register([CallFact(*c) for c in calls], manual, at=at(7)) is True


def test_random_orders_with_manual_events():
    rng = random.Random(7)
    calls = [
        (f"c{i}", rng.choice(["inbound", "outbound"]), at(rng.randint(0, 50)), rng.random() < 0.2)
        for i in range(40)
    ]
    manual = [ManualEvent("add", at(10)), ManualEvent("remove", at(20)), ManualEvent("add", at(30))]
    expected = compute_repeat_violations(calls, manual)
    for _ in range(30):
        rng.shuffle(calls)
        m = manual[:]
        rng.shuffle(m)
        assert compute_repeat_violations(calls, m) == expected
    # brute-force check of the rule for each call
    for cid, direction, t, _ in calls:
        evs = [(c[2], "add") for c in calls if c[3]] + [(e.at, e.action) for e in manual]
        before = sorted((e for e in evs if e[0] < t), key=lambda e: (e[0], e[1] == "remove"))
        on = bool(before) and before[-1][1] == "add"
        assert (cid in expected) == (direction == "outbound" and on)
