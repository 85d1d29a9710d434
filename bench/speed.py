"""Speed of the whole ingest path vs bare faster-whisper, in one process (prints a table).

  pipeline  decode (PyAV, checked) → ASR per channel (same model settings) → hallucination
            filter → vocabulary fix → roles → utterances → stored in a temporary SQLite
            database through ``callqa.storage.Storage`` (falls back to "up to roles" if the
            storage package is missing)
  bare      ``faster_whisper.decode_audio(split_stereo=True)`` + ``WhisperModel.transcribe``
            on each channel with the same settings, segments consumed
  asr-only  ``WhisperModel.transcribe`` alone on the channels our decoder produced (no decode):
            ``ours/asr`` is then everything the pipeline adds around Whisper, decode included

Both use their own loaded model (load time reported apart), the files alternate order, each
measured ``--repeat`` times (best total kept). Mono files also run diarization (pyannote), which
bare Whisper cannot do: reported on their own rows, outside the ratio.

    .venv/bin/python bench/speed.py [--src recordings_sample] [--limit N] [--repeat 1]
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
warnings.filterwarnings("ignore")

from callqa.audio import decode_audio  # noqa: E402
from callqa.conversation import CallMeta  # noqa: E402
from callqa.pipeline import RecordingPipeline  # noqa: E402
from callqa.settings import load_settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def meta_of(m: dict) -> CallMeta:
    return CallMeta(call_id=m["call_id"], tenant=m["tenant"], operator_id=m.get("operator_id"),
                    customer_number=m.get("customer_number"), direction=m.get("direction", "inbound"),
                    operator_channel=m.get("operator_channel"))


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", type=Path, default=ROOT / "recordings_sample")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    import faster_whisper
    from faster_whisper import WhisperModel

    settings = load_settings()
    tmp = tempfile.mkdtemp(prefix="callqa-speed-")
    store = None
    try:
        from callqa.storage import AudioInfo, Storage

        store = Storage.open(f"sqlite:///{tmp}/bench.db")
    except Exception as e:  # storage not available: time up to roles
        print(f"(storage unavailable: {e}; timing up to roles)", file=sys.stderr)

    t = time.perf_counter()
    pipe = RecordingPipeline(settings)
    _ = pipe.transcriber.model
    load_pipe = time.perf_counter() - t
    opts = pipe.transcriber.options
    t = time.perf_counter()
    bare_model = WhisperModel(str(pipe.transcriber.model_path), device=settings.asr_device,
                              compute_type=settings.asr_compute_type, cpu_threads=settings.asr_threads)
    load_bare = time.perf_counter() - t
    kwargs = opts.whisper_kwargs(None)

    metas = sorted(p for p in args.src.glob("*.json") if not p.name.endswith(".ref.json"))
    if args.limit:
        metas = metas[: args.limit]
    rows = []
    for i, mp in enumerate(metas):
        m = json.loads(mp.read_text(encoding="utf-8"))
        path = args.src / m["audio_file"]
        meta = meta_of(m)

        def bare() -> None:
            chans = faster_whisper.decode_audio(str(path), split_stereo=m.get("channels", 2) == 2)
            if not isinstance(chans, tuple):
                chans = (chans,)
            for c in chans:
                segs, _ = bare_model.transcribe(c, **kwargs)
                for _s in segs:
                    pass

        decoded = decode_audio(path)

        def asr_only() -> None:  # bare Whisper on OUR decoded channels: overhead of the rest
            for c in range(decoded.channels):
                segs, _ = bare_model.transcribe(decoded.channel(c), **kwargs)
                for _s in segs:
                    pass

        def ours() -> None:
            res = pipe.process(path, meta)
            if store is not None:
                a = res.provenance["audio"]
                store.save_conversation(
                    res.conversation, stages=res.stages, provenance=res.provenance, replace=True,
                    audio=AudioInfo(original_path=str(path), channels=a["channels"],
                                    sample_rate=a["sample_rate"], duration=a["duration"],
                                    format=path.suffix.lstrip(".")))

        if i == 0:  # warm-up, untimed: first-call allocations, pymorphy3 dictionaries, SQLite schema
            bare()
            ours()
        best = {"bare": float("inf"), "pipeline": float("inf"), "asr": float("inf")}
        for _ in range(args.repeat):
            order = [("bare", bare), ("asr", asr_only), ("pipeline", ours)]
            if i % 2:
                order.reverse()
            for name, fn in order:
                gc.collect()
                t = time.perf_counter()
                fn()
                best[name] = min(best[name], time.perf_counter() - t)
        rows.append((m["call_id"], m.get("channels", 2), m["duration"], best["bare"], best["pipeline"],
                     best["asr"]))
        print(f"{m['call_id']}: bare {best['bare']:.2f}s pipeline {best['pipeline']:.2f}s",
              file=sys.stderr, flush=True)

    # Python-level peak allocations of one pipeline call (tracemalloc; C++ model memory excluded)
    tracemalloc.start()
    m = json.loads(metas[0].read_text(encoding="utf-8"))
    pipe.process(args.src / m["audio_file"], meta_of(m))
    py_peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()

    print(f"\nSpeed: {len(rows)} files from {args.src}, model {settings.asr_model} "
          f"({settings.asr_compute_type}, {settings.asr_threads} thread), beam {opts.beam_size}, "
          f"VAD {opts.vad_filter}, word timestamps {opts.word_timestamps}; "
          f"storage {'SQLite (callqa.storage)' if store else 'none'}")
    print(f"{'call':<12}{'ch':>3}{'audio s':>9}{'bare s':>9}{'ours s':>9}{'ratio':>7}{'RTF ours':>10}"
          f"{'asr-only s':>12}{'ours/asr':>10}")
    for cid, ch, dur, b, p, a in rows:
        print(f"{cid:<12}{ch:>3}{dur:>9.1f}{b:>9.2f}{p:>9.2f}{p / b:>7.2f}{p / dur:>10.3f}"
              f"{a:>12.2f}{p / a:>10.2f}")
    for label, sel in (("stereo total", lambda r: r[1] == 2), ("mono total (+diar)", lambda r: r[1] == 1)):
        rs = [r for r in rows if sel(r)]
        if rs:
            dur, b, p, a = (sum(r[k] for r in rs) for k in (2, 3, 4, 5))
            print(f"{label:<15}{dur:>9.1f}{b:>9.2f}{p:>9.2f}{p / b:>7.2f}{p / dur:>10.3f}"
                  f"{a:>12.2f}{p / a:>10.2f}   (bare RTF {b / dur:.3f})")
    print(f"model load: pipeline {load_pipe:.2f}s, bare {load_bare:.2f}s (excluded above)")
    print(f"peak RSS of this process (both models + pyannote): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; current {rss_mb():.0f} MB; "
          f"Python peak allocations during one pipeline call: {py_peak:.1f} MB")


if __name__ == "__main__":
    main()
