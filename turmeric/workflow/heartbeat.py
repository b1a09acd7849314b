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
behind.

A step timeout (`turmeric worker --step-timeout`) bounds the workflow code that runs between
two commits: a step that loops forever would otherwise keep its lease, and so its workflow,
forever. Past it, the thread raises StepTimedOut in the engine's thread, which fails the
workflow and goes on with the next. Only while the engine runs workflow code (`user_code`),
never inside a commit. Code blocked in a system call does not see the exception until the
call returns, so the thread renews the lease for one more lease only: then it runs out and
another runner may take the workflow (at least once, as after a crash)."""
from __future__ import annotations

import threading
import time

from turmeric.runtime.interrupts import Interruptible, TimedOut

IDLE_INTERVALS = 3     # idle intervals after which the thread ends


class StepTimedOut(TimedOut):
    """Raised in the engine's thread when workflow code ran past the step timeout."""


class Heartbeat:
    def __init__(self, store, owner: str, lease: float, log=None, step_timeout: float | None = None):
        self.store = store
        self.owner = owner
        self.lease = lease
        self.step_timeout = step_timeout
        self.interval = max(min(lease, step_timeout or lease) / 3, 0.01)
        self.log = log
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.current: str | None = None
        self.renewed = 0.0          # time.monotonic() of the last renewal (or commit)
        self.step_started = 0.0     # time.monotonic() of the run's start or its last commit
        self.workflow_code = Interruptible()  # the engine's thread while it runs workflow code
        self.fired_at: float | None = None   # when StepTimedOut was raised, for the current run
        self.renewals = 0           # counted, for the tests
        self.thread: threading.Thread | None = None
        self.conn = None            # the thread's own store connection, opened when first needed

    def hold(self, wf_id: str | None):
        """The runner runs `wf_id` now (None: nothing)."""
        with self.lock:
            self.current = wf_id
            self.renewed = self.step_started = time.monotonic()
            self.fired_at = None
            if wf_id is not None and self.thread is None:
                self.thread = threading.Thread(target=self._run, name="turmeric-lease-heartbeat", daemon=True)
                self.thread.start()

    def touch(self):
        """A commit renewed the lease (and ended a step)."""
        self.renewed = self.step_started = time.monotonic()

    def user_code(self):
        """The engine runs workflow code inside this: the only place a step timeout fires."""
        return self.workflow_code.inside(self.current)

    def _check_step(self, now: float) -> bool:
        """Fire the step timeout if due; False once the lease must be left to run out."""
        if self.fired_at is not None:
            return now - self.fired_at < self.lease
        if self.step_timeout is not None and now - self.step_started > self.step_timeout \
                and self.workflow_code.interrupt(StepTimedOut, self.current):
            self.fired_at = now
        return True

    def _run(self):
        idle = 0
        while True:
            self.wake.wait(self.interval / 2)
            with self.lock:
                wf_id, renewed = self.current, self.renewed
                keep = wf_id is None or self._check_step(time.monotonic())
                if wf_id is None:
                    idle += 1
                    if idle >= 2 * IDLE_INTERVALS:
                        self.thread = None
                        conn, self.conn = self.conn, None
                        break
                    continue
            idle = 0
            if not keep or time.monotonic() - renewed < self.interval:
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
