"""Export formatters (pure): JSON, WebVTT, NIST RTTM, plain text."""
from callqa.export.formats import (
    FORMATS,
    conversation_dict,
    render,
    role_label,
    to_json,
    to_rttm,
    to_text,
    to_webvtt,
    vtt_escape,
    vtt_timestamp,
)

__all__ = ["FORMATS", "conversation_dict", "render", "role_label", "to_json", "to_rttm",
           "to_text", "to_webvtt", "vtt_escape", "vtt_timestamp"]
