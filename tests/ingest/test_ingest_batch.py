from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from callqa.errors import ModelNotFoundError
from callqa.ingest import BatchIngestor, IngestOptions, discover, sha256_file


def _ingestor(storage, settings, pipeline, **opts):
    return BatchIngestor(storage, settings, IngestOptions(**opts), pipeline=pipeline,
                         analysis_hook=None)


def test_discover_recursive_case_insensitive(tmp_path, tone):
    tone(tmp_path / "a" / "x.WAV")
    tone(tmp_path / "a" / "b" / "y.flac", freq=300)
    (tmp_path / "a" / "notes.txt").write_text("hi")
    (tmp_path / "a" / "Master.csv").write_text("")
    (tmp_path / "a" / ".hidden").mkdir()
    tone(tmp_path / "a" / ".hidden" / "z.wav")
    (tmp_path / "doc.txt").write_text("x")
    d = discover([tmp_path / "a", tmp_path / "a" / "x.WAV", tmp_path / "doc.txt",
                  tmp_path / "missing"])
    assert [f.name for f in d.files] == ["y.flac", "x.WAV"]
    assert [c.name for c in d.cdr_files] == ["Master.csv"]
    assert [(p.name, m.split(" (")[0]) for p, m in d.problems] == [
        ("doc.txt", "not a supported audio file type"), ("missing", "no such file or folder")]


def test_ingest_stores_calls_with_metadata_and_keeps_audio(storage, settings, fake_pipeline,
                                                          tmp_path, tone, sidecar):
    a = tone(tmp_path / "in" / "rec-a.wav")
    sidecar(a, call_id="A-1", tenant="vinparts", operator_id="op-1",
            customer_number="+79170000001", direction="outbound",
            started_at="2026-09-03T10:12:00+03:00", operator_channel=1)
    tone(tmp_path / "in" / "sub" / "rec-b.wav", freq=700, channels=1)
    rep = _ingestor(storage, settings, fake_pipeline).ingest([tmp_path / "in"])
    assert rep.counts == {"processed": 2, "skipped": 0, "failed": 0} and rep.exit_code == 0
    rec = storage.get_call("A-1")
    s = rec.summary
    assert (s.tenant, s.direction, s.operator_id, s.operator_channel, s.channels,
            s.sample_rate) == ("vinparts", "outbound", "op-1", 1, 2, 8000)
    assert s.content_hash == sha256_file(a)
    kept = Path(s.audio_path)
    assert kept == (settings.data_dir / "audio" / "vinparts" / f"{s.content_hash}.wav").resolve()
    assert kept.read_bytes() == a.read_bytes()
    assert s.original_path == str(a.resolve())
    b = storage.get_call("rec-b")  # defaults: id = stem, tenant default
    assert b.summary.tenant == "default" and b.summary.channels == 1
    run = storage.list_runs(content_hash=s.content_hash)[0]
    assert run.status == "done" and [x.name for x in run.stages] == ["decode", "asr",
                                                                     "keep_audio"]
    assert run.provenance["metadata_sources"] == ["sidecar"]
    out = [o for o in rep.outcomes if o.call_id == "A-1"][0]
    assert out.roles == {"operator": 1, "customer": 1} and out.preview[0][0] == "operator"


def test_duplicates_skipped_and_force_reprocesses(storage, settings, fake_pipeline, tmp_path,
                                                  tone):
    a = tone(tmp_path / "in" / "a.wav")
    shutil.copy(a, tmp_path / "in" / "copy-of-a.wav")  # same content, other name
    rep = _ingestor(storage, settings, fake_pipeline).ingest([tmp_path / "in"])
    assert rep.counts == {"processed": 1, "skipped": 1, "failed": 0}
    skipped = rep.by_status("skipped")[0]
    assert skipped.message.startswith("skipped: duplicate of default/a")
    assert fake_pipeline.calls == ["a.wav"]  # never processed twice
    pk = storage.get_call("a").summary.pk

    rep2 = _ingestor(storage, settings, fake_pipeline).ingest([a])
    assert rep2.counts["skipped"] == 1 and len(fake_pipeline.calls) == 1

    rep3 = _ingestor(storage, settings, fake_pipeline, force=True).ingest(
        [a, tmp_path / "in" / "copy-of-a.wav"])
    assert rep3.counts == {"processed": 1, "skipped": 1, "failed": 0}  # once per batch
    assert len(fake_pipeline.calls) == 2
    assert storage.get_call("a").summary.pk == pk  # replaced in place
    assert storage.count_calls() == 1


