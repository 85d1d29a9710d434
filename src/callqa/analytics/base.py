"""The analyzer contract: plain data in, labels and findings out, no hidden state.

Every judge of a conversation (call type, sentiment, DNC, script steps, rudeness, NPS...) is an
``Analyzer``: configured in its constructor, ``analyze(conversation, context)`` returns an
``AnalyzerOutput``. The engine runs them in order and passes the labels decided so far in the
context (e.g. the script checker needs the call type), so each stays separately testable.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from callqa.conversation import Conversation, Finding
from callqa.tenants import TenantProfile


@dataclass
class AnalysisContext:
    """Everything an analyzer may read besides the conversation itself."""

    tenant: TenantProfile
    labels: dict[str, Any] = field(default_factory=dict)  # decided by earlier analyzers
    options: dict[str, Any] = field(default_factory=dict)  # thresholds etc.
    cache: dict[str, Any] = field(default_factory=dict)  # per-call derived data (normalised text)


@dataclass
class AnalyzerOutput:
    """Labels (merged into the result) and findings (flags with evidence)."""

    labels: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


@runtime_checkable
class Analyzer(Protocol):
    """One judge of a conversation. ``name`` and ``version`` go into every finding's source."""

    name: str
    version: str

    def analyze(self, conversation: Conversation, context: AnalysisContext) -> AnalyzerOutput:
        ...


class RuleSource:
    """Mixin: ``source`` = ``"<name>@<version>"``, the tag every finding of an analyzer carries."""

    name: str
    version: str

    @property
    def source(self) -> str:
        return f"{self.name}@{self.version}"

