"""CLI: ingest / calls / show / export / search through typer's CliRunner, on a real SQLite file.

ASR is replaced by a canned pipeline (speed); decoding, metadata, storage and output are real.
The end-to-end run with the real models is in tests/ingest/test_ingest_models.py.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from callqa.audio import decode_audio
from callqa.cli import app
from callqa.conversation import Conversation, Utterance, Word
from callqa.pipeline import ProcessedRecording, StageResult
from callqa.settings import get_settings


class _Canned:
    def process(self, source, meta, vocabulary=None):
        audio = decode_audio(source)
        texts = [("operator", "Компания Винпартс, здравствуйте, меня зовут Андрей."),
                 ("customer", "Больше мне не звоните, пожалуйста & <спасибо>.")]
        utts = [Utterance(r, t, i * 2.0, i * 2.0 + 1.5, [Word(" " + t, i * 2.0, i * 2.0 + 1.5)],
                          str(i)) for i, (r, t) in enumerate(texts)]
        prov = {"audio": {"channels": audio.info.channels, "sample_rate": audio.info.sample_rate,
                          "duration": audio.info.duration}}
        return ProcessedRecording(Conversation(meta, utts, audio.info.duration, prov),
                                  [StageResult("asr", "ok", 0.0)], prov)


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLQA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("CALLQA_DATA_DIR", str(tmp_path / "data"))
    import callqa.ingest.batch as batch

    monkeypatch.setattr(batch, "_default_pipeline_factory", lambda s: _Canned)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _tone(path: Path, freq: float) -> Path:
    t = np.arange(8000) / 8000
    x = 0.3 * np.sin(2 * np.pi * freq * t)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.stack([x, x * 0.5], 1), 8000)
    return path


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_ingest_summary_and_exit_codes(env):
    d = env / "in"
    a = _tone(d / "rec-1.wav", 440)
    a.with_suffix(".json").write_text(json.dumps({"tenant": "vinparts", "call_id": "R1"}))
    (d / "broken.wav").write_bytes(b"not audio at all" * 10)
    r = run("ingest", str(d), "--no-analyze")
    assert r.exit_code == 1, r.output
    assert "R1" in r.output and "tenant vinparts" in r.output
    assert "Operator:" in r.output and "Компания Винпартс" in r.output
    assert "1 processed, 0 skipped as duplicate, 1 failed" in r.output
    assert "broken.wav" in r.output
    errs = json.loads(run("errors", "--json").stdout)
    assert [Path(e["path"]).name for e in errs] == ["broken.wav"] and errs[0]["level"] == "error"
    assert "broken.wav" in run("errors").stdout
    r2 = run("ingest", str(a), "--no-analyze")
    assert r2.exit_code == 0 and "duplicate of vinparts/R1" in r2.output
    r3 = run("ingest", str(a), "--json", "--force", "--no-analyze")
    assert r3.exit_code == 0
    rep = json.loads(r3.stdout[r3.stdout.index("{"):])
    assert rep["counts"] == {"processed": 1, "skipped": 0, "failed": 0}


def test_calls_show_export_search(env):
    _tone(env / "in" / "c-1.wav", 300)
    assert run("ingest", str(env / "in"), "--no-analyze").exit_code == 0
    r = run("calls", "--json")
    assert r.exit_code == 0
    rows = json.loads(r.stdout)
    assert [x["call_id"] for x in rows] == ["c-1"] and rows[0]["n_utterances"] == 2
    assert "c-1" in run("calls").stdout

    r = run("show", "c-1")
    assert r.exit_code == 0
    assert "00:00–00:01 Operator: Компания Винпартс" in r.stdout
    assert "00:02–00:03 Customer:" in r.stdout

    vtt = run("export", "c-1", "--format", "vtt").stdout
    assert vtt.startswith("WEBVTT") and "<v Customer>" in vtt and "&amp; &lt;спасибо&gt;" in vtt
    out = env / "c.rttm"
    assert run("export", "c-1", "--format", "rttm", "-o", str(out)).exit_code == 0
    assert out.read_text().splitlines()[0] == \
        "SPEAKER c-1 1 0.000 1.500 <NA> <NA> operator <NA> <NA>"
    assert json.loads(run("export", "c-1", "-f", "json").stdout)["meta"]["call_id"] == "c-1"
    assert run("export", "c-1", "-f", "txt").stdout.startswith("# call c-1")

    hits = json.loads(run("search", "звонить", "--json").stdout)
    assert [(h["call_id"], h["utterance_index"], h["role"]) for h in hits] == \
        [("c-1", 1, "customer")]
    assert json.loads(run("search", "звонить", "--role", "operator", "--json").stdout) == []


def test_errors_exit_1_with_message(env):
    for args in (["show", "nope"], ["export", "nope", "-f", "vtt"]):
        r = run(*args)
        assert r.exit_code == 1 and "no stored call with id 'nope'" in r.output
    r = run("export", "x", "-f", "docx")
    assert r.exit_code == 1 and "unknown format" in r.output
    r = run("search", '"unclosed')
    assert r.exit_code == 1 and "unbalanced quote" in r.output
    r = run("calls")
    assert r.exit_code == 0 and "no calls stored yet" in r.output


def test_ingest_missing_path_and_missing_cdr(env):
    r = run("ingest", str(env / "nope"), "--cdr", str(env / "Master.csv"), "--no-analyze")
    assert r.exit_code == 1
    assert "no such file or folder" in r.output
    assert "CDR file" in r.output and "not found" in r.output
    empty = env / "empty"
    empty.mkdir()
    r = run("ingest", str(empty), "--no-analyze")
    assert r.exit_code == 0 and "no audio files" in r.output
