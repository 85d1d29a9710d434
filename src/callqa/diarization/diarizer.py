"""``Diarizer``: pyannote.audio 4 ``SpeakerDiarization`` built from local model folders.

Built as in the models' INSTALL.md recipe: segmentation-3.0 plus the Resemblyzer GE2E speaker
embedding (the pipeline's hub defaults are never touched), agglomerative clustering, audio passed
in memory (no torchcodec). Models are loaded on first use and reused.
"""
from __future__ import annotations

import importlib.util
import logging
import os
import sys
import threading
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from callqa.diarization.refine import RefineOptions, TwoSpeakerRefiner
from callqa.diarization.types import Diarization, SpeakerTurn
from callqa.errors import ModelNotFoundError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DiarizerOptions:
    num_speakers: int | None = 2
    min_speakers: int | None = None
    max_speakers: int | None = None
    clustering_method: str = "centroid"
    clustering_threshold: float = 0.35
    min_cluster_size: int = 12
    min_duration_off: float = 0.0
    embedding_exclude_overlap: bool = True
    segmentation_step: float = 0.1  # fraction of the 10 s window between chunks
    torch_threads: int = 1


def _load_module(name: str, path: Path) -> Any:
    """Import a single-file module shipped inside a model folder, without touching sys.path."""
    if name in sys.modules and getattr(sys.modules[name], "__file__", None) == str(path):
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ModelNotFoundError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class Diarizer:
    """Speaker turns for a mono recording (16 kHz float32)."""

    def __init__(
        self,
        segmentation: str | Path = "pyannote-segmentation-3.0",
        embedding: str | Path = "resemblyzer-ge2e",
        *,
        models_dir: str | Path | None = None,
        options: DiarizerOptions | None = None,
        refiner: TwoSpeakerRefiner | None = None,
    ) -> None:
        self.segmentation = str(segmentation)
        self.embedding = str(embedding)
        self.models_dir = Path(models_dir) if models_dir else None
        self.options = options or DiarizerOptions()
        self.refiner = refiner  # optional stage after pyannote (two-speaker re-clustering)
        self._pipeline: Any = None
        self._embedding_model: Any = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> Diarizer:
        refine = getattr(settings, "diarization_refine", False)
        kw: dict[str, Any] = {
            "refiner": TwoSpeakerRefiner(RefineOptions()) if refine else None,
            "models_dir": settings.models_dir,
            "options": DiarizerOptions(num_speakers=settings.num_speakers,
                                       torch_threads=settings.torch_threads),
        }
        kw.update(overrides)
        return cls(settings.segmentation_model, settings.embedding_model, **kw)

    def _path(self, name: str) -> Path:
        p = Path(name).expanduser()
        if p.is_absolute() or p.exists() or self.models_dir is None:
            return p
        return self.models_dir / name

    def check_models(self) -> tuple[Path, Path]:
        seg, emb = self._path(self.segmentation), self._path(self.embedding)
        for folder, needed in ((seg, "pytorch_model.bin"), (emb, "pretrained.pt"),
                               (emb, "pyannote_resemblyzer.py")):
            if not (folder / needed).is_file():
                raise ModelNotFoundError(
                    f"diarization model not found at {folder} (expected {folder / needed}); set "
                    f"CALLQA_MODELS_DIR to the folder holding '{folder.name}'")
        return seg, emb

    @property
    def pipeline(self) -> Any:
        with self._lock:
            if self._pipeline is None:
                self._pipeline = self._build()
            return self._pipeline

    def _build(self) -> Any:
        seg_path, emb_path = self.check_models()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch

        torch.set_num_threads(self.options.torch_threads)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pyannote.audio import Model
            from pyannote.audio.core.plda import PLDA
            from pyannote.audio.pipelines import SpeakerDiarization

            resemblyzer = _load_module("pyannote_resemblyzer", emb_path / "pyannote_resemblyzer.py")
        log.info("loading diarization models %s + %s", seg_path, emb_path)
        segmentation = Model.from_pretrained(str(seg_path))
        embedding = resemblyzer.ResemblyzerEmbedding.from_file(emb_path / "pretrained.pt")
        pipeline = SpeakerDiarization(
            segmentation=segmentation,
            embedding=embedding,
            plda=PLDA.__new__(PLDA),  # only VBx clustering uses PLDA; a placeholder avoids the hub
            clustering="AgglomerativeClustering",
            embedding_exclude_overlap=self.options.embedding_exclude_overlap,
            segmentation_step=self.options.segmentation_step,
        )
        self._embedding_model = embedding
        pipeline.instantiate({
            "segmentation": {"min_duration_off": self.options.min_duration_off},
            "clustering": {"method": self.options.clustering_method, "min_cluster_size": self.options.min_cluster_size,
                           "threshold": self.options.clustering_threshold},
        })
        return pipeline

    def embed(self, waveforms: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Speaker embeddings of 16 kHz chunks ``(batch, samples)``; ``weights`` ``(batch, frames)``
        marks the frames to use (NaN rows when too little is left). Used by the refiner."""
        import torch

        _ = self.pipeline
        torch.set_num_threads(self.options.torch_threads)
        x = torch.from_numpy(np.ascontiguousarray(waveforms, dtype=np.float32))[:, None]
        w = None if weights is None else torch.from_numpy(np.ascontiguousarray(weights, dtype=np.float32))
        with torch.inference_mode():
            return self._embedding_model(x, w).numpy()

    def provenance(self) -> dict[str, Any]:
        import pyannote.audio

        return {"segmentation_model": self.segmentation, "embedding_model": self.embedding,
                "options": asdict(self.options), "pyannote_audio": pyannote.audio.__version__,
                "refiner": asdict(self.refiner.options) if self.refiner else None}

    def __call__(self, samples: np.ndarray, sample_rate: int = 16000,
                 num_speakers: int | None = None) -> Diarization:
        """Diarize; labels are "S0", "S1", ... in order of first appearance."""
        import torch

        torch.set_num_threads(self.options.torch_threads)
        pipeline = self.pipeline
        wav = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))[None]
        n = num_speakers if num_speakers is not None else self.options.num_speakers
        kw: dict[str, Any] = {}
        if n:
            kw["num_speakers"] = n
        else:
            if self.options.min_speakers:
                kw["min_speakers"] = self.options.min_speakers
            if self.options.max_speakers:
                kw["max_speakers"] = self.options.max_speakers
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = pipeline({"waveform": wav, "sample_rate": sample_rate}, **kw)
        regular = getattr(out, "speaker_diarization", out)
        exclusive = getattr(out, "exclusive_speaker_diarization", regular)
        raw_turns = [(float(t.start), float(t.end), str(s))
                     for t, _, s in regular.itertracks(yield_label=True)]
        raw_excl = [(float(t.start), float(t.end), str(s))
                    for t, _, s in exclusive.itertracks(yield_label=True)]
        order: dict[str, str] = {}
        for _, _, s in sorted(raw_turns):
            order.setdefault(s, f"S{len(order)}")
        for _, _, s in sorted(raw_excl):
            order.setdefault(s, f"S{len(order)}")
        result = Diarization(
            turns=[SpeakerTurn(round(a, 3), round(b, 3), order[s]) for a, b, s in sorted(raw_turns)],
            exclusive=[SpeakerTurn(round(a, 3), round(b, 3), order[s]) for a, b, s in sorted(raw_excl)],
        )
        if self.refiner is not None:
            result = self.refiner(samples, sample_rate, result, self.embed)
        return result
