"""Audio ingest → the analysis hook → stored result and cross-call DNC, order-independent.

The first test replaces only ASR (the reference transcript of each recording stands in for
Whisper's words) and runs the real ingest batch, storage, analytics engine and DNC layer; the
second runs the real RecordingPipeline (faster-whisper) on a do-not-call sequence.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from callqa.conversation import Conversation, Utterance
from callqa.ingest.batch import BatchIngestor, IngestOptions
from callqa.pipeline.recording import ProcessedRecording, StageResult
from callqa.storage.models_analytics import AnalysisRow

RECS = Path(__file__).resolve().parents[2].parent / "shared/recordings"


class RefTranscriptPipeline:
    """Reference utterances instead of ASR (speed); everything after ASR is real."""

    def process(self, source, meta, vocabulary=None):
        ref = json.loads(Path(source).with_suffix(".ref.json").read_text(encoding="utf-8"))
        utts = [Utterance(u["speaker"], u["text"], u.get("start"), u.get("end"))
                for u in ref["utterances"]]
        conv = Conversation(meta=meta, utterances=utts, duration=ref.get("duration"),
                            provenance={"pipeline": "reference-transcript"})
        return ProcessedRecording(conv, [StageResult("asr", "ok", 0.0)], {"pipeline": "ref"})


def _copy(call_id: str, dest: Path) -> Path:
    side = json.loads((RECS / f"{call_id}.json").read_text(encoding="utf-8"))
    dest.mkdir(parents=True, exist_ok=True)
    for name in (side["audio_file"], f"{call_id}.json", f"{call_id}.ref.json"):
        shutil.copy(RECS / name, dest / name)
    return dest / side["audio_file"]


def _flags(storage) -> dict[str, tuple[bool, bool]]:
    with storage.session() as s:
        return {r[0]: (bool(r[1]), bool(r[2])) for r in s.execute(
            select(AnalysisRow.call_id, AnalysisRow.dnc_request,
                   AnalysisRow.dnc_violation_repeat_call))}


@pytest.fixture
def recs_available():
    if not (RECS / "rec-0002.json").is_file():
        pytest.skip(f"recordings not found in {RECS}")


def test_ingest_hook_stores_analysis_and_late_earlier_call_reflags(
        recs_available, settings, storage, tmp_path):
    ing = BatchIngestor(storage, settings, IngestOptions(audio_storage="reference"),
                        pipeline=RefTranscriptPipeline())
    later = ing.ingest([_copy("rec-0003", tmp_path / "day2")])  # the later call arrives first
    assert later.outcomes[0].status == "processed", later.outcomes[0].message
    assert later.outcomes[0].analysis is not None  # the hook ran and returned the result
    assert _flags(storage)["rec-0003"][1] is False
    ing.ingest([_copy("rec-0002", tmp_path / "day1")])
    flags = _flags(storage)
    assert flags["rec-0002"] == (True, False)  # the DNC request, in the earlier call
    assert flags["rec-0003"][1] is True  # re-flagged although it was processed first


@pytest.mark.models
@pytest.mark.slow
def test_real_asr_sequence_flags_repeat_call(recs_available, settings, storage, tmp_path):
    ing = BatchIngestor(storage, settings, IngestOptions(audio_storage="reference"))
    rep = ing.ingest([_copy("rec-0002", tmp_path / "a"), _copy("rec-0003", tmp_path / "b")])
    assert [o.status for o in rep.outcomes] == ["processed", "processed"], rep.to_dict()
    flags = _flags(storage)
    assert flags["rec-0002"][0] is True
    assert flags["rec-0003"][1] is True
