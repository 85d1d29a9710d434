"""Import every module that defines tables, so ``Base.metadata`` is complete.

Alembic's env.py and ``create_all`` in tests import this module. Table modules added later by
other parts of the project (``models_*``, ``*analytics*``, ``dnc*``, ``scores*`` in this
package) are found automatically, so nobody has to edit a central list.
"""
from __future__ import annotations

import importlib
import pkgutil

import callqa.storage as _pkg
from callqa.storage import models as _models  # noqa: F401  (the call tables)
from callqa.storage.base import Base

_SKIP = {"schema", "db", "repository", "search", "types", "migrations"}


def _import_table_modules() -> list[str]:
    found: list[str] = []
    for info in pkgutil.iter_modules(_pkg.__path__):
        name = info.name
        if info.ispkg or name in _SKIP:
            continue
        if name.startswith("models") or "analytics" in name or name.startswith(("dnc", "scores")):
            importlib.import_module(f"callqa.storage.{name}")
            found.append(name)
    return found


TABLE_MODULES = _import_table_modules()
metadata = Base.metadata

__all__ = ["Base", "metadata", "TABLE_MODULES"]
