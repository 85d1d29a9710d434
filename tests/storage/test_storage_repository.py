from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from callqa.storage import (
    AmbiguousCallError,
    AudioInfo,
    CallFilter,
    CallNotFoundError,
    DuplicateCallError,
    Storage,
)


def test_roundtrip_keeps_meta_utterances_words_and_zone(storage, make_conv):
    conv = make_conv("c1", operator_id="op-1", customer_number="+79170000001",
                     direction="outbound")
    s = storage.save_conversation(conv, audio=AudioInfo(content_hash="a" * 64, channels=2,
                                                        sample_rate=8000, audio_path="/x.ogg"))
    assert s.n_utterances == 3 and s.channels == 2 and s.sample_rate == 8000
    rec = storage.get_call("c1")
    got = rec.conversation
    assert got.meta.operator_id == "op-1" and got.meta.direction == "outbound"
    assert got.meta.started_at == conv.meta.started_at
    assert got.meta.started_at.utcoffset().total_seconds() == 3 * 3600  # shown in its own zone
    assert [u.role for u in got.utterances] == ["operator", "customer", "operator"]
    assert [u.text for u in got.utterances] == [u.text for u in conv.utterances]
    assert got.utterances[1].words[0].text == conv.utterances[1].words[0].text
    assert got.utterances[1].start == pytest.approx(conv.utterances[1].start)


def test_duplicate_hash_and_id_raise_without_replace(storage, make_conv):
    storage.save_conversation(make_conv("c1"), audio=AudioInfo(content_hash="h1"))
    with pytest.raises(DuplicateCallError, match="same audio"):
        storage.save_conversation(make_conv("other"), audio=AudioInfo(content_hash="h1"))
    with pytest.raises(DuplicateCallError, match="already stored"):
        storage.save_conversation(make_conv("c1"), audio=AudioInfo(content_hash="h2"))
    assert storage.count_calls() == 1


def test_replace_updates_in_place_and_leaves_other_calls_alone(storage, make_conv):
    a = storage.save_conversation(make_conv("c1"), audio=AudioInfo(content_hash="h1"))
    b = storage.save_conversation(make_conv("c2"), audio=AudioInfo(content_hash="h2"))
    before_b = storage.get_call("c2")
    new = make_conv("c1", texts=[("operator", "Новый текст разговора")])
    a2 = storage.save_conversation(new, audio=AudioInfo(content_hash="h1"), replace=True)
    assert a2.pk == a.pk and a2.n_utterances == 1
    assert [u.text for u in storage.get_call("c1").conversation.utterances] == \
        ["Новый текст разговора"]
    after_b = storage.get_call("c2")
    assert after_b.summary.pk == b.pk
    assert after_b.conversation.utterances == before_b.conversation.utterances
    # the index follows: old words of c1 are gone, c2's remain
    assert {h.call_id for h in storage.search("звонить")} == {"c2"}
    assert [h.call_id for h in storage.search("новый")] == ["c1"]


def test_save_is_one_transaction(storage, monkeypatch, make_conv):
    import callqa.storage.repository as repo

    storage.save_conversation(make_conv("keep"), audio=AudioInfo(content_hash="k"))
    calls = {"n": 0}
    real = repo.lemma_text

    def boom(text):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(text)

    monkeypatch.setattr(repo, "lemma_text", boom)
    with pytest.raises(RuntimeError):
        storage.save_conversation(make_conv("half"), audio=AudioInfo(content_hash="h"))
    monkeypatch.setattr(repo, "lemma_text", real)
    assert [c.call_id for c in storage.list_calls()] == ["keep"]
    with storage.engine.connect() as c:
        n = c.execute(text("SELECT count(*) FROM utterances")).scalar()
    assert n == 3


def test_get_call_errors(storage, make_conv):
    with pytest.raises(CallNotFoundError, match="nope"):
        storage.get_call("nope")
    storage.save_conversation(make_conv("same", tenant="a"))
    storage.save_conversation(make_conv("same", tenant="b"))
    with pytest.raises(AmbiguousCallError, match="--tenant"):
        storage.get_call("same")
    assert storage.get_call("same", tenant="b").summary.tenant == "b"


def test_list_calls_filters_and_order(storage, make_conv):
    for i, (tenant, day) in enumerate([("a", 1), ("a", 3), ("b", 2)]):
        storage.save_conversation(make_conv(
            f"c{i}", tenant=tenant, started_at=datetime(2026, 9, day, tzinfo=timezone.utc)))
    assert [c.call_id for c in storage.list_calls()] == ["c1", "c2", "c0"]
    assert [c.call_id for c in storage.list_calls(CallFilter(tenant="a"))] == ["c1", "c0"]
    assert [c.call_id for c in storage.list_calls(limit=1)] == ["c1"]
    got = storage.list_calls(since=datetime(2026, 9, 2, tzinfo=timezone.utc))
    assert {c.call_id for c in got} == {"c1", "c2"}
    assert all(c.n_utterances == 3 for c in got)


def test_find_by_hash_and_runs(storage, make_conv):
    run = storage.start_run(source_path="/in/x.wav", content_hash="hh", tenant="t")
    assert storage.find_by_hash("hh") is None
    s = storage.save_conversation(make_conv("x", tenant="t"), audio=AudioInfo(content_hash="hh"),
                                  run_id=run,
                                  stages=[{"name": "asr", "status": "ok", "seconds": 1.5,
                                           "info": {"words": 10}}],
                                  provenance={"asr": {"model": "faster-whisper-base"}})
    assert storage.find_by_hash("hh").pk == s.pk
    r = storage.get_run(run)
    assert r.status == "done" and r.call_pk == s.pk and r.finished_at is not None
    assert r.stages[0].name == "asr" and r.stages[0].info == {"words": 10}
    assert r.provenance["asr"]["model"] == "faster-whisper-base"
    assert storage.get_call("x").provenance["asr"]["model"] == "faster-whisper-base"


def test_interrupted_run_is_marked_when_restarted(storage, make_conv):
    r1 = storage.start_run(source_path="/a.wav", content_hash="z")
    r2 = storage.start_run(source_path="/a.wav", content_hash="z")
    assert storage.get_run(r1).status == "interrupted"
    assert storage.get_run(r2).status == "running"
    storage.finish_run(r2, "failed", error="bad audio", error_type="AudioError")
    errs = storage.list_errors()
    assert errs[0].message == "bad audio" and errs[0].run_id == r2


def test_second_process_sees_committed_data(db_url, make_conv):
    a = Storage.open(db_url)
    b = Storage.open(db_url)
    a.save_conversation(make_conv("c1"))
    assert b.get_call("c1").summary.n_utterances == 3
