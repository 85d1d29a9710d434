"""Batch ingest of recordings: discovery, metadata (sidecar JSON, Asterisk CDR), dedupe by
content hash, one transaction per call, resumable. Entry object: ``BatchIngestor``."""
from callqa.ingest.batch import BatchIngestor, BatchReport, FileOutcome, IngestOptions
from callqa.ingest.discover import AUDIO_EXTENSIONS, discover, sha256_file
from callqa.ingest.metadata import (
    CdrIndex,
    ResolvedMeta,
    load_sidecar,
    read_cdr,
    resolve_meta,
    uniqueid_from_name,
)

__all__ = [
    "AUDIO_EXTENSIONS", "BatchIngestor", "BatchReport", "CdrIndex", "FileOutcome",
    "IngestOptions", "ResolvedMeta", "discover", "load_sidecar", "read_cdr", "resolve_meta",
    "sha256_file", "uniqueid_from_name",
]
