"""Do-not-call register: number normalisation and the order-independent violation rule."""
from callqa.dnc.register import (
    CallFact,
    ManualEvent,
    ViolationCause,
    as_utc,
    compute_repeat_violations,
    find_repeat_violations,
    normalize_number,
    on_register,
)

__all__ = [
    "CallFact",
    "ManualEvent",
    "ViolationCause",
    "as_utc",
    "compute_repeat_violations",
    "find_repeat_violations",
    "normalize_number",
    "on_register",
]
