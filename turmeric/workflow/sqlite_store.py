"""The embedded store: one SQLite file in WAL mode, every change one `BEGIN IMMEDIATE`
transaction (so writers queue on the file's lock and never interleave), `synchronous=FULL`
so a commit survives a power loss, not only a killed process."""
from __future__ import annotations

import os
import sqlite3
import time

from turmeric.data.errors import TurmericError
from turmeric.workflow.store import Store, store_error

# the module sources the stored states name, by hash (workflow/code.py)
CODE_TABLE = "CREATE TABLE turmeric_code (hash TEXT PRIMARY KEY, module TEXT NOT NULL, source BLOB NOT NULL)"
SCHEMA = (
    "CREATE TABLE turmeric_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE workflows (id TEXT PRIMARY KEY, status TEXT NOT NULL, ready_at REAL, wait_kind TEXT, "
    "wait_topic TEXT, wake_at REAL, state BLOB, seq INTEGER NOT NULL DEFAULT 0, result BLOB, error TEXT, "
    "parent TEXT, lease_owner TEXT, lease_until REAL, file TEXT, fn TEXT, created REAL NOT NULL, "
    "updated REAL NOT NULL, runs INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX workflows_ready ON workflows (ready_at, created, id)",
    "CREATE INDEX workflows_status ON workflows (status)",
    "CREATE TABLE messages (n INTEGER PRIMARY KEY AUTOINCREMENT, wf_id TEXT NOT NULL, topic TEXT NOT NULL, "
    "message_id TEXT NOT NULL, value BLOB NOT NULL, consumed INTEGER NOT NULL DEFAULT 0, sent REAL NOT NULL, "
    "UNIQUE (wf_id, message_id))",
    "CREATE INDEX messages_mailbox ON messages (wf_id, topic, consumed, n)",
    "CREATE TABLE steps (wf_id TEXT NOT NULL, seq INTEGER NOT NULL, step_key TEXT NOT NULL, name TEXT NOT NULL, "
    "result BLOB NOT NULL, at REAL NOT NULL, PRIMARY KEY (wf_id, seq))",
    "CREATE TABLE chunks (hash TEXT PRIMARY KEY, data BLOB NOT NULL)",
    CODE_TABLE,
)
UPGRADES = {"1": (CODE_TABLE,)}     # schema 1 had no code table


class SqliteStore(Store):
    schema = SCHEMA
    upgrades = UPGRADES

    def __init__(self, path: str):
        self.url = path
        self.path = path
        self._sql_cache = {}
        if os.path.isdir(path):
            raise store_error(path, "it is a directory")
        try:
            self.conn = sqlite3.connect(path, isolation_level=None, timeout=60, check_same_thread=False)
            self.conn.execute("PRAGMA busy_timeout = 60000")
            mode = self._wal_mode()
            self.conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.DatabaseError as e:
            raise store_error(path, str(e)) from None
        if str(mode).lower() != "wal":
            raise store_error(path, f"it cannot be put in WAL mode (journal mode {mode})")
        self.init_schema()

    def _wal_mode(self) -> str:
        """Put the file in WAL mode (once per file; a no-op after). Switching a new file's
        journal needs it alone, and SQLite answers "database is locked" at once, without
        its busy timeout, when another process is opening the same new file: two servers
        or workers started together. So that is retried, for as long as the busy timeout."""
        delay, waited = 0.005, 0.0
        while True:
            try:
                return self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            except sqlite3.OperationalError as e:
                if not self._retryable(e) or waited > 60:
                    raise
            time.sleep(delay)
            waited += delay
            delay = min(delay * 2, 0.2)

    def _tables(self) -> set:
        return {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                "AND name NOT LIKE 'sqlite_%'")}

    def _execute(self, sql, params=()):
        try:
            return self.conn.execute(sql, params)
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                raise
            raise TurmericError("io", f"the workflow store {self.path}: {e}") from None

    def _begin(self, gc_shared: bool = False):
        self.conn.execute("BEGIN IMMEDIATE")     # excludes every other writer, a collection too

    def _end(self, ok: bool):
        if self.conn.in_transaction:
            self.conn.execute("COMMIT" if ok else "ROLLBACK")

    def _retryable(self, e):
        return isinstance(e, sqlite3.OperationalError) and ("locked" in str(e) or "busy" in str(e))

    def close(self):
        self.conn.close()

    def reopen(self):
        return SqliteStore(self.path)
