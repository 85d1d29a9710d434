"""Which speaker is the operator: from the channel on stereo, from what is said on mono."""
from callqa.roles.detect import (
    CUES,
    Cue,
    RoleDecision,
    SpeakerText,
    brand_pattern,
    detect_roles,
    speaker_texts,
    stereo_roles,
)

__all__ = ["CUES", "Cue", "RoleDecision", "SpeakerText", "brand_pattern", "detect_roles",
           "speaker_texts", "stereo_roles"]
