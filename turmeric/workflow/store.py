"""The workflow store: one schema, written once, for SQLite and PostgreSQL.

Every method that changes something is one transaction. The engine never writes a row
outside these methods, so a crash at any instant leaves each workflow before or after one
of them. The schema (spec/workflows.md, "The store"):

    turmeric_meta (key, value)          schema version, the clock's offset
    workflows     one row per workflow: status, what it waits for, its serialized state,
                  its counter (seq), result or error, parent, the lease
    messages      each workflow's mailbox; (wf_id, message_id) is unique
    steps         the journal of workflow/step results, (wf_id, seq) unique
    chunks        large values cut into chunks, by content hash (serialize/blobs.py's idea)
    turmeric_code the source of every module version a stored state names, by hash (code.py),
                  written in the transaction that stores the state: `turmeric check --store`
                  and `turmeric workflow upgrade` read a parked workflow's old code here

`ready_at` is when a workflow becomes runnable, on the store's clock: 0 for a new workflow,
one with a message, or one a runner holds (it is runnable again when the lease runs out);
the due time of a timer; NULL when it waits only for a message, or is finished.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import msgpack

from turmeric.data.errors import TurmericError
from turmeric.serialize.codestore import header_code
from turmeric.serialize.format import T_CHUNKED
from turmeric.serialize.wire import unpack

SCHEMA_VERSION = "2"     # 2: turmeric_code; a store of version 1 is upgraded in place when opened
FINISHED = ("done", "failed", "cancelled")

COLUMNS = ("id", "status", "ready_at", "wait_kind", "wait_topic", "wake_at", "state", "seq", "result",
           "error", "parent", "lease_owner", "lease_until", "file", "fn", "created", "updated", "runs")


@dataclass
class Row:
    id: str
    status: str
    ready_at: float | None
    wait_kind: str | None
    wait_topic: str | None
    wake_at: float | None
    state: bytes | None
    seq: int
    result: bytes | None
    error: str | None
    parent: str | None
    lease_owner: str | None
    lease_until: float | None
    file: str | None
    fn: str | None
    created: float
    updated: float
    runs: int


@dataclass
class Change:
    """One state change of a running workflow, committed as one transaction with what the
    workflow did since its last one: messages it consumed, sent, children it started, a
    step result to journal, chunks of large values."""
    status: str
    state: bytes | None = None
    seq: int = 0
    ready_at: float | None = None
    wait_kind: str | None = None
    wait_topic: str | None = None
    wake_at: float | None = None
    result: bytes | None = None
    error: str | None = None
    release: bool = False          # give up the lease (parked or finished)
    step: tuple | None = None      # (seq, key, name, result bytes)
    consumed: list = field(default_factory=list)     # message numbers
    sends: list = field(default_factory=list)        # (target, topic, message id, value bytes)
    children: list = field(default_factory=list)     # (id, state bytes, file, fn)
    chunks: list = field(default_factory=list)       # (hash, bytes)
    code: list = field(default_factory=list)         # module sources its states name (code.py StoreCode.take)
    reused: set = field(default_factory=set)         # names of chunks committed before, not written again
    unless_mail: str | None = None  # a park on this topic: roll back if a message waits there


class LeaseLost(Exception):
    """The runner's lease ran out and another runner took the workflow (or it was cancelled):
    what this runner did since its last commit is dropped."""


class ChunksMissing(Exception):
    """A change names chunks that this runner committed before, and so did not write again,
    but that `turmeric workflow gc` removed since (nothing named them any more): nothing was
    committed. The runner forgets which chunks it wrote and does its work again."""


class MailWaiting(Exception):
    """A park on a topic found a message already in the mailbox: nothing was committed."""


def store_error(url: str, detail: str) -> TurmericError:
    return TurmericError("io", f"{url} is not a Turmeric workflow store: {detail}",
                         hint="give --store (or TURMERIC_STORE) a new file name, an existing "
                              "Turmeric store, or a postgresql:// URL of an empty database")


class Store:
    """The SQL common to both stores; a subclass connects and says how to begin a transaction."""

    url = ""
    ph = "?"                  # the placeholder of the driver
    skip_locked = ""          # "FOR UPDATE SKIP LOCKED" where the database has it
    lock_row = ""             # "FOR UPDATE": lock a row that a transaction reads to change
    schema: tuple = ()
    upgrades: dict = {}       # an older schema version -> the statements that bring it to this one

    # -- the connection (the subclass) ------------------------------------------------------

    def _execute(self, sql: str, params=()):
        raise NotImplementedError

    def _begin(self, gc_shared: bool = False):
        """BEGIN; with `gc_shared`, holding off a collection from the start (_gc_shared_lock)."""
        raise NotImplementedError

    def _end(self, ok: bool):
        raise NotImplementedError

    def close(self):
        raise NotImplementedError

    def reopen(self) -> "Store":
        """Another connection to the same store (for the lease heartbeat's thread)."""
        raise NotImplementedError

    def _retryable(self, e: Exception) -> bool:
        return False

    # -- helpers ------------------------------------------------------------------------------

    _sql_cache: dict

    def x(self, sql: str, params=()):
        if self.ph != "?":
            cached = self._sql_cache.get(sql)
            if cached is None:
                cached = self._sql_cache[sql] = sql.replace("?", self.ph)
            sql = cached
        return self._execute(sql, params)

    @contextmanager
    def tx(self, gc_shared: bool = False):
        self._begin(gc_shared)
        ok = False
        try:
            yield self
            ok = True
        finally:
            self._end(ok)

    def transact(self, fn, *args, gc_shared: bool = False):
        """Run fn(*args) in one transaction, again when the database says to retry (a
        deadlock or serialization failure in PostgreSQL). `gc_shared`: it names chunks or
        module sources, so a collection is held off from its BEGIN (on PostgreSQL in the same
        round trip)."""
        for attempt in range(20):
            try:
                with self.tx(gc_shared):
                    return fn(*args)
            except Exception as e:  # noqa: BLE001 - the driver's error types
                if not self._retryable(e) or attempt == 19:
                    raise
                time.sleep(0.002 * (attempt + 1))

    def _tables(self) -> set:
        raise NotImplementedError

    def _schema_lock(self):
        """Serialize schema creation between processes (SQLite's BEGIN IMMEDIATE does)."""

    def _runnable(self):
        """In a transaction that makes a workflow runnable: tell the idle workers, at commit
        (PostgreSQL: NOTIFY; SQLite's workers poll)."""

    def waiter(self):
        """Something whose wait(seconds) returns early when a workflow may have become
        runnable (PostgreSQL: LISTEN), or None: the worker polls."""
        return None

    def init_schema(self):
        """Create the schema in an empty database; refuse one that holds something else."""
        def go():
            self._schema_lock()
            tables = self._tables()
            if "turmeric_meta" in tables:
                rows = dict(self.x("SELECT key, value FROM turmeric_meta").fetchall())
                if rows.get("schema") in self.upgrades:     # an older store: upgraded in place, once
                    for stmt in self.upgrades[rows["schema"]]:
                        self.x(stmt)
                    self.x("UPDATE turmeric_meta SET value = ? WHERE key = 'schema'", (SCHEMA_VERSION,))
                    return
                if rows.get("schema") != SCHEMA_VERSION:
                    raise store_error(self.url, f"its schema version is {rows.get('schema')!r}, "
                                                f"this Turmeric reads version {SCHEMA_VERSION}")
                return
            if tables:
                raise store_error(self.url, "it holds other tables (" + ", ".join(sorted(tables)[:5]) + ")")
            for stmt in self.schema:
                self.x(stmt)
            self.x("INSERT INTO turmeric_meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,))
            self.x("INSERT INTO turmeric_meta (key, value) VALUES ('clock_offset', '0')")
        self.transact(go)

    # -- reading ------------------------------------------------------------------------------

    def get(self, wf_id: str) -> Row | None:
        r = self.x(f"SELECT {', '.join(COLUMNS)} FROM workflows WHERE id = ?", (wf_id,)).fetchone()
        return Row(*r) if r is not None else None

    def must_get(self, wf_id: str) -> Row:
        row = self.get(wf_id)
        if row is None:
            raise unknown_workflow(wf_id)
        return row

    def list(self, status: str | None = None) -> list[Row]:
        cols = ", ".join(c for c in COLUMNS)
        if status is None:
            rows = self.x(f"SELECT {cols} FROM workflows ORDER BY created, id").fetchall()
        else:
            rows = self.x(f"SELECT {cols} FROM workflows WHERE status = ? ORDER BY created, id", (status,)).fetchall()
        return [Row(*r) for r in rows]

    def steps(self, wf_id: str) -> list[tuple]:
        return self.x("SELECT seq, step_key, name, result, at FROM steps WHERE wf_id = ? ORDER BY seq",
                      (wf_id,)).fetchall()

    def mailbox(self, wf_id: str) -> list[tuple]:
        return self.x("SELECT n, topic, message_id, consumed FROM messages WHERE wf_id = ? ORDER BY n",
                      (wf_id,)).fetchall()

    def take_message(self, wf_id: str, topic: str, exclude: list) -> tuple | None:
        """The oldest message on `topic` not consumed (nor among `exclude`): (n, value)."""
        rows = self.x("SELECT n, value FROM messages WHERE wf_id = ? AND topic = ? AND consumed = 0 "
                      "ORDER BY n LIMIT ?", (wf_id, topic, len(exclude) + 1)).fetchall()
        for n, value in rows:
            if n not in exclude:
                return n, bytes(value)
        return None

    def chunk(self, h: str) -> bytes | None:
        r = self.x("SELECT data FROM chunks WHERE hash = ?", (h,)).fetchone()
        return bytes(r[0]) if r is not None else None

    def clock_offset(self) -> float:
        r = self.x("SELECT value FROM turmeric_meta WHERE key = 'clock_offset'").fetchone()
        return float(r[0]) if r is not None else 0.0

    def advance_clock(self, seconds: float) -> float:
        def go():
            offset = self.clock_offset() + seconds
            self.x("UPDATE turmeric_meta SET value = ? WHERE key = 'clock_offset'", (repr(offset),))
            self._runnable()      # timers may be due now
            return offset
        return self.transact(go)

    def pending(self, clock_now: float, real_now: float) -> dict:
        """What keeps a draining worker: runnable now, held under a live lease, timers."""
        runnable = self.x("SELECT COUNT(*) FROM workflows WHERE ready_at IS NOT NULL AND ready_at <= ? "
                          "AND (lease_until IS NULL OR lease_until < ?)", (clock_now, real_now)).fetchone()[0]
        held = self.x("SELECT COUNT(*) FROM workflows WHERE ready_at IS NOT NULL AND lease_until >= ?",
                      (real_now,)).fetchone()[0]
        nxt = self.x("SELECT MIN(ready_at) FROM workflows WHERE ready_at IS NOT NULL AND ready_at > ? "
                     "AND (lease_until IS NULL OR lease_until < ?)", (clock_now, real_now)).fetchone()[0]
        return {"runnable": runnable, "held": held, "next_timer": nxt}

    # -- changing -----------------------------------------------------------------------------

    def create(self, wf_id: str, state: bytes, file: str | None, fn: str | None, chunks: list,
               owner: str | None = None, lease_until: float | None = None, parent: str | None = None,
               reused=(), code=()):
        def go():
            self._put_chunks(chunks, reused)
            self._put_code(code)
            self._insert(wf_id, state, file, fn, parent, owner, lease_until)
        try:
            self.transact(go)
        except (TurmericError, ChunksMissing):
            raise
        except Exception:  # noqa: BLE001 - a unique violation, in either driver
            if self.get(wf_id) is not None:
                raise TurmericError("value", f"a workflow with the id {wf_id} exists already",
                                    hint="choose another --id, or fork it with turmeric workflow fork") from None
            raise

    def _insert(self, wf_id, state, file, fn, parent, owner=None, lease_until=None):
        now = time.time()
        if owner is None:
            self._runnable()
        self.x("INSERT INTO workflows (id, status, ready_at, state, seq, parent, lease_owner, lease_until, "
               "file, fn, created, updated, runs) VALUES (?, 'running', 0, ?, 0, ?, ?, ?, ?, ?, ?, ?, 0)",
               (wf_id, state, parent, owner, lease_until, file, fn, now, now))

    def _put_chunks(self, chunks: list, reused=()):
        """In a transaction that names chunks: hold off a collection (gc) until it ends, write
        the new chunks, and check that those it names without writing them are still there."""
        if not chunks and not reused:
            return
        self._gc_shared_lock()
        for h, data in chunks:
            self.x("INSERT INTO chunks (hash, data) VALUES (?, ?) ON CONFLICT DO NOTHING", (h, data))
        if reused:
            names = sorted(reused)
            found = set()
            for at in range(0, len(names), 500):
                part = names[at:at + 500]
                found.update(r[0] for r in self.x(f"SELECT hash FROM chunks WHERE hash IN ({', '.join('?' * len(part))})",
                                                  tuple(part)).fetchall())
            if len(found) < len(names):
                raise ChunksMissing(sorted(set(names) - found))

    def _put_code(self, code):
        """In a transaction that stores states: keep the module sources they name, each once
        (code.py StoreCode.take: (hash, module, text, known)). A version this process committed
        before (`known`) is written again only if a collection removed it since."""
        known = self._put_new_code(code)
        if known:
            self._put_missing_code(known)

    def _put_new_code(self, code) -> list:
        """Hold off a collection, write the versions this process has not committed before;
        the others (`known`) are returned, for the caller to check (_put_missing_code, or
        commit's count of them in its UPDATE)."""
        if not code:
            return []
        self._gc_shared_lock()
        for h, module, text, known in code:
            if not known:
                self.x("INSERT INTO turmeric_code (hash, module, source) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                       (h, module, text.encode("utf-8", "surrogatepass")))
        return [c for c in code if c[3]]

    def _put_missing_code(self, known: list):
        """Write again those of the known versions that a collection removed."""
        found = {r[0] for r in self.x(f"SELECT hash FROM turmeric_code WHERE hash IN ({', '.join('?' * len(known))})",
                                      tuple(c[0] for c in known)).fetchall()}
        self._put_new_code([(h, m, t, False) for h, m, t, _k in known if h not in found])

    def code_source(self, h: str) -> tuple | None:
        """(module, source bytes) of the version named h, or None."""
        r = self.x("SELECT module, source FROM turmeric_code WHERE hash = ?", (h,)).fetchone()
        return (r[0], bytes(r[1])) if r is not None else None

    def _gc_shared_lock(self):
        """A transaction that names chunks excludes a collection (PostgreSQL: a shared advisory
        lock; SQLite: every write transaction already excludes the others)."""

    def _gc_lock(self):
        """The collection's exclusive lock (PostgreSQL; SQLite's BEGIN IMMEDIATE is one)."""

    # what nothing reads any more: the last state of a finished workflow (only a parked or
    # running one is resumed, shown or forked) and the value of a consumed message (the
    # state that consumed it holds it; the row stays, for its message id's exactly-once)
    FINISHED_SQL = f"status IN ({', '.join(repr(s) for s in FINISHED)})"
    DEAD_STATES = f"{FINISHED_SQL} AND state IS NOT NULL"
    DEAD_MESSAGES = "consumed = 1 AND LENGTH(value) > 0"

    def collect_garbage(self, dry_run: bool = False) -> dict:
        """`turmeric workflow gc`: drop the states of finished workflows and the values of
        consumed messages, then remove the chunks that no stored state, result, message or
        step result names, and the module sources (turmeric_code) that no kept state names,
        in one transaction that no transaction naming chunks overlaps: a
        chunk a runner names without writing it again (it wrote it before) is checked in
        that runner's commit, which fails with ChunksMissing if it is gone. Stops, deleting
        nothing, at stored bytes it cannot read."""
        def go():
            self._gc_lock()
            states = self.x(f"SELECT COUNT(*) FROM workflows WHERE {self.DEAD_STATES}").fetchone()[0]
            messages = self.x(f"SELECT COUNT(*) FROM messages WHERE {self.DEAD_MESSAGES}").fetchone()[0]
            live: set[str] = set()
            sources = [("workflows", "id", "state", f"NOT {self.FINISHED_SQL}"),
                       ("workflows", "id", "result", "1 = 1"),
                       ("messages", "wf_id", "value", "consumed = 0"),
                       ("steps", "wf_id", "result", "1 = 1")]
            if "turmeric_web_pages" in self._tables():   # the parked pages of `turmeric serve`
                sources.append(("turmeric_web_pages", "id", "state", "1 = 1"))
            live_code: set[str] = set()   # the module versions the kept states name (their headers)
            for table, who, col, keep in sources:
                for wf_id, data in self.x(f"SELECT {who}, {col} FROM {table} WHERE {col} IS NOT NULL AND {keep}").fetchall():
                    chunks, code = stored_names(bytes(data), f"{table}.{col} of workflow {wf_id}", self.url)
                    live.update(chunks)
                    if table == "workflows" and col == "state":
                        live_code.update(code)
            stored = {r[0]: r[1] for r in self.x("SELECT hash, LENGTH(data) FROM chunks").fetchall()}
            dead = sorted(set(stored) - live)
            code_rows = {r[0] for r in self.x("SELECT hash FROM turmeric_code").fetchall()}
            dead_code = sorted(code_rows - live_code)
            if not dry_run:
                self.x(f"UPDATE workflows SET state = NULL WHERE {self.DEAD_STATES}")
                self.x(f"UPDATE messages SET value = ? WHERE {self.DEAD_MESSAGES}", (b"",))
                for table, names in (("chunks", dead), ("turmeric_code", dead_code)):
                    for at in range(0, len(names), 500):
                        part = names[at:at + 500]
                        self.x(f"DELETE FROM {table} WHERE hash IN ({', '.join('?' * len(part))})", tuple(part))
            return {"referenced": len(stored) - len(dead), "removed": len(dead),
                    "bytes": sum(stored[h] for h in dead), "states": states, "messages": messages,
                    "code_kept": len(code_rows) - len(dead_code), "code_removed": len(dead_code)}
        return self.transact(go)

    def claim(self, owner: str, lease: float, clock_now: float, wf_id: str | None = None) -> Row | None:
        """Take one runnable workflow (or `wf_id`, if runnable) under a lease, in one transaction."""
        def go():
            real = time.time()
            where = ("ready_at IS NOT NULL AND ready_at <= ? AND (lease_until IS NULL OR lease_until < ?)")
            if wf_id is None:
                r = self.x(f"SELECT id FROM workflows WHERE {where} ORDER BY ready_at, created, id LIMIT 1 {self.skip_locked}",
                           (clock_now, real)).fetchone()
            else:
                r = self.x(f"SELECT id FROM workflows WHERE id = ? AND {where} {self.skip_locked}",
                           (wf_id, clock_now, real)).fetchone()
            if r is None:
                return None
            self.x("UPDATE workflows SET status = 'running', ready_at = 0, lease_owner = ?, lease_until = ?, "
                   "runs = runs + 1, updated = ? WHERE id = ?", (owner, real + lease, real, r[0]))
            return self.get(r[0])
        return self.transact(go)

    def claim_batch(self, owner: str, lease: float, clock_now: float, limit: int) -> list[Row]:
        """Take up to `limit` runnable workflows under one lease in one statement: a worker
        pays one commit for several claims."""
        def go():
            real = time.time()
            rows = self.x(f"UPDATE workflows SET status = 'running', ready_at = 0, lease_owner = ?, "
                          f"lease_until = ?, runs = runs + 1, updated = ? WHERE id IN (SELECT id FROM workflows "
                          f"WHERE ready_at IS NOT NULL AND ready_at <= ? AND (lease_until IS NULL OR lease_until < ?) "
                          f"ORDER BY ready_at, created, id LIMIT ? {self.skip_locked}) RETURNING {', '.join(COLUMNS)}",
                          (owner, real + lease, real, clock_now, real, limit)).fetchall()
            return sorted((Row(*r) for r in rows), key=lambda r: (r.created, r.id))
        return self.transact(go)

    def renew(self, wf_id: str, owner: str, lease: float) -> bool:
        """The lease heartbeat (heartbeat.py): extend a lease this runner still holds."""
        def go():
            cur = self.x("UPDATE workflows SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'running'",
                         (time.time() + lease, wf_id, owner))
            return cur.rowcount == 1
        return self.transact(go)

    def release(self, wf_ids: list[str], owner: str):
        """Give back claimed workflows this runner did not get to."""
        def go():
            self._runnable()
            for wf_id in wf_ids:
                self.x("UPDATE workflows SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
                       (wf_id, owner))
        if wf_ids:
            self.transact(go)

    def commit(self, wf_id: str, owner: str, lease: float, c: Change):
        """A running workflow's state change, with everything it did since the last one.
        Raises LeaseLost (nothing written) if this runner no longer holds the workflow, and
        MailWaiting (nothing written) if it parks on a topic that has a message."""
        def go():
            real = time.time()
            self._put_chunks(c.chunks, c.reused)
            known = self._put_new_code(c.code)
            for n in c.consumed:
                self.x("UPDATE messages SET consumed = 1 WHERE n = ?", (n,))
            for child_id, state, file, fn in c.children:
                self._insert(child_id, state, file, fn, wf_id)
            if c.step is not None:
                seq, key, name, result = c.step
                self.x("INSERT INTO steps (wf_id, seq, step_key, name, result, at) VALUES (?, ?, ?, ?, ?, ?)",
                       (wf_id, seq, key, name, result, real))
            owner_after = None if c.release else owner
            lease_after = None if c.release else real + lease
            # the versions this runner committed before are counted in the same statement (no
            # round trip more: a collection was held off since BEGIN), written again if gone
            count = (f", (SELECT COUNT(*) FROM turmeric_code WHERE hash IN ({', '.join('?' * len(known))}))"
                     if known else "")
            got = self.x("UPDATE workflows SET status = ?, state = COALESCE(?, state), seq = ?, ready_at = ?, "
                         "wait_kind = ?, wait_topic = ?, wake_at = ?, result = ?, error = ?, lease_owner = ?, "
                         "lease_until = ?, updated = ? WHERE id = ? AND lease_owner = ? AND status = 'running' "
                         "RETURNING id" + count,
                         (c.status, c.state, c.seq, c.ready_at, c.wait_kind, c.wait_topic, c.wake_at, c.result,
                          c.error, owner_after, lease_after, real, wf_id, owner) + tuple(k[0] for k in known)).fetchall()
            if len(got) != 1:
                raise LeaseLost(wf_id)
            if known and got[0][1] != len(known):
                self._put_missing_code(known)
            if c.unless_mail is not None:
                exclude = set(c.consumed)
                for (n,) in self.x("SELECT n FROM messages WHERE wf_id = ? AND topic = ? AND consumed = 0",
                                   (wf_id, c.unless_mail)).fetchall():
                    if n not in exclude:
                        raise MailWaiting()
            for target, topic, mid, value in c.sends:
                self._deliver(target, topic, mid, value, real)
        self.transact(go, gc_shared=bool(c.code or c.chunks or c.reused))

    def _deliver(self, target: str, topic: str, mid: str, value: bytes, now: float) -> bool:
        """Put a message in `target`'s mailbox (once per message id); wake it if it waits
        on that topic. Returns False for a repeated message id."""
        r = self.x(f"SELECT status, wait_kind, wait_topic FROM workflows WHERE id = ? {self.lock_row}",
                   (target,)).fetchone()
        if r is None:
            raise unknown_workflow(target)
        cur = self.x("INSERT INTO messages (wf_id, topic, message_id, value, consumed, sent) "
                     "VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT DO NOTHING", (target, topic, mid, value, now))
        if cur.rowcount != 1:
            return False
        status, kind, wtopic = r
        if status == "parked" and kind in ("message", "result") and wtopic == topic:
            self.x("UPDATE workflows SET ready_at = 0 WHERE id = ?", (target,))
            self._runnable()
        return True

    def deliver(self, target: str, topic: str, mid: str, value: bytes, chunks=(), reused=()) -> bool:
        """A message from outside any workflow (turmeric workflow send), with the chunks of
        its value."""
        def go():
            self._put_chunks(list(chunks), reused)
            row = self.x(f"SELECT status FROM workflows WHERE id = ? {self.lock_row}", (target,)).fetchone()
            if row is None:
                raise unknown_workflow(target)
            if row[0] in FINISHED:
                if self.x("SELECT 1 FROM messages WHERE wf_id = ? AND message_id = ?", (target, mid)).fetchone():
                    return False   # delivered before it finished: a repeat, not a new message
                raise finished_workflow(target, row[0])
            return self._deliver(target, topic, mid, value, time.time())
        return self.transact(go)

    def cancel(self, wf_id: str) -> str:
        def go():
            row = self.x(f"SELECT status, parent FROM workflows WHERE id = ? {self.lock_row}", (wf_id,)).fetchone()
            if row is None:
                raise unknown_workflow(wf_id)
            if row[0] in FINISHED:
                raise TurmericError("value", f"workflow {wf_id} is {row[0]} already: there is nothing to cancel")
            self.x("UPDATE workflows SET status = 'cancelled', ready_at = NULL, lease_owner = NULL, "
                   "lease_until = NULL, updated = ? WHERE id = ?", (time.time(), wf_id))
            return row[1]
        return self.transact(go)

    def notify_parent(self, parent: str, child: str, value: bytes):
        """A child that was cancelled from outside: its parent's workflow/result gets to know."""
        def go():
            try:
                self._deliver(parent, "%result/" + child, "%result/" + child, value, time.time())
            except TurmericError:
                pass   # the parent is gone: nobody waits
        self.transact(go)

    def fork(self, src: str, new_id: str) -> Row:
        def go():
            row = self.x(f"SELECT status FROM workflows WHERE id = ? {self.lock_row}", (src,)).fetchone()
            if row is None:
                raise unknown_workflow(src)
            if row[0] != "parked":
                raise TurmericError("value", f"workflow {src} is {row[0]}: only a parked workflow can be forked",
                                    hint="every park (a message, a timer, a step, a checkpoint) is a fork point")
            if self.get(new_id) is not None:
                raise TurmericError("value", f"a workflow with the id {new_id} exists already")
            self._gc_shared_lock()     # the copy names the chunks its source names
            now = time.time()
            self.x("INSERT INTO workflows (id, status, ready_at, wait_kind, wait_topic, wake_at, state, seq, "
                   "parent, file, fn, created, updated, runs) SELECT ?, status, ready_at, wait_kind, wait_topic, "
                   "wake_at, state, seq, parent, file, fn, ?, ?, 0 FROM workflows WHERE id = ?",
                   (new_id, now, now, src))
            self.x("INSERT INTO steps (wf_id, seq, step_key, name, result, at) SELECT ?, seq, step_key, name, "
                   "result, at FROM steps WHERE wf_id = ?", (new_id, src))
            self.x("INSERT INTO messages (wf_id, topic, message_id, value, consumed, sent) SELECT ?, topic, "
                   "message_id, value, consumed, sent FROM messages WHERE wf_id = ? ORDER BY n", (new_id, src))
            return self.get(new_id)
        return self.transact(go)

    def fork_many(self, src: str, new_ids: list[str]):
        """Copies of a parked workflow in one transaction (the load test and the benchmark)."""
        def go():
            self._gc_shared_lock()
            now = time.time()
            for new_id in new_ids:
                self.x("INSERT INTO workflows (id, status, ready_at, wait_kind, wait_topic, wake_at, state, seq, "
                       "parent, file, fn, created, updated, runs) SELECT ?, status, ready_at, wait_kind, "
                       "wait_topic, wake_at, state, seq, parent, file, fn, ?, ?, 0 FROM workflows WHERE id = ?",
                       (new_id, now, now, src))
        self.transact(go)

    def replace_state(self, wf_id: str, expect: bytes, state: bytes, chunks: list, reused=(), code=(),
                      wake: bool = False):
        """turmeric workflow edit and upgrade: a parked workflow's new state, if nobody changed
        it since. `wake` (upgrade): runnable now, its error cleared (a runner that finds nothing
        there parks it again as it was: Engine._park_again)."""
        def go():
            row = self.x(f"SELECT status, state FROM workflows WHERE id = ? {self.lock_row}", (wf_id,)).fetchone()
            if row is None:
                raise unknown_workflow(wf_id)
            if row[0] != "parked" or bytes(row[1]) != expect:
                what = "upgraded" if wake else "edited"
                raise TurmericError("value", f"workflow {wf_id} changed while it was {what} (it is {row[0]} now)",
                                    hint="nothing was written: " + ("upgrade" if wake else "edit") + " it again")
            self._put_chunks(chunks, reused)
            self._put_code(code)
            if wake:
                self._runnable()
                self.x("UPDATE workflows SET state = ?, ready_at = 0, error = NULL, updated = ? WHERE id = ?",
                       (state, time.time(), wf_id))
            else:
                self.x("UPDATE workflows SET state = ?, updated = ? WHERE id = ?", (state, time.time(), wf_id))
        self.transact(go)

    def raw_commit(self, payload: bytes):
        """The floor the benchmark compares against: one small insert, committed."""
        def go():
            self.x("INSERT INTO turmeric_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                   "value = excluded.value", ("bench", payload.hex()))
        self.transact(go)


def stored_names(data: bytes, what: str, url: str) -> tuple[set[str], set[str]]:
    """The chunks that stored bytes name (their T_CHUNKED records) and the module versions
    their header names (its "code" entry); a collection that cannot read them stops before
    deleting anything."""
    try:
        header, records, _root = unpack(data, None, msgpack.ExtType, verify=False)
    except TurmericError as e:
        raise TurmericError("deserialize", f"workflow gc: {what} in {url} cannot be read: {e.message}",
                            hint="nothing was deleted: those bytes might name any chunk") from None
    names = set()
    if type(records) is tuple:
        for r in records:
            if type(r) is tuple and len(r) >= 3 and r[0] == T_CHUNKED and type(r[2]) is tuple:
                names.update(h for h in r[2] if type(h) is str)
    return names, set(header_code(header).values())


def unknown_workflow(wf_id: str) -> TurmericError:
    return TurmericError("value", f"there is no workflow {wf_id} in this store",
                         hint="turmeric workflow list shows the workflows of the store (--store or TURMERIC_STORE)")


def finished_workflow(wf_id: str, status: str) -> TurmericError:
    return TurmericError("value", f"workflow {wf_id} is {status}: it takes no more messages")
