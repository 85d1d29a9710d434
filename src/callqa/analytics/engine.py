"""The analysis engine: every analyzer over one conversation → one ``AnalysisResult``.

One entry object (``AnalysisEngine``), built once with its models loaded
(``AnalysisEngine.from_settings``), then ``engine.analyze(conversation)`` per call — pure with
respect to the call, so batch, live sessions and the bench share it. Analyzers run in a fixed
order and later ones see earlier labels in ``context.labels`` (the script checker and the
unresolved-complaint rule need the call type; predicted NPS needs the sentiment). An analyzer
that fails on a call is logged and recorded in the provenance; the other labels still come.
"""
from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callqa.analytics.base import AnalysisContext, Analyzer
from callqa.analytics.calltype import CallTypeAnalyzer, CallTypeOptions
from callqa.analytics.features import fast
from callqa.analytics.nps import NpsExtractor, NpsPredictor, PredictedNpsAnalyzer
from callqa.analytics.qa import Checklist, load_checklist, qa_score
from callqa.analytics.result import DEFAULT_SCRIPT_STEPS, AnalysisResult
from callqa.analytics.sentiment import SentimentAnalyzer
from callqa.conversation import Conversation, Finding
from callqa.tenants import TenantProfile, load_tenant

log = logging.getLogger(__name__)

ENGINE_VERSION = "1.0"


@dataclass
class EngineOptions:
    """Knobs of the engine (thresholds reach analyzers through ``context.options``)."""

    out_of_tenant_weight: float = 0.15  # call types the tenant does not list (0 = forbid)
    long_silence_s: float = 10.0
    overtalk_s: float = 3.0
    checklist_path: Path | None = None
    tenants_dir: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # passed to context.options as is

    @classmethod
    def from_settings(cls, settings: Any) -> "EngineOptions":
        return cls(long_silence_s=float(getattr(settings, "long_silence_s", 10.0)),
                   overtalk_s=float(getattr(settings, "overtalk_s", 3.0)),
                   checklist_path=getattr(settings, "qa_checklist", None),
                   tenants_dir=getattr(settings, "tenants_dir", None))


def rule_analyzers(artifacts: dict[str, Any] | None = None, settings: Any = None) -> list[Any]:
    """The rule analyzers present in this installation (DNC, pushy, rude, script, flags).

    ``analytics.rules.default_rule_analyzers`` is the one place that orders them; if it is
    missing, each module's ``default_analyzers()`` is used. ``artifacts`` are the rules' small
    models trained with ours (``Models.meta["rules"]``); when empty, the rules module loads
    its own file from ``settings.artifacts_dir``.
    """
    try:
        rules = importlib.import_module("callqa.analytics.rules")
        factory = getattr(rules, "default_rule_analyzers")
    except (ImportError, AttributeError) as e:
        log.warning("rule analyzers unavailable (%s); running with the trained ones only", e)
        factory = None
    if factory is not None:
        try:
            return list(factory(artifacts or None, settings))
        except TypeError:  # an older factory signature
            return list(factory(artifacts or {}))
    out: list[Any] = []
    for mod in ("dnc", "pushy", "rude", "script", "flags"):
        try:
            m = importlib.import_module(f"callqa.analytics.{mod}")
        except ImportError:
            continue
        f = getattr(m, "default_analyzers", None)
        if callable(f):
            out.extend(f())
    return out


