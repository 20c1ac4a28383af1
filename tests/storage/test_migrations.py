"""The registry's schema is what the code declares: Alembic's migrations, run from nothing on
SQLite and on PostgreSQL, give exactly ``storage/tables.py`` (no column, index or constraint the
one has and the other lacks), and every migration can be undone and done again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from storage.db import MIGRATIONS, make_engine, migrate
from storage.tables import metadata


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    url = (request.getfixturevalue("postgres_url") if request.param == "postgresql"
           else f"sqlite:///{tmp_path / 'registry.db'}")
    eng = make_engine(url)
    try:
        yield eng
    finally:
        eng.dispose()


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, metadata))


def _config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def test_the_migrations_give_exactly_the_declared_schema(engine: Engine) -> None:
    migrate(engine)
    assert _differences(engine) == []
    assert set(inspect(engine).get_table_names()) == set(metadata.tables) | {"alembic_version"}


def test_every_migration_can_be_undone_and_done_again(engine: Engine) -> None:
    migrate(engine)
    cfg = _config(engine)
    revisions = [s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions()]
    assert len(revisions) >= 8 and revisions[-1] == "0001"
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate(engine)
    assert _differences(engine) == []


def test_a_second_start_changes_nothing(engine: Engine) -> None:
    migrate(engine)
    migrate(engine)  # idempotent: every process runs it at start
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == \
            ScriptDirectory.from_config(_config(engine)).get_current_head()
