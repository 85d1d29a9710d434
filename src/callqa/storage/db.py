"""Engines, sessions and migrations.

SQLite is the default (one file, WAL so readers never block the ingest writer, foreign keys
on, a busy timeout so two processes wait instead of failing). Everything SQLite-specific is
behind a dialect check here or in the migrations, so a PostgreSQL URL works through the same
code.
"""
from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine; for SQLite files, create the parent folder and set the pragmas."""
    u = make_url(url)
    kwargs: dict = {"echo": echo, "future": True}
    if u.get_backend_name() == "sqlite":
        db = u.database or ""
        if db and db != ":memory:" and not db.startswith("file:"):
            Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
    return engine


def _sqlite_on_connect(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
    cur = dbapi_conn.cursor()
    try:
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        mode = cur.execute("PRAGMA journal_mode").fetchone()
        if mode and str(mode[0]).lower() != "memory":
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
    finally:
        cur.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded attributes after commit (we convert to plain data anyway)."""
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)


def alembic_config(engine_or_url: Engine | str):
    """An Alembic ``Config`` pointing at the migrations shipped inside the package."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    url = engine_or_url if isinstance(engine_or_url, str) else \
        engine_or_url.url.render_as_string(hide_password=False)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_to_head(engine_or_url: Engine | str) -> str | None:
    """Bring the database schema to the newest migration; returns the revision reached.

    Runs on every start: cheap when already current. Uses the given engine's connection so
    the SQLite pragmas apply and an in-memory test database is migrated in place.
    """
    # Alembic's INFO lines ("Context impl SQLiteImpl") are noise on every CLI start.
    alembic_log = logging.getLogger("alembic")
    if alembic_log.level == logging.NOTSET and not logging.getLogger().isEnabledFor(logging.DEBUG):
        alembic_log.setLevel(logging.WARNING)
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with engine.connect() as conn:
        rev = MigrationContext.configure(conn).get_current_revision()
    log.debug("database at revision %s", rev)
    return rev


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


_FTS_SUFFIXES = ("_fts", "_fts_data", "_fts_idx", "_fts_docsize", "_fts_config", "_fts_content")


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
    """Alembic filter: FTS5 virtual tables and their shadow tables are managed by hand."""
    return not (type_ == "table" and name and name.endswith(_FTS_SUFFIXES))


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())
