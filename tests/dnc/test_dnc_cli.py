"""``callqa dnc list|export|add|remove|audit`` on a real SQLite file."""
from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError
from svc_helpers import call, cli_env, populate
from typer.testing import CliRunner

from callqa.cli import app
from callqa.storage.models_analytics import AnalysisRow

runner = CliRunner()


@pytest.fixture
def db(settings, storage, fake_engine, monkeypatch):
    populate(settings, storage, fake_engine, [
        call("a1", "2026-09-01T10:00:00+03:00", "inbound", dnc=True, number="8 917 111-22-33"),
        call("a2", "2026-09-05T10:00:00+03:00", "outbound", number="+79171112233"),
        call("b1", "2026-09-02T10:00:00+03:00", "outbound", number="+79175550000"),
        call("b2", "2026-09-06T10:00:00+03:00", "outbound", number="+79175550000"),
        call("z1", "2026-09-01T10:00:00+03:00", "inbound", dnc=True, tenant="vinparts",
             number="+79170000001"),
    ])
    cli_env(monkeypatch, settings)
    return storage


def flag(storage, cid):
    with storage.session() as s:
        return s.scalar(select(AnalysisRow.dnc_violation_repeat_call)
                        .where(AnalysisRow.call_id == cid))


def test_list_and_export_formats(db):
    r = runner.invoke(app, ["dnc", "export", "--tenant", "telecom-tv", "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [x["customer_number"] for x in rows] == ["+79171112233"]
    assert rows[0]["call_id"] == "a1" and rows[0]["source"] == "call"
    assert rows[0]["since"].startswith("2026-09-01T07:00:00")
    assert "DNC!" in rows[0]["evidence"]
    r = runner.invoke(app, ["dnc", "list", "--tenant", "vinparts", "--format", "json"])
    assert [x["customer_number"] for x in json.loads(r.stdout)] == ["+79170000001"]
    r = runner.invoke(app, ["dnc", "export", "--tenant", "telecom-tv", "--format", "xml"])
    assert r.exit_code != 0


def test_manual_add_flags_later_outbound_calls_and_is_audited(db):
    assert flag(db, "b2") is False
    r = runner.invoke(app, ["dnc", "add", "--tenant", "telecom-tv", "--number", "9175550000",
                            "--reason", "asked by letter", "--by", "supervisor.ivanova",
                            "--at", "2026-09-04T00:00:00+03:00"])
    assert r.exit_code == 0, r.output
    assert flag(db, "b1") is False and flag(db, "b2") is True
    r = runner.invoke(app, ["dnc", "list", "--tenant", "telecom-tv", "--format", "json"])
    nums = {x["customer_number"]: x for x in json.loads(r.stdout)}
    assert nums["+79175550000"]["source"] == "manual"
    assert nums["+79175550000"]["evidence"] == "asked by letter"

    # remove effective before b2: un-flags it; audit keeps both changes with who/why
    r = runner.invoke(app, ["dnc", "remove", "--tenant", "telecom-tv", "--number", "+79175550000",
                            "--reason", "customer consented", "--by", "supervisor.petrov",
                            "--at", "2026-09-05T00:00:00+03:00"])
    assert r.exit_code == 0, r.output
    assert flag(db, "b2") is False
    r = runner.invoke(app, ["dnc", "list", "--tenant", "telecom-tv", "--format", "json"])
    assert "+79175550000" not in {x["customer_number"] for x in json.loads(r.stdout)}
    r = runner.invoke(app, ["dnc", "audit", "--tenant", "telecom-tv", "--json"])
    audit = json.loads(r.stdout)
    assert [(a["action"], a["who"]) for a in audit] == [
        ("auto-add", "system"), ("add", "supervisor.ivanova"), ("remove", "supervisor.petrov")]
    assert audit[2]["reason"] == "customer consented"


def test_remove_unknown_number_is_a_clear_error(db):
    r = runner.invoke(app, ["dnc", "remove", "--tenant", "telecom-tv", "--number", "+70000000000",
                            "--reason", "x", "--by", "y"])
    assert r.exit_code == 2 and "not on the do-not-call register" in r.output
    r = runner.invoke(app, ["dnc", "add", "--tenant", "telecom-tv", "--number", "12",
                            "--reason", "x", "--by", "y"])
    assert r.exit_code == 2 and "not a phone number" in r.output


def test_audit_table_is_append_only(db):
    with pytest.raises(DatabaseError):
        with db.session() as s:
            s.execute(text("UPDATE dnc_audit SET who = 'mallory'"))
    with pytest.raises(DatabaseError):
        with db.session() as s:
            s.execute(text("DELETE FROM dnc_audit"))


def test_future_effective_time_is_refused(db):
    r = runner.invoke(app, ["dnc", "add", "--tenant", "telecom-tv", "--number", "+79170000009",
                            "--reason", "x", "--by", "y", "--at", "2999-01-01"])
    assert r.exit_code == 2 and "in the future" in r.output
