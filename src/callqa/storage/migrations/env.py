"""Alembic environment for callqa: migrations ship inside the package and run on start.

``upgrade_to_head`` passes an open connection in ``config.attributes["connection"]``; the
``alembic`` command line (with ``-x`` or ``sqlalchemy.url``) works too. All table modules are
imported through ``callqa.storage.schema`` so autogenerate sees every table.
"""
from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from callqa.storage.db import include_object as _include_object
from callqa.storage.schema import metadata

config = context.config
target_metadata = metadata


def _configure(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=_include_object,
        compare_type=True,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        include_object=_include_object,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from callqa.storage.db import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    _ = (engine_from_config, pool)  # the standard imports, kept for alembic's own templates
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