def test_bad_inputs_are_recorded_and_batch_goes_on(storage, settings, fake_pipeline, tmp_path,
                                                   tone):
    # an earlier, good call that must stay untouched
    early = tone(tmp_path / "early" / "early.wav", freq=200)
    _ingestor(storage, settings, fake_pipeline).ingest([early])
    before = storage.get_call("early")

    d = tmp_path / "batch"
    d.mkdir()
    tone(d / "good.wav", freq=523)
    (d / "empty.wav").write_bytes(b"")
    (d / "text.wav").write_text("это не звук, а текст\n" * 50, encoding="utf-8")
    full = tone(tmp_path / "full.wav", freq=600, seconds=2.0).read_bytes()
    (d / "truncated.wav").write_bytes(full[: len(full) // 2])
    (d / "garbage.mp3").write_bytes(bytes(range(256)) * 40)
    tone(d / "silence.flac", silent=True)
    rep = _ingestor(storage, settings, fake_pipeline).ingest([d])

    by_name = {Path(o.path).name: o for o in rep.outcomes}
    assert by_name["good.wav"].status == "processed"
    failed = {n for n, o in by_name.items() if o.status == "failed"}
    assert failed == {"empty.wav", "text.wav", "truncated.wav", "garbage.mp3", "silence.flac"}
    assert rep.exit_code == 1
    assert "zero-length" in by_name["empty.wav"].message
    assert "no speech" in by_name["silence.flac"].message
    for n in failed:
        assert by_name[n].message and by_name[n].error_type
    assert by_name["truncated.wav"].error_type == "AudioError"
    # every failure is recorded in the database with its path
    recorded = {Path(e.path).name: e for e in storage.list_errors() if e.level == "error"}
    assert failed <= set(recorded)
    # the good file of the batch is stored; the earlier call is unchanged
    assert storage.get_call("good").summary.n_utterances == 2
    after = storage.get_call("early")
    assert after.summary == before.summary and after.conversation == before.conversation
    assert storage.count_calls() == 2
    assert not storage.list_runs(status="running")


def test_resume_after_crash_processes_only_missing(storage, settings, fake_pipeline, tmp_path,
                                                   tone):
    d = tmp_path / "in"
    files = [tone(d / f"c{i}.wav", freq=300 + 50 * i) for i in range(3)]
    _ingestor(storage, settings, fake_pipeline).ingest([files[0]])
    # simulate a crash while c1 was being processed: its run stays "running", nothing stored
    crashed = storage.start_run(source_path=str(files[1]), content_hash=sha256_file(files[1]))
    fake_pipeline.calls.clear()

    rep = _ingestor(storage, settings, fake_pipeline).ingest([d])
    assert rep.counts == {"processed": 2, "skipped": 1, "failed": 0}
    assert sorted(fake_pipeline.calls) == ["c1.wav", "c2.wav"]
    assert storage.get_run(crashed).status == "interrupted"
    assert {c.call_id for c in storage.list_calls()} == {"c0", "c1", "c2"}


def test_ctrl_c_marks_run_interrupted_and_rerun_completes(storage, settings, fake_pipeline,
                                                          tmp_path, tone):
    d = tmp_path / "in"
    tone(d / "a.wav")
    tone(d / "b.wav", freq=800)

    class Interrupting:
        def process(self, source, meta, vocabulary=None):
            if Path(source).name == "b.wav":
                raise KeyboardInterrupt
            return fake_pipeline.process(source, meta, vocabulary)

    with pytest.raises(KeyboardInterrupt):
        _ingestor(storage, settings, Interrupting()).ingest([d])
    assert [c.call_id for c in storage.list_calls()] == ["a"]
    assert storage.list_runs(status="interrupted")
    rep = _ingestor(storage, settings, fake_pipeline).ingest([d])
    assert rep.counts == {"processed": 1, "skipped": 1, "failed": 0}


def test_missing_model_path_is_a_clear_error_per_file(storage, settings, tmp_path, tone):
    """The real pipeline with a models dir that does not exist: every file fails with the
    model path in the message, the batch finishes, nothing is stored."""
    d = tmp_path / "in"
    tone(d / "a.wav")
    tone(d / "b.wav", freq=900)
    ing = BatchIngestor(storage, settings, IngestOptions(), analysis_hook=None)
    rep = ing.ingest([d])
    assert rep.counts == {"processed": 0, "skipped": 0, "failed": 2}
    for o in rep.outcomes:
        assert o.error_type == ModelNotFoundError.__name__
        assert "no-models" in o.message
    assert storage.count_calls() == 0


def test_same_call_id_with_other_audio_needs_force(storage, settings, fake_pipeline, tmp_path,
                                                   tone, sidecar):
    a = tone(tmp_path / "1" / "x.wav")
    b = tone(tmp_path / "2" / "x.wav", freq=900)
    _ingestor(storage, settings, fake_pipeline).ingest([a])
    rep = _ingestor(storage, settings, fake_pipeline).ingest([b])
    assert rep.outcomes[0].status == "failed" and "--force" in rep.outcomes[0].message
    rep = _ingestor(storage, settings, fake_pipeline, force=True).ingest([b])
    assert rep.outcomes[0].status == "processed"
    assert storage.get_call("x").summary.content_hash == sha256_file(b)


def test_cdr_in_folder_and_bad_row(storage, settings, fake_pipeline, tmp_path, tone):
    d = tmp_path / "pbx"
    tone(d / "out-79171234567-101-20260903-101200-1725347520.123.wav")
    tone(d / "in-200-79179998877-20260904-090000-1725430000.7.wav", freq=900)
    good = ('"vinparts","101","79171234567","from-internal","","SIP/101-1","SIP/t-2","Dial","",'
            '"2026-09-03 10:12:00","2026-09-03 10:12:05","2026-09-03 10:13:30","90","85",'
            '"ANSWERED","DOCUMENTATION","1725347520.123",""')
    bad = ('"x","79179998877","200","from-trunk","","SIP/t-1","SIP/205-1","Queue","",'
           '"not a date","","","abc","1","ANSWERED","3","1725430000.7",""')
    (d / "Master.csv").write_text(good + "\n" + bad + "\n", encoding="utf-8")
    rep = _ingestor(storage, settings, fake_pipeline, cdr_timezone="Europe/Moscow").ingest([d])
    assert rep.counts == {"processed": 2, "skipped": 0, "failed": 0}
    assert any("line 2" in w for w in rep.warnings)
    out = storage.get_call("out-79171234567-101-20260903-101200-1725347520.123").summary
    assert (out.tenant, out.direction, out.customer_number) == ("vinparts", "outbound",
                                                                "79171234567")
    inb = [o for o in rep.outcomes if "1725430000.7" in o.path][0]
    assert inb.tenant == "default" and any("line 2" in w for w in inb.warnings)
    warns = [e for e in storage.list_errors() if e.level == "warning"]
    assert any("line 2" in e.message for e in warns)


def test_analysis_hook_is_called_and_its_failure_keeps_the_call(storage, settings,
                                                                fake_pipeline, tmp_path, tone):
    seen = []

    def hook(st, call, conv, s):
        seen.append((call.call_id, len(conv.utterances)))
        raise RuntimeError("model missing")

    ing = BatchIngestor(storage, settings, IngestOptions(), pipeline=fake_pipeline,
                        analysis_hook=hook)
    rep = ing.ingest([tone(tmp_path / "a.wav")])
    assert seen == [("a", 2)]
    assert rep.outcomes[0].status == "processed" and "analysis failed" in rep.outcomes[0].warnings[0]
    assert storage.get_call("a")


CRASH_SCRIPT = r"""
import sys, time
from pathlib import Path
from callqa.settings import load_settings
from callqa.storage import Storage
from callqa.ingest import BatchIngestor, IngestOptions
from callqa.audio import decode_audio
from callqa.conversation import Conversation, Utterance
from callqa.pipeline import ProcessedRecording, StageResult

db, data, folder, marker = sys.argv[1:5]
settings = load_settings(database_url=db, data_dir=data)

class Slow:
    def process(self, source, meta, vocabulary=None):
        decode_audio(source)
        if Path(source).name == "c1.wav":
            Path(marker).write_text("busy")
            time.sleep(120)  # killed here
        conv = Conversation(meta, [Utterance("operator", "Алло, здравствуйте", 0.0, 1.0)], 1.0)
        return ProcessedRecording(conv, [StageResult("asr", "ok", 0.0)], {})

BatchIngestor(Storage.from_settings(settings), settings, IngestOptions(), pipeline=Slow(),
              analysis_hook=None).ingest([folder])
"""


def test_killed_process_leaves_no_half_call_and_rerun_resumes(storage, settings, fake_pipeline,
                                                              tmp_path, tone):
    import subprocess
    import sys
    import time

    d = tmp_path / "in"
    for i in range(3):
        tone(d / f"c{i}.wav", freq=300 + 100 * i)
    marker = tmp_path / "busy"
    proc = subprocess.Popen([sys.executable, "-c", CRASH_SCRIPT, settings.database_url,
                             str(settings.data_dir), str(d), str(marker)])
    try:
        deadline = time.time() + 120
        while not marker.exists():
            assert proc.poll() is None, "the ingest process ended before the crash point"
            assert time.time() < deadline
            time.sleep(0.1)
    finally:
        proc.kill()  # SIGKILL: no cleanup code runs
        proc.wait()
    assert [c.call_id for c in storage.list_calls()] == ["c0"]
    assert [r.source_path for r in storage.list_runs(status="running")] == [str(d / "c1.wav")]

    rep = _ingestor(storage, settings, fake_pipeline).ingest([d])
    assert rep.counts == {"processed": 2, "skipped": 1, "failed": 0}
    assert sorted(fake_pipeline.calls) == ["c1.wav", "c2.wav"]
    assert not storage.list_runs(status="running")
    assert len(storage.list_runs(status="interrupted")) == 1
    assert {c.call_id for c in storage.list_calls()} == {"c0", "c1", "c2"}
