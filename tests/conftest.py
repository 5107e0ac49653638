"""Fixtures for tests that run ``handraise`` as a separate process."""

import os
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings


@pytest.fixture
def handraise_env(tmp_path: Path):
    """Environment for a ``handraise`` child process with its own empty database.

    On SQLite that is a file in a fresh data dir; on PostgreSQL a scratch
    database created for the test and dropped after it, so the child never
    touches the suite's own test database.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDRAISE_")}
    env["HANDRAISE_DATA_DIR"] = str(tmp_path / "data")
    db = settings.DATABASES["default"]
    scratch = None
    if db["ENGINE"] == "django.db.backends.postgresql":
        scratch = f"handraise_cli_{uuid.uuid4().hex[:10]}"
        admin_url = _pg_url(db, "postgres")
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{scratch}"')
        env["HANDRAISE_DATABASE_URL"] = _pg_url(db, scratch)
    yield env
    if scratch:
        with psycopg.connect(_pg_url(db, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def _pg_url(db: dict, name: str) -> str:
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgresql://{user}{password}@{host}:{port}/{name}"
