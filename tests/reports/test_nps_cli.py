"""``callqa scores import`` and ``callqa nps``: measured and predicted NPS stay separate."""
from __future__ import annotations

import json

import pytest
from svc_helpers import call, cli_env, populate
from typer.testing import CliRunner

from callqa.cli import app

runner = CliRunner()


def scored(cid, tenant, op, started, score=None, pred=7.0):
    c = call(cid, started, "outbound", tenant=tenant, number=f"+7917000{cid[-4:]:0>4}",
             operator_id=op)
    text = f"PRED={pred}" + (f" SCORE={score}" if score is not None else "")
    c["utterances"].append({"speaker": "customer", "text": text})
    return c


@pytest.fixture
def db(settings, storage, fake_engine, monkeypatch):
    populate(settings, storage, fake_engine, [
        scored("c001", "autodealer-kzn", "op1", "2026-09-01T10:00:00Z", score=10, pred=9.2),
        scored("c002", "autodealer-kzn", "op1", "2026-09-02T10:00:00Z", score=3, pred=4.0),
        scored("c003", "autodealer-kzn", "op2", "2026-09-03T10:00:00Z", score=None, pred=8.0),
        scored("c004", "avtopodbor", "op3", "2026-09-04T10:00:00Z", score=8, pred=9.0),
        scored("c005", "avtopodbor", "op3", "2026-10-04T10:00:00Z", score=None, pred=2.0),
    ])
    cli_env(monkeypatch, settings)
    return storage


def nps_json(*args):
    r = runner.invoke(app, ["nps", "--json", *args])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_scores_import_reports_bad_rows_and_ivr_wins(db, tmp_path):
    f = tmp_path / "ivr.csv"
    f.write_text("call_id,score\n"
                 "c002,9\n"          # overrides the stated 3
                 "c003,6\n"          # the only measured score of c003
                 "c004,11\n"         # out of range
                 "c005,7.5\n"        # not a whole number
                 "nope,5\n"          # unknown call
                 "c001\n"            # missing column
                 "\n"
                 "c005,x\n", encoding="utf-8")
    r = runner.invoke(app, ["scores", "import", str(f)])
    assert r.exit_code == 1
    err = r.output
    for ln, what in [(4, "outside 0..10"), (5, "not a whole number"), (6, "unknown call id"),
                     (7, "got 1 column"), (9, "not a whole number")]:
        assert f"line {ln}:" in err and what in err, (ln, err)
    assert "2 scores imported" in err

    rep = nps_json("--by", "tenant")
    g = {x["group"]: x for x in rep["groups"]}
    m = g["autodealer-kzn"]["measured"]
    # c001 stated 10, c002 IVR 9 (wins over stated 3), c003 IVR 6
    assert (m["n"], m["promoters"], m["passives"], m["detractors"]) == (3, 2, 0, 1)
    assert m["sources"] == {"ivr": 2, "stated": 1}
    assert m["nps"] == pytest.approx(100 / 3, abs=0.01)
    p = g["autodealer-kzn"]["predicted"]
    assert (p["n"], p["promoters"], p["passives"], p["detractors"]) == (3, 1, 1, 1)
    assert p["nps"] == pytest.approx(0.0)
    assert rep["total"]["measured"]["n"] == 4 and rep["total"]["predicted"]["n"] == 5
    assert "IVR" in rep["measured_rule"]


def test_nps_filters_and_text_output_separates_sections(db):
    rep = nps_json("--by", "operator", "--from", "2026-09-01", "--to", "2026-09-30")
    assert {g["group"] for g in rep["groups"]} == {"op1", "op2", "op3"}
    op3 = next(g for g in rep["groups"] if g["group"] == "op3")
    assert op3["predicted"]["n"] == 1  # the October call is outside the range
    rep = nps_json("--by", "call_type", "--tenant", "avtopodbor")
    assert [g["group"] for g in rep["groups"]] == ["order_support"]
    assert rep["groups"][0]["measured"]["n"] == 1
    empty = nps_json("--tenant", "nobody")
    assert empty["groups"] == [] and empty["total"]["measured"]["nps"] is None

    r = runner.invoke(app, ["nps", "--by", "tenant"])
    assert r.exit_code == 0
    out = r.stdout
    assert out.index("MEASURED NPS") < out.index("PREDICTED NPS")
    assert "95% CI" in out
    r = runner.invoke(app, ["nps", "--by", "weekday"])
    assert r.exit_code == 2 and "--by must be one of" in r.output
    r = runner.invoke(app, ["nps", "--from", "yesterday"])
    assert r.exit_code == 2 and "--from" in r.output
