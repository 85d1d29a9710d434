"""Helpers for the analytics-service tests: a tiny rule engine and call-record builders.

The fake engine stands in for ``AnalysisEngine`` only where a test is about storage and
cross-call logic (it makes DNC requests explicit and deterministic); the end-to-end tests
use the real engine.
"""
from __future__ import annotations

import json

from callqa.analytics.result import AnalysisResult
from callqa.conversation import Conversation, Finding


class KeywordEngine:
    """DNC request = a customer utterance containing 'DNC!'; stated score = 'SCORE=<n>'."""

    def analyze(self, conversation: Conversation, tenant) -> AnalysisResult:
        r = AnalysisResult(call_id=conversation.meta.call_id, call_type="order_support",
                           call_type_confidence=0.9, predicted_nps=7.0, qa_score=50.0,
                           script={"greeting_company": tenant.known})
        for i, u in enumerate(conversation.utterances):
            if u.role == "customer" and "DNC!" in u.text and not r.dnc_request:
                r.dnc_request, r.dnc_request_utterance = True, i
                r.findings.append(Finding("dnc_request", "major", i, u.start, u.text, "fake@0"))
            if "SCORE=" in u.text:
                r.nps_score = int(u.text.split("SCORE=")[1].split()[0])
            if "PRED=" in u.text:
                r.predicted_nps = float(u.text.split("PRED=")[1].split()[0])
        r.provenance = {"engine": "fake", "script": {"id": "default", "version": "1"}}
        return r


def call(call_id: str, started_at: str, direction: str = "outbound", dnc: bool = False,
         tenant: str = "telecom-tv", number: str = "+7 917 400-38-17", **extra) -> dict:
    text = "DNC! больше не звоните" if dnc else "Здравствуйте, слушаю."
    rec = {"call_id": call_id, "tenant": tenant, "operator_id": "op-1",
           "customer_number": number, "direction": direction, "started_at": started_at,
           "utterances": [{"speaker": "operator", "text": "Добрый день, Телеком ТВ."},
                          {"speaker": "customer", "text": text}]}
    rec.update(extra)
    return rec


def jsonl(records: list) -> list[str]:
    return [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]


def cli_env(monkeypatch, settings) -> None:
    """Point the CLI's cached settings at the test database."""
    from callqa.settings import get_settings

    monkeypatch.setenv("CALLQA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CALLQA_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()


def populate(settings, storage, engine, records) -> dict:
    """Run the batch service on records; return output dicts by call id."""
    import io

    from callqa.service import AnalyzeService

    out = io.StringIO()
    AnalyzeService(settings, storage.session, engine).analyze_jsonl(jsonl(records), out)
    return {d["call_id"]: d for d in map(json.loads, out.getvalue().splitlines())}
