"""Accuracy of the speech pipeline on ../shared/recordings (prints a table).

Passes, all with the same model and decoding settings:
  bare      faster-whisper ``WhisperModel.transcribe`` on each channel, nothing else
  pipeline  ``RecordingPipeline.process`` without client vocabulary
  vocab     ``RecordingPipeline.process`` with the client's vocabulary (tenant YAML)
  --modes hotwords,prompt   extra passes giving the vocabulary to the decoder instead
Mono mixes (channels averaged) go through the pipeline with diarization: DER (collar 0.25 s,
pyannote.metrics) against the reference RTTM, role accuracy, and WER per role. Plus DER on
pyannote.audio's own sample.wav/sample.rttm.

    .venv/bin/python bench/accuracy.py [--limit N] [--no-mono] [--modes hotwords,prompt]
WER text normalisation: lowercase, ё→е, punctuation and hyphens removed (numbers as Whisper
writes them: digits vs the reference's words count as errors for every pass alike).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
warnings.filterwarnings("ignore")

import jiwer  # noqa: E402

from callqa.audio import DecodedAudio, AudioInfo, decode_audio, mono_mix  # noqa: E402
from callqa.conversation import CallMeta, Conversation  # noqa: E402
from callqa.pipeline import RecordingPipeline  # noqa: E402
from callqa.pipeline.reference import normalize_for_wer  # noqa: E402
from callqa.settings import load_settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ROLES = ("operator", "customer")


def meta_of(m: dict) -> CallMeta:
    return CallMeta(call_id=m["call_id"], tenant=m["tenant"], operator_id=m.get("operator_id"),
                    customer_number=m.get("customer_number"), direction=m.get("direction", "inbound"),
                    operator_channel=m.get("operator_channel"))


def role_texts(conv: Conversation) -> dict[str, str]:
    return {r: normalize_for_wer(" ".join(u.text for u in conv.utterances if u.role == r)) for r in ROLES}


def wer_table(refs: dict[str, list[str]], hyps: dict[str, list[str]]) -> dict[str, float]:
    out = {}
    for r in ROLES:
        pairs = [(a, b) for a, b in zip(refs[r], hyps[r]) if a]
        out[r] = jiwer.wer([a for a, _ in pairs], [b for _, b in pairs]) if pairs else float("nan")
    allp = [(a, b) for r in ROLES for a, b in zip(refs[r], hyps[r]) if a]
    out["all"] = jiwer.wer([a for a, _ in allp], [b for _, b in allp])
    return out


def annotation(turns, uri: str):
    from pyannote.core import Annotation, Segment

    ann = Annotation(uri=uri)
    for t in turns:
        if t.end > t.start:
            ann[Segment(t.start, t.end)] = t.speaker
    return ann


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", type=Path, default=ROOT.parent / "shared" / "recordings")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--no-mono", action="store_true")
    ap.add_argument("--mono-only", action="store_true", help="skip the stereo WER passes")
    ap.add_argument("--modes", default="", help="extra decoder vocabulary modes: hotwords,prompt")
    ap.add_argument("--json", type=Path, help="also write per-call results here")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from pyannote.metrics.diarization import DiarizationErrorRate

    from callqa.diarization import turns_from_rttm

    settings = load_settings()
    pipe = RecordingPipeline(settings)
    model = pipe.transcriber.model
    opts = pipe.transcriber.options
    memoize_decoder(pipe)
    extra = [m for m in args.modes.split(",") if m]
    pipes = {m: RecordingPipeline(settings, transcriber=replace_transcriber(pipe, m),
                                  diarizer=pipe.diarizer) for m in extra}

    metas = sorted(p for p in args.src.glob("*.json") if not p.name.endswith(".ref.json"))
    if args.limit:
        metas = metas[: args.limit]
    passes = [] if args.mono_only else ["bare", "pipeline", "vocab", *extra]
    refs = {r: [] for r in ROLES}
    hyps = {p: {r: [] for r in ROLES} for p in passes}
    mono_refs = {r: [] for r in ROLES}
    mono_hyps = {r: [] for r in ROLES}
    der = DiarizationErrorRate(collar=0.25)
    role_ok = 0
    n_mono = 0
    secs = {p: 0.0 for p in ["bare", "pipeline", "vocab", *extra, "mono"]}
    per_call = []
    for mp in metas:
        m = json.loads(mp.read_text(encoding="utf-8"))
        ref = json.loads((args.src / f"{m['call_id']}.ref.json").read_text(encoding="utf-8"))
        for r in ROLES:
            refs[r].append(normalize_for_wer(" ".join(u["text"] for u in ref["utterances"] if u["speaker"] == r)))
        audio = decode_audio(args.src / m["audio_file"])
        meta = meta_of(m)
        op_ch = meta.operator_channel or 0
        # (a) bare faster-whisper, same model object and settings, each channel
        t = time.perf_counter()
        for ch in range(audio.channels if passes else 0):
            segs, _ = model.transcribe(audio.channel(ch), **opts.whisper_kwargs(None))
            text = normalize_for_wer(" ".join(s.text for s in segs))
            hyps["bare"]["operator" if ch == op_ch else "customer"].append(text)
        secs["bare"] += time.perf_counter() - t
        row = {"call_id": m["call_id"]}
        for p, pl, vocab in [] if args.mono_only else [("pipeline", pipe, []), ("vocab", pipe, None),
                                                        *[(x, pipes[x], None) for x in extra]]:
            t = time.perf_counter()
            res = pl.process(audio, meta, vocab)
            secs[p] += time.perf_counter() - t
            rt = role_texts(res.conversation)
            for r in ROLES:
                hyps[p][r].append(rt[r])
        if not args.no_mono:
            mono = DecodedAudio(mono_mix(audio)[None], audio.sample_rate,
                                AudioInfo(1, audio.info.sample_rate, audio.info.duration, audio.info.codec))
            t = time.perf_counter()
            res = pipe.process(mono, replace(meta, operator_channel=None), None)
            secs["mono"] += time.perf_counter() - t
            n_mono += 1
            ref_turns = turns_from_rttm((args.src / f"{m['call_id']}.rttm").read_text(encoding="utf-8"))
            dia = res.diarization
            hyp_turns = dia.turns if dia else []
            d = der(annotation(ref_turns, m["call_id"]), annotation(hyp_turns, m["call_id"]))
            # Which diarized label is really the operator: most overlap with the reference.
            ov: dict[str, float] = {}
            for h in hyp_turns:
                for rt_ in ref_turns:
                    if rt_.speaker == "operator":
                        ov[h.speaker] = ov.get(h.speaker, 0.0) + max(0.0, min(h.end, rt_.end) - max(h.start, rt_.start))
            true_op = max(ov, key=ov.get) if ov else None
            ok = res.role_decision is not None and res.role_decision.operator == true_op
            role_ok += ok
            rt = role_texts(res.conversation)
            for r in ROLES:
                mono_refs[r].append(refs[r][-1])
                mono_hyps[r].append(rt[r])
            row.update(mono_der=round(d, 4), role_ok=ok,
                       role_conf=round(res.role_decision.confidence, 3) if res.role_decision else None)
        per_call.append(row)
        print(f"{m['call_id']}: done {row}", file=sys.stderr, flush=True)

    total_audio = sum(json.loads(p.read_text())["duration"] for p in metas)
    print(f"\nAccuracy on {len(metas)} calls ({total_audio / 60:.1f} min), model "
          f"{settings.asr_model}, beam {opts.beam_size}, VAD {opts.vad_filter}, lang {opts.language}")
    print(f"{'pass':<22}{'WER operator':>14}{'WER customer':>14}{'WER all':>10}{'time s':>9}")
    for p in passes:
        w = wer_table(refs, hyps[p])
        label = {"bare": "bare faster-whisper", "pipeline": "pipeline, no vocab",
                 "vocab": "pipeline + vocab (fix)"}.get(p, f"pipeline + {p}")
        print(f"{label:<22}{w['operator']:>14.3f}{w['customer']:>14.3f}{w['all']:>10.3f}{secs[p]:>9.1f}")
    if n_mono:
        w = wer_table(mono_refs, mono_hyps)
        print(f"{'mono mix + diar + vocab':<22}{w['operator']:>14.3f}{w['customer']:>14.3f}{w['all']:>10.3f}{secs['mono']:>9.1f}")
        print(f"\nMono mixes: DER (collar 0.25 s) = {abs(der):.4f} over {n_mono} calls "
              f"(miss/FA/confusion in per-call json); role accuracy = {role_ok}/{n_mono} "
              f"= {role_ok / n_mono:.1%}")
    sample_der(pipe, der_cls=DiarizationErrorRate)
    if args.json:
        args.json.write_text(json.dumps(per_call, ensure_ascii=False, indent=1))


def memoize_decoder(pipe: RecordingPipeline) -> None:
    """The "vocab" pass (post-correction) makes exactly the same decoder call as the "pipeline"
    pass; reuse that raw Whisper output instead of decoding the audio a third time (CPU is
    scarce). Decoder calls with other arguments (hotwords/prompt modes) are not shared."""
    import hashlib

    t = pipe.transcriber
    orig = t.transcribe_raw
    memo: dict = {}

    def cached(samples, vocabulary=None, speaker="0"):
        kw = t.options.whisper_kwargs(vocabulary)
        k = (hashlib.sha1(samples.tobytes()).hexdigest(), repr(sorted(kw.items())), speaker)
        if k not in memo:
            if len(memo) > 8:  # a call at a time: keep memory flat
                memo.clear()
            memo[k] = orig(samples, vocabulary, speaker)
        segs, info = memo[k]
        return [replace(s, words=list(s.words)) for s in segs], info

    t.transcribe_raw = cached  # type: ignore[method-assign]


def replace_transcriber(pipe: RecordingPipeline, mode: str):
    from callqa.asr import Transcriber

    t = pipe.transcriber
    new = Transcriber(t.model_name, models_dir=t.models_dir, device=t.device,
                      compute_type=t.compute_type, cpu_threads=t.cpu_threads,
                      options=replace(t.options, vocabulary_mode=mode))
    new._model = t.model  # same loaded model
    return new


def sample_der(pipe: RecordingPipeline, der_cls) -> None:
    import pyannote.audio

    from callqa.diarization import turns_from_rttm

    d = Path(pyannote.audio.__file__).parent / "sample"
    audio = decode_audio(d / "sample.wav")
    t = time.perf_counter()
    dia = pipe.diarizer(audio.channel(0), audio.sample_rate)
    el = time.perf_counter() - t
    ref = turns_from_rttm((d / "sample.rttm").read_text())
    metric = der_cls(collar=0.25)
    val = metric(annotation(ref, "sample"), annotation(dia.turns, "sample"))
    print(f"pyannote sample.wav ({audio.duration:.0f} s, 2 speakers): DER (collar 0.25 s) = "
          f"{val:.4f}, diarization {el:.1f} s")


if __name__ == "__main__":
    main()
