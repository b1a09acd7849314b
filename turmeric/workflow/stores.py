"""Opening a store by URL: `postgresql://...` (or `postgres://`) is PostgreSQL, anything else
a SQLite file (`sqlite:///path` or a plain path). The default is TURMERIC_STORE, else
turmeric.db in the current folder."""
from __future__ import annotations

import os

from turmeric.workflow.sqlite_store import SqliteStore

DEFAULT_STORE = "turmeric.db"


def store_url(url: str | None) -> str:
    return url or os.environ.get("TURMERIC_STORE") or DEFAULT_STORE


def open_store(url: str | None = None):
    url = store_url(url)
    if url.startswith(("postgresql://", "postgres://")):
        from turmeric.workflow.pg_store import PgStore   # start-up: psycopg loads only for PostgreSQL (~40 ms)
        return PgStore(url)
    if url.startswith("sqlite://"):
        url = url[len("sqlite://"):]
    return SqliteStore(url)
