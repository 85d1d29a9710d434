"""Conversation model: core types and the pure words → utterances step."""
from callqa.conversation.types import (
    ROLES,
    SEVERITY_RANK,
    CallMeta,
    Conversation,
    Direction,
    Finding,
    Role,
    Severity,
    Utterance,
    Word,
)
from callqa.conversation.utterances import build_utterances, join_words

__all__ = [
    "ROLES", "SEVERITY_RANK", "CallMeta", "Conversation", "Direction", "Finding", "Role",
    "Severity", "Utterance", "Word", "build_utterances", "join_words",
]
