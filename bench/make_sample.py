"""Regenerate ``recordings_sample/`` from ``../shared/recordings``.

Copies a few short stereo calls (every tenant, OGG/MP3/FLAC, and the DNC pair rec-0002 →
rec-0003) with their sidecar JSON, reference and RTTM, and makes two mono mixes (as a mono PBX
would record the same call: channels averaged, 8 kHz) with their own sidecar, reference and RTTM.

    .venv/bin/python bench/make_sample.py [--src ../shared/recordings] [--dst recordings_sample]
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from callqa.audio import decode_audio, mono_mix, write_audio

ROOT = Path(__file__).resolve().parents[1]
STEREO = ["rec-0002", "rec-0003", "rec-0004", "rec-0005", "rec-0008", "rec-0017", "rec-0021",
          "rec-0036"]
MONO = {"rec-0004": "mono-0004.ogg", "rec-0036": "mono-0036.mp3"}


def find_audio(src: Path, call_id: str) -> Path:
    meta = json.loads((src / f"{call_id}.json").read_text(encoding="utf-8"))
    return src / meta["audio_file"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=ROOT.parent / "shared" / "recordings")
    ap.add_argument("--dst", type=Path, default=ROOT / "recordings_sample")
    args = ap.parse_args()
    args.dst.mkdir(parents=True, exist_ok=True)
    for cid in STEREO:
        audio = find_audio(args.src, cid)
        for p in (audio, args.src / f"{cid}.json", args.src / f"{cid}.ref.json",
                  args.src / f"{cid}.rttm"):
            shutil.copy2(p, args.dst / p.name)
    for cid, name in MONO.items():
        out = args.dst / name
        mono_id = out.stem
        decoded = decode_audio(find_audio(args.src, cid))
        write_audio(out, mono_mix(decoded), decoded.sample_rate, out_rate=8000)
        meta = json.loads((args.src / f"{cid}.json").read_text(encoding="utf-8"))
        meta.update(call_id=mono_id, channels=1, audio_file=name, format=out.suffix[1:],
                    operator_channel=None, customer_channel=None, mixed_from=cid)
        (args.dst / f"{mono_id}.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1),
                                                  encoding="utf-8")
        ref = json.loads((args.src / f"{cid}.ref.json").read_text(encoding="utf-8"))
        ref.update(call_id=mono_id, audio_file=name, mixed_from=cid)
        (args.dst / f"{mono_id}.ref.json").write_text(json.dumps(ref, ensure_ascii=False, indent=1),
                                                      encoding="utf-8")
        rttm = (args.src / f"{cid}.rttm").read_text(encoding="utf-8").replace(cid, mono_id)
        (args.dst / f"{mono_id}.rttm").write_text(rttm, encoding="utf-8")
    total = sum(p.stat().st_size for p in args.dst.iterdir())
    print(f"{args.dst}: {len(list(args.dst.iterdir()))} files, {total / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