class AnalysisEngine:
    """Runs the analyzers in order and builds the per-call result."""

    def __init__(self, analyzers: Sequence[Analyzer], checklist: Checklist | None = None,
                 options: EngineOptions | None = None,
                 model_provenance: dict[str, Any] | None = None):
        self.analyzers = list(analyzers)
        self.checklist = checklist or load_checklist(None)
        self.options = options or EngineOptions()
        self.model_provenance = dict(model_provenance or {})
        self._analyzer_prov = [{"name": a.name, "version": str(a.version)} for a in self.analyzers]

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_models(cls, models: Any, options: EngineOptions | None = None,
                    model_provenance: dict[str, Any] | None = None,
                    settings: Any = None, with_rules: bool = True) -> "AnalysisEngine":
        """Engine over fitted ``train.Models`` (the bench uses in-process models this way)."""
        options = options or EngineOptions()
        version = str((model_provenance or {}).get("version") or models.meta.get("version") or "dev")
        analyzers: list[Any] = [
            CallTypeAnalyzer(fast(models.call_type), version,
                             CallTypeOptions(out_of_tenant_weight=options.out_of_tenant_weight)),
            SentimentAnalyzer(fast(models.sentiment), fast(models.sentiment_utterance), version),
            NpsExtractor(),
            PredictedNpsAnalyzer(NpsPredictor(fast(models.nps.text_model), models.nps.blend,
                                              models.nps.extra), fast(models.sentiment), version),
        ]
        if with_rules:
            analyzers += rule_analyzers(models.meta.get("rules"), settings)
        return cls(analyzers, load_checklist(options.checklist_path), options,
                   model_provenance or {"version": version})

    @classmethod
    def from_settings(cls, settings: Any = None) -> "AnalysisEngine":
        """Load the trained artifacts from ``settings.artifacts_dir`` once; build the engine."""
        from callqa.analytics.train import load_models
        from callqa.settings import get_settings

        settings = settings or get_settings()
        models, prov = load_models(Path(settings.artifacts_dir))
        return cls.from_models(models, EngineOptions.from_settings(settings), prov, settings)

    # -- analysis -------------------------------------------------------------------------
    def tenant_for(self, conversation: Conversation) -> TenantProfile:
        return load_tenant(conversation.meta.tenant or "default", self.options.tenants_dir)

    def analyze(self, conversation: Conversation,
                tenant: TenantProfile | None = None) -> AnalysisResult:
        """Analyze one call. Never raises for a bad analyzer: its error goes to provenance."""
        tenant = tenant or self.tenant_for(conversation)
        context = AnalysisContext(tenant=tenant, options={
            "long_silence_s": self.options.long_silence_s,
            "overtalk_s": self.options.overtalk_s, **self.options.extra})
        findings: list[Finding] = []
        errors: list[dict[str, str]] = []
        for a in self.analyzers:
            try:
                out = a.analyze(conversation, context)
            except Exception as e:  # one broken analyzer must not lose the call
                log.exception("analyzer %s failed on call %s", a.name, conversation.meta.call_id)
                errors.append({"analyzer": a.name, "error": f"{type(e).__name__}: {e}"})
                continue
            context.labels.update(out.labels)
            findings.extend(out.findings)
        return self._result(conversation, context, findings, errors)

    def _result(self, conversation: Conversation, context: AnalysisContext,
                findings: list[Finding], errors: list[dict[str, str]]) -> AnalysisResult:
        L = context.labels
        script_raw = L.get("script") or {}
        script = {s: bool(script_raw.get(s, False)) for s in DEFAULT_SCRIPT_STEPS}
        script.update({k: bool(v) for k, v in script_raw.items() if k not in script})
        score, breakdown = qa_score(self.checklist, L, findings)
        findings = sorted(findings, key=lambda f: (f.utterance_index is None,
                                                   f.utterance_index or 0))
        prov: dict[str, Any] = {
            "engine": f"callqa.analytics@{ENGINE_VERSION}",
            "analyzers": self._analyzer_prov,
            "models": self.model_provenance,
            "script": L.get("script_id"),
            "qa_checklist": self.checklist.ref,
            "tenant": context.tenant.tenant,
        }
        if errors:
            prov["errors"] = errors
        return AnalysisResult(
            call_id=conversation.meta.call_id,
            call_type=L.get("call_type"),
            call_type_confidence=float(L.get("call_type_confidence") or 0.0),
            customer_sentiment=L.get("customer_sentiment") or "neutral",
            customer_sentiment_trajectory=list(L.get("customer_sentiment_trajectory") or []),
            dnc_request=bool(L.get("dnc_request", False)),
            dnc_request_utterance=L.get("dnc_request_utterance"),
            dnc_ignored_in_call=bool(L.get("dnc_ignored_in_call", False)),
            pushy_after_refusal=bool(L.get("pushy_after_refusal", False)),
            nps_score=L.get("nps_score"),
            predicted_nps=float(L.get("predicted_nps", 5.0)),
            script=script,
            rude_operator=bool(L.get("rude_operator", False)),
            dnc_violation_repeat_call=False,  # set by the cross-call DNC layer
            findings=findings,
            qa_score=score,
            provenance=prov,
            script_details=dict(L.get("script_adherence") or {}),
            transfer_pingpong=bool(L.get("transfer_pingpong", False)),
            unresolved_complaint=bool(L.get("unresolved_complaint", False)),
            qa_details=breakdown,
            labels=dict(L),
        )
