"""The shared store: PostgreSQL through psycopg 3, the schema and SQL of store.py.

Several workers on several machines share it. A claim is `SELECT ... FOR UPDATE SKIP LOCKED`
(workers never wait for each other's rows) plus a lease; a state change locks the workflow's
row and checks the lease (store.Store.commit); a message locks its target's row, so a park
and a delivery never miss each other. A deadlock between two transactions that send to each
other's workflows is retried."""
from __future__ import annotations

import time

import psycopg
from psycopg import errors as pg_errors

from turmeric.data.errors import TurmericError
from turmeric.workflow.store import Store

# the module sources the stored states name, by hash (workflow/code.py)
CODE_TABLE = "CREATE TABLE turmeric_code (hash TEXT PRIMARY KEY, module TEXT NOT NULL, source BYTEA NOT NULL)"
SCHEMA = (
    "CREATE TABLE turmeric_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE workflows (id TEXT PRIMARY KEY, status TEXT NOT NULL, ready_at DOUBLE PRECISION, "
    "wait_kind TEXT, wait_topic TEXT, wake_at DOUBLE PRECISION, state BYTEA, seq BIGINT NOT NULL DEFAULT 0, "
    "result BYTEA, error TEXT, parent TEXT, lease_owner TEXT, lease_until DOUBLE PRECISION, file TEXT, fn TEXT, "
    "created DOUBLE PRECISION NOT NULL, updated DOUBLE PRECISION NOT NULL, runs INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX workflows_ready ON workflows (ready_at, created, id)",
    "CREATE INDEX workflows_status ON workflows (status)",
    "CREATE TABLE messages (n BIGSERIAL PRIMARY KEY, wf_id TEXT NOT NULL, topic TEXT NOT NULL, "
    "message_id TEXT NOT NULL, value BYTEA NOT NULL, consumed INTEGER NOT NULL DEFAULT 0, "
    "sent DOUBLE PRECISION NOT NULL, UNIQUE (wf_id, message_id))",
    "CREATE INDEX messages_mailbox ON messages (wf_id, topic, consumed, n)",
    "CREATE TABLE steps (wf_id TEXT NOT NULL, seq BIGINT NOT NULL, step_key TEXT NOT NULL, name TEXT NOT NULL, "
    "result BYTEA NOT NULL, at DOUBLE PRECISION NOT NULL, PRIMARY KEY (wf_id, seq))",
    "CREATE TABLE chunks (hash TEXT PRIMARY KEY, data BYTEA NOT NULL)",
    CODE_TABLE,
)
UPGRADES = {"1": (CODE_TABLE,)}     # schema 1 had no code table


class PgStore(Store):
    schema = SCHEMA
    upgrades = UPGRADES
    ph = "%s"
    skip_locked = "FOR UPDATE SKIP LOCKED"
    lock_row = "FOR UPDATE"
    _gc_shared_held = False    # this transaction holds the collection's shared lock

    def __init__(self, url: str):
        self.url = url
        self._sql_cache = {}
        try:
            self.conn = psycopg.connect(url, autocommit=True, connect_timeout=30)
        except psycopg.Error as e:
            raise TurmericError("io", f"cannot connect to the workflow store {redact(url)}: "
                                      f"{str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__}",
                                hint="is the PostgreSQL server running, and the URL right?") from None
        self.init_schema()

    def _tables(self) -> set:
        return {r[0] for r in self.x("SELECT table_name FROM information_schema.tables "
                                     "WHERE table_schema = current_schema()").fetchall()}

    def _runnable(self):
        self.x("NOTIFY turmeric_runnable")    # sent when the transaction commits, once

    def waiter(self):
        return Waiter(self.url)

    def _gc_shared_lock(self):
        if not self._gc_shared_held:
            self.x("SELECT pg_advisory_xact_lock_shared(74110012)")
            self._gc_shared_held = True

    def _gc_lock(self):
        self.x("SELECT pg_advisory_xact_lock(74110012)")

    def _schema_lock(self):
        self.x("SELECT pg_advisory_xact_lock(74110011)")   # workers starting together create it once

    def _execute(self, sql, params=()):
        try:
            return self.conn.execute(sql, params)
        except (pg_errors.DeadlockDetected, pg_errors.SerializationFailure, pg_errors.UniqueViolation):
            raise
        except psycopg.OperationalError as e:
            raise TurmericError("io", f"the workflow store {redact(self.url)}: {str(e).strip()}") from None

    def _begin(self, gc_shared: bool = False):
        # with the shared lock: one round trip of two statements (the simple query protocol),
        # so a commit that names module sources or chunks pays nothing for holding off a
        # collection (measured: a journaled step's commit stays 4 round trips)
        self.conn.execute("BEGIN; SELECT pg_advisory_xact_lock_shared(74110012)" if gc_shared else "BEGIN")
        self._gc_shared_held = gc_shared

    def _end(self, ok: bool):
        self._gc_shared_held = False
        try:
            self.conn.execute("COMMIT" if ok else "ROLLBACK")
        except psycopg.OperationalError as e:
            raise TurmericError("io", f"the workflow store {redact(self.url)}: {str(e).strip()}") from None

    def _retryable(self, e):
        return isinstance(e, (pg_errors.DeadlockDetected, pg_errors.SerializationFailure))

    def close(self):
        self.conn.close()

    def reopen(self):
        return PgStore(self.url)


class Waiter:
    """A connection of its own that LISTENs for turmeric_runnable: an idle worker waits on it
    instead of sleeping, and wakes when a transaction made a workflow runnable. It listens
    from before the worker's first look for work, so a notification sent between a look and
    the wait is queued and ends the wait at once. Lease expiries and due timers send
    nothing: the wait is still bounded by the worker's poll interval."""

    def __init__(self, url: str):
        self.url = url
        self.conn = None
        self._open()

    def _open(self):
        try:
            self.conn = psycopg.connect(self.url, autocommit=True, connect_timeout=30)
            self.conn.execute("LISTEN turmeric_runnable")
        except psycopg.Error:
            self.conn = None

    def wait(self, seconds: float) -> bool:
        """True if notified within `seconds` (False also when the connection is broken: the
        worker then polls, and the waiter reconnects at the next wait)."""
        if self.conn is None or self.conn.closed:
            self._open()
            if self.conn is None:
                time.sleep(seconds)
                return False
        try:
            got = False
            for _ in self.conn.notifies(timeout=seconds, stop_after=1):
                got = True
            if got:    # the others queued meanwhile say the same: one look for work answers them
                for _ in self.conn.notifies(timeout=0.0):
                    pass
            return got
        except psycopg.Error:
            self.close()
            return False

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except psycopg.Error:
                pass
            self.conn = None


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    head, sep, tail = url.partition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, userinfo = head.partition("//")
    return f"{scheme}//{userinfo.split(':', 1)[0]}:***@{tail}"

