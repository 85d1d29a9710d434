"""Per-client configuration: brand names, call types, ASR vocabulary.

Each tenant is one YAML file (``<tenant>.yaml``) in the bundled ``data/`` folder or in
``Settings.tenants_dir`` (which wins), so a non-programmer can edit it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

BUNDLED_DIR = Path(__file__).parent / "data"


@dataclass
class TenantProfile:
    """What we know about a client of the call center."""

    tenant: str
    display_name: str = ""
    business: str = ""
    brand_names: list[str] = field(default_factory=list)
    call_types: list[str] = field(default_factory=list)  # empty = default taxonomy
    vocabulary: list[str] = field(default_factory=list)  # ASR hotwords: brands, models, parts
    known: bool = True  # False when no configuration exists for this tenant id


def _dirs(extra: Path | None) -> list[Path]:
    return [d for d in (extra, BUNDLED_DIR) if d is not None]


@lru_cache(maxsize=256)
def _load(tenant: str, extra_dir: str | None) -> TenantProfile:
    for d in _dirs(Path(extra_dir) if extra_dir else None):
        p = d / f"{tenant}.yaml"
        if p.is_file():
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
            return TenantProfile(
                tenant=tenant,
                display_name=data.get("display_name", tenant),
                business=data.get("business", ""),
                brand_names=list(data.get("brand_names", [])),
                call_types=list(data.get("call_types", [])),
                vocabulary=list(data.get("vocabulary", [])),
            )
    return TenantProfile(tenant=tenant, display_name=tenant, known=False)


def load_tenant(tenant: str, tenants_dir: Path | None = None) -> TenantProfile:
    """The tenant's profile; an unknown id yields an empty profile with ``known=False``."""
    return _load(tenant, str(tenants_dir) if tenants_dir else None)


def list_tenants(tenants_dir: Path | None = None) -> list[str]:
    """Every tenant id that has a configuration file."""
    ids: set[str] = set()
    for d in _dirs(tenants_dir):
        if d.is_dir():
            ids.update(p.stem for p in d.glob("*.yaml"))
    return sorted(ids)
