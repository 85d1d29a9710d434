"""Finding recordings and hashing their content (pure helpers)."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

AUDIO_EXTENSIONS = (".wav", ".flac", ".mp3", ".ogg")
CDR_FILENAMES = ("master.csv",)


@dataclass
class Discovered:
    """Audio files to ingest, CDR files found beside them, and inputs that are not usable."""

    files: list[Path]
    cdr_files: list[Path]
    problems: list[tuple[Path, str]]


def is_audio(path: Path) -> bool:
    return path.suffix.lower() in AUDIO_EXTENSIONS


def discover(paths: Iterable[str | Path]) -> Discovered:
    """Expand files and folders (recursively) into audio files, in a stable order.

    A folder's ``Master.csv`` (any case) is picked up as CDR. A named file with another
    extension, or a path that does not exist, is reported as a problem (the batch goes on).
    """
    files: list[Path] = []
    cdrs: list[Path] = []
    problems: list[tuple[Path, str]] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            files.append(p)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(
                (f for f in p.rglob("*") if f.is_file() and not any(
                    part.startswith(".") for part in f.relative_to(p).parts)),
                key=lambda f: str(f.relative_to(p)),
            )
            for f in found:
                if is_audio(f):
                    add(f)
                elif f.name.lower() in CDR_FILENAMES:
                    cdrs.append(f)
        elif p.is_file():
            if is_audio(p):
                add(p)
            else:
                problems.append((p, f"not a supported audio file type ({p.suffix or 'no extension'}"
                                    f"; expected {', '.join(AUDIO_EXTENSIONS)})"))
        else:
            problems.append((p, "no such file or folder"))
    return Discovered(files=files, cdr_files=cdrs, problems=problems)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Content hash of the file's bytes: the same recording is never processed twice."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
