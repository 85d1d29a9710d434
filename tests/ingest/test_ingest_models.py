"""End to end with the real models: ``callqa ingest`` (subprocess, as a user runs it) on a
sample recording, then show / search / export from the stored call.

One short stereo call (rec-0017, 30 s) keeps CI time low; the full accuracy run over all
recordings is ``bench/accuracy.py``.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from callqa.ingest import AUDIO_EXTENSIONS
from callqa.settings import load_settings
from callqa.storage import Storage

pytestmark = [pytest.mark.models, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "recordings_sample"
CALL = "rec-0017"
MONO = "mono-0036"  # a mono mix: diarization decides who is who


def _callqa(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from callqa.cli import main; main()", *args],
                          env=env,
                          capture_output=True, text=True, timeout=600, cwd=REPO)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    settings = load_settings()
    if not (Path(settings.models_dir) / settings.asr_model / "model.bin").is_file():
        pytest.skip(f"models not found under {settings.models_dir} (set CALLQA_MODELS_DIR)")
    tmp = tmp_path_factory.mktemp("e2e")
    inbox = tmp / "inbox"
    inbox.mkdir()
    for name in (CALL, MONO):
        audio = next(p for p in SAMPLE.glob(f"{name}.*") if p.suffix in AUDIO_EXTENSIONS)
        shutil.copy(audio, inbox)
        shutil.copy(SAMPLE / f"{name}.json", inbox)
    env = {**os.environ, "CALLQA_DATABASE_URL": f"sqlite:///{tmp / 'e2e.db'}",
           "CALLQA_DATA_DIR": str(tmp / "data"), "CALLQA_MODELS_DIR": str(settings.models_dir),
           "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    first = _callqa("ingest", str(inbox), env=env)
    second = _callqa("ingest", str(inbox), env=env)
    ref = json.loads((SAMPLE / f"{CALL}.ref.json").read_text(encoding="utf-8"))
    return {"env": env, "first": first, "second": second, "ref": ref, "tmp": tmp,
            "url": env["CALLQA_DATABASE_URL"]}


def test_ingest_prints_summary_and_stores_call(ingested):
    r = ingested["first"]
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"{CALL}" in r.stdout and "tenant telecom-tv" in r.stdout
    assert "Operator:" in r.stdout
    assert "2 processed, 0 skipped as duplicate, 0 failed" in r.stdout
    r2 = ingested["second"]
    assert r2.returncode == 0 and f"duplicate of telecom-tv/{CALL}" in r2.stdout
    assert "0 processed, 2 skipped as duplicate, 0 failed" in r2.stdout


def test_mono_mix_is_diarized_into_both_roles(ingested):
    st = Storage.open(ingested["url"])
    rec = st.get_call(MONO)
    assert rec.summary.channels == 1
    roles = {u.role for u in rec.conversation.utterances}
    assert roles == {"operator", "customer"}
    run = st.list_runs(content_hash=rec.summary.content_hash)[0]
    diar = [x for x in run.stages if x.name == "diarization"]
    assert diar and diar[0].status == "ok"
    assert "diarization" in rec.provenance


def test_roles_and_every_reference_utterance_found(ingested):
    st = Storage.open(ingested["url"])
    rec = st.get_call(CALL)
    s = rec.summary
    assert (s.tenant, s.direction, s.channels, s.sample_rate) == ("telecom-tv", "outbound", 2,
                                                                   8000)
    assert Path(s.audio_path).is_file()
    utts = rec.conversation.utterances
    assert utts and all(u.start is not None for u in utts)
    # roles: at least half of every stored utterance lies inside reference turns of its role
    # (overlapping speech means the nearest turn may be the other side's)
    ref = ingested["ref"]["utterances"]

    def overlap(a0, a1, b0, b1):
        return max(0.0, min(a1, b1) - max(a0, b0))

    for u in utts:
        same = sum(overlap(u.start, u.end, r["start"], r["end"]) for r in ref
                   if r["speaker"] == u.role)
        assert same >= 0.5 * (u.end - u.start), (u, same)
    for r in ref:  # every reference utterance is covered by a stored one of its role
        assert any(overlap(u.start, u.end, r["start"], r["end"]) > 0 and u.role == r["speaker"]
                   for u in utts), r
    run = st.list_runs(content_hash=s.content_hash)[0]
    assert run.status == "done"
    assert {"decode", "asr", "roles"} <= {x.name for x in run.stages}
    assert "faster-whisper" in json.dumps(run.provenance)


def test_show_search_export_on_real_transcript(ingested):
    env = ingested["env"]
    show = _callqa("show", CALL, env=env)
    assert show.returncode == 0 and "Operator:" in show.stdout and "Customer:" in show.stdout
    st = Storage.open(ingested["url"])
    conv = st.get_call(CALL).conversation
    # search for the lemma of a long word the ASR produced, in another word form's lemma
    word = max((w for u in conv.utterances for w in u.text.split()), key=len).strip(".,!?")
    hits = st.search(word)
    assert hits and hits[0].call_id == CALL
    vtt = _callqa("export", CALL, "--format", "vtt", env=env)
    assert vtt.returncode == 0 and vtt.stdout.startswith("WEBVTT")
    assert vtt.stdout.count("-->") == len(conv.utterances)
    rttm = _callqa("export", CALL, "--format", "rttm", env=env).stdout.splitlines()
    assert len(rttm) == len(conv.utterances) and rttm[0].startswith(f"SPEAKER {CALL} 1 ")
