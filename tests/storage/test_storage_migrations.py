from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from callqa.storage.db import alembic_config, include_object, current_revision, make_engine, table_names, upgrade_to_head


def test_upgrade_from_empty_creates_every_table(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'x.db'}")  # parent folder is created
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert upgrade_to_head(engine) == head
    names = set(table_names(engine))
    assert {"calls", "utterances", "processing_runs", "run_stages", "ingest_errors",
            "utterance_fts"} <= names
    # idempotent: a second start is a no-op
    assert upgrade_to_head(engine) == head
    assert current_revision(engine) == head


def test_migration_chain_is_linear_and_starts_at_0001(tmp_path):
    script = ScriptDirectory.from_config(alembic_config(f"sqlite:///{tmp_path}/x.db"))
    assert len(script.get_heads()) == 1
    revs = list(script.walk_revisions())
    assert revs[-1].revision == "0001_initial" and revs[-1].down_revision is None


def test_models_match_migrations(tmp_path):
    """Autogenerate finds nothing to do: the ORM models and the migrations agree."""
    import callqa.storage.schema as schema

    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade_to_head(engine)
    with engine.connect() as c:
        ctx = MigrationContext.configure(c, opts={"include_object": include_object,
                                                  "compare_type": False})
        diff = compare_metadata(ctx, schema.metadata)
    assert diff == []


def test_sqlite_pragmas(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as c:
        assert c.execute(text("PRAGMA journal_mode")).scalar().lower() == "wal"
        assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert c.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
