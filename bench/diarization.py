"""Fast DER-only bench for mono call recordings (no ASR).

For each call in the recordings folder: mono mix of the stereo file (channels averaged, as a mono
PBX recording would sound) → ``Diarizer`` → DER against the ``.rttm`` with pyannote.metrics
(collar 0.25 s), per call and overall, with the confusion share. pyannote's raw output and the
two-speaker refinement stage are measured on the same pyannote run, so one pass gives both
columns. Ends with pyannote.audio's own ``sample.wav``.

    .venv/bin/python bench/diarization.py [--src ../shared/recordings] [--limit N] [--calls rec-0006,rec-0027]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import time
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
warnings.filterwarnings("ignore")

from callqa.audio import decode_audio, mono_mix
from callqa.diarization import Diarizer, turns_from_rttm
from callqa.diarization.refine import RefineOptions, TwoSpeakerRefiner
from callqa.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]


def annotation(turns, uri: str):
    from pyannote.core import Annotation, Segment

    a = Annotation(uri=uri)
    for i, t in enumerate(turns):
        a[Segment(t.start, t.end), i] = t.speaker
    return a


def components(metric, ref, hyp) -> dict[str, float]:
    d = metric(ref, hyp, detailed=True)
    tot = d["total"] or 1.0
    return {"der": d["diarization error rate"], "miss": d["missed detection"] / tot,
            "fa": d["false alarm"] / tot, "conf": d["confusion"] / tot, "total": d["total"],
            "conf_s": d["confusion"], "miss_s": d["missed detection"], "fa_s": d["false alarm"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", type=Path, default=ROOT.parent / "shared" / "recordings")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--calls", default="", help="comma-separated call ids")
    ap.add_argument("--json", type=Path, default=None, help="write per-call rows here")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from pyannote.metrics.diarization import DiarizationErrorRate

    settings = load_settings()
    diarizer = Diarizer.from_settings(settings, refiner=None)
    refiner = TwoSpeakerRefiner(RefineOptions())
    metas = sorted(args.src.glob("rec-*.json"))
    metas = [p for p in metas if not p.name.endswith(".ref.json")]
    if args.calls:
        want = set(args.calls.split(","))
        metas = [p for p in metas if p.stem in want]
    if args.limit:
        metas = metas[: args.limit]
    names = ("pyannote", "refined")
    totals = {n: {"total": 0.0, "conf_s": 0.0, "miss_s": 0.0, "fa_s": 0.0, "err": 0.0} for n in names}
    secs = {"pyannote": 0.0, "refine": 0.0}
    audio_s = 0.0
    rows = []
    print(f"{'call':<10}{'dur s':>7}{'DER pya':>9}{'conf':>7}{'DER ref':>9}{'conf':>7}")
    for mp in metas:
        m = json.loads(mp.read_text(encoding="utf-8"))
        audio = decode_audio(args.src / m["audio_file"])
        mono = mono_mix(audio)
        audio_s += audio.duration
        t = time.perf_counter()
        raw = diarizer(mono, audio.sample_rate)
        secs["pyannote"] += time.perf_counter() - t
        t = time.perf_counter()
        ref_dia = refiner(mono, audio.sample_rate, raw, diarizer.embed)
        secs["refine"] += time.perf_counter() - t
        ref_turns = turns_from_rttm((args.src / f"{m['call_id']}.rttm").read_text(encoding="utf-8"))
        reference = annotation(ref_turns, m["call_id"])
        row = {"call_id": m["call_id"], "duration": round(audio.duration, 1)}
        for n, dia in zip(names, (raw, ref_dia)):
            c = components(DiarizationErrorRate(collar=0.25), reference, annotation(dia.turns, m["call_id"]))
            row[n] = {k: round(v, 4) for k, v in c.items()}
            for k in ("total", "conf_s", "miss_s", "fa_s"):
                totals[n][k] += c[k]
            totals[n]["err"] += c["der"] * c["total"]
        rows.append(row)
        print(f"{m['call_id']:<10}{audio.duration:>7.1f}{row['pyannote']['der']:>9.3f}"
              f"{row['pyannote']['conf']:>7.3f}{row['refined']['der']:>9.3f}{row['refined']['conf']:>7.3f}",
              flush=True)
    import statistics

    for n in names:
        tt = totals[n]
        tot = tt["total"] or 1.0
        med = statistics.median(r[n]["der"] for r in rows) if rows else float("nan")
        print(f"{n:<10} overall DER {tt['err'] / tot:.4f} (median {med:.4f}; miss {tt['miss_s'] / tot:.4f}, "
              f"FA {tt['fa_s'] / tot:.4f}, confusion {tt['conf_s'] / tot:.4f})")
    print(f"time: pyannote {secs['pyannote']:.1f} s, refine {secs['refine']:.1f} s for {audio_s:.0f} s audio "
          f"(RTF {secs['pyannote'] / max(audio_s, 1e-9):.3f} + {secs['refine'] / max(audio_s, 1e-9):.3f})")

    import pyannote.audio

    d = Path(pyannote.audio.__file__).parent / "sample"
    s = decode_audio(d / "sample.wav")
    raw = diarizer(s.channel(0), s.sample_rate)
    t = time.perf_counter()
    refd = refiner(s.channel(0), s.sample_rate, raw, diarizer.embed)
    el = time.perf_counter() - t
    ref = annotation(turns_from_rttm((d / "sample.rttm").read_text()), "sample")
    for n, dia in zip(names, (raw, refd)):
        c = components(DiarizationErrorRate(collar=0.25), ref, annotation(dia.turns, "sample"))
        print(f"sample.wav {n:<9} DER {c['der']:.4f} (confusion {c['conf']:.4f})")
    print(f"sample.wav refine {el:.2f} s")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
