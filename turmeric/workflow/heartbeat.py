"""The lease heartbeat: while a runner runs a workflow, a thread renews its lease.

A lease says how long after its runner died a workflow waits before another runner may take
it. Each commit renews it; a step (or any code between two commits) that runs longer than the
lease would let it run out while the runner is alive and well, and a second runner would run
the workflow at the same time. So, while the engine runs a workflow, this thread renews the
lease every third of the lease when no commit did, on a connection of its own (the engine's
is in use by the workflow's thread). The thread dies with the process: a killed runner's lease
still runs out one lease after its last renewal. A renewal changes only a lease this runner
still holds (`lease_owner` is this runner's): once another runner has claimed the workflow,
or it was cancelled, it changes nothing.

The thread starts when a run starts and ends (closing its connection) after a few idle
intervals, so that an engine that stops running workflows leaves no thread or connection
behind."""
from __future__ import annotations

import threading
import time

IDLE_INTERVALS = 3     # idle intervals after which the thread ends


class Heartbeat:
    def __init__(self, store, owner: str, lease: float, log=None):
        self.store = store
        self.owner = owner
        self.lease = lease
        self.interval = max(lease / 3, 0.01)
        self.log = log
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.current: str | None = None
        self.renewed = 0.0          # time.monotonic() of the last renewal (or commit)
        self.renewals = 0           # counted, for the tests
        self.thread: threading.Thread | None = None
        self.conn = None            # the thread's own store connection, opened when first needed

    def hold(self, wf_id: str | None):
        """The runner runs `wf_id` now (None: nothing)."""
        with self.lock:
            self.current = wf_id
            self.renewed = time.monotonic()
            if wf_id is not None and self.thread is None:
                self.thread = threading.Thread(target=self._run, name="turmeric-lease-heartbeat", daemon=True)
                self.thread.start()

    def touch(self):
        """A commit renewed the lease."""
        self.renewed = time.monotonic()

    def _run(self):
        idle = 0
        while True:
            self.wake.wait(self.interval / 2)
            with self.lock:
                wf_id, renewed = self.current, self.renewed
                if wf_id is None:
                    idle += 1
                    if idle >= 2 * IDLE_INTERVALS:
                        self.thread = None
                        conn, self.conn = self.conn, None
                        break
                    continue
            idle = 0
            if time.monotonic() - renewed < self.interval:
                continue
            try:
                if self.conn is None:
                    self.conn = self.store.reopen()
                if self.conn.renew(wf_id, self.owner, self.lease):
                    self.renewals += 1
                self.renewed = time.monotonic()
            except Exception as e:  # noqa: BLE001 - a failed renewal is retried; the commit checks the lease
                if self.log is not None:
                    self.log(f"{wf_id}: the lease could not be renewed: {e}")
                self._close()
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass

    def _close(self):
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass
