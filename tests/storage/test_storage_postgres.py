"""The same storage code on PostgreSQL (the documented growth path).

Uses ``CALLQA_TEST_POSTGRES_URL`` when set (a server URL whose user may create databases);
otherwise starts a throwaway cluster when PostgreSQL's ``initdb`` is installed; else skips.
Each test gets a fresh database.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

psycopg = pytest.importorskip("psycopg")

from sqlalchemy import create_engine, text  # noqa: E402

from callqa.storage import AudioInfo, CallFilter, DuplicateCallError, Storage  # noqa: E402
from callqa.storage.db import table_names  # noqa: E402


def _find_initdb() -> Path | None:
    for d in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (d / "initdb").is_file():
            return d
    w = shutil.which("initdb")
    return Path(w).parent if w else None


@pytest.fixture(scope="module")
def pg_server(tmp_path_factory):
    url = os.environ.get("CALLQA_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    bindir = _find_initdb()
    if bindir is None:
        pytest.skip("no PostgreSQL server available (set CALLQA_TEST_POSTGRES_URL)")
    base = tmp_path_factory.mktemp("pg")
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser: cannot start PostgreSQL")
        prefix = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, "postgres")
        base.chmod(0o755)
        for parent in base.parents:  # the postgres user must reach the socket folder
            if str(parent).startswith("/tmp/") and parent.stat().st_mode & 0o005 != 0o005:
                parent.chmod(parent.stat().st_mode | 0o005)
    data, port = base / "data", 55000 + os.getpid() % 1000
    try:
        subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U",
                        "postgres"], check=True, capture_output=True, timeout=120)
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l",
                        str(base / "log"), "-w", "-o",
                        f"-k {base} -p {port} -c listen_addresses=''", "start"],
                       check=True, capture_output=True, timeout=120)
    except (subprocess.CalledProcessError, OSError) as e:
        pytest.skip(f"cannot start a PostgreSQL cluster: {e}")
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={base}&port={port}"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True, timeout=60)


@pytest.fixture
def pg(pg_server):
    name = "callqa_t_" + uuid.uuid4().hex[:10]
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, query = pg_server.partition("?")
    url = base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")
    st = Storage.open(url)
    yield st
    st.close()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_and_roundtrip(pg, make_conv):
    assert pg.engine.dialect.name == "postgresql"
    names = set(table_names(pg.engine))
    assert {"calls", "utterances", "processing_runs", "run_stages", "ingest_errors"} <= names
    assert "utterance_fts" not in names  # SQLite-only index
    conv = make_conv("c1")
    run = pg.start_run(source_path="/x.wav", content_hash="h1")
    pg.save_conversation(conv, audio=AudioInfo(content_hash="h1"), run_id=run,
                         stages=[{"name": "asr", "status": "ok", "seconds": 1.0}])
    got = pg.get_call("c1").conversation
    assert got.meta.started_at == conv.meta.started_at
    assert [u.text for u in got.utterances] == [u.text for u in conv.utterances]
    assert pg.get_run(run).status == "done"
    with pytest.raises(DuplicateCallError):
        pg.save_conversation(make_conv("c2"), audio=AudioInfo(content_hash="h1"))
    s = pg.save_conversation(make_conv("c1", texts=[("operator", "новый")]),
                             audio=AudioInfo(content_hash="h1"), replace=True)
    assert s.n_utterances == 1
    assert [c.call_id for c in pg.list_calls(CallFilter(tenant="vinparts"))] == ["c1"]


def test_search_fallback_finds_word_forms(pg, make_conv):
    pg.save_conversation(make_conv("c1"))
    pg.save_conversation(make_conv("c2", texts=[("customer", "Я звонил вчера насчёт доставки")]))
    ids = sorted((h.call_id, h.utterance_index) for h in pg.search("звонить"))
    assert ids == [("c1", 1), ("c2", 0)]
    assert [(h.call_id, h.utterance_index) for h in pg.search('"не звонить"')] == [("c1", 1)]
    assert {h.call_id for h in pg.search("доставка")} == {"c2"}
    assert pg.search("звонить", role="operator") == []
