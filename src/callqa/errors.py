"""Errors a user can cause, each with a message a user understands.

The CLI turns them into a summary line and an exit code; the batch records them per file and
goes on.
"""
from __future__ import annotations


class CallQAError(Exception):
    """Base class: ``str(err)`` is shown to the user as is."""


class AudioError(CallQAError):
    """The file is not decodable audio (corrupt, truncated, empty, not audio, bad codec)."""


class ModelNotFoundError(CallQAError):
    """A model folder named in the settings does not exist or is incomplete."""


class MetadataError(CallQAError):
    """Sidecar JSON or CDR row unreadable or inconsistent."""


class InputError(CallQAError):
    """A malformed input record (JSON line, CSV row) — reported with its position."""


class UnknownTenantError(CallQAError):
    """A tenant id that no configuration knows."""
