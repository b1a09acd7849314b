"""The workflow engine: runs workflows of ordinary Turmeric code and parks them in a store.

A workflow is a function run under a prompt. Parking is a `cloneable-shift` to that prompt:
the shift body hands the engine a `Park` (what the workflow waits for, and its continuation
k); the engine serializes k and commits it. Resuming is deserializing k and `resume`-ing it
with the message, nil for a timer, or a step's result. Nothing is replayed: the code between
two parks runs once per attempt, and an attempt that dies before its next commit is redone
from the last one.

The engine is a value owned by whoever drives it (the CLI, a worker, a test): its session,
store, clock and the context of the workflow it runs now (`ctx`). The Turmeric side
(stdlib/workflow.tm) reaches it through the global `workflow/%engine` of that session, which
the engine sets to its `_call` method; nothing is process-wide.
"""
from __future__ import annotations

import os
import socket
import sys
import time
import uuid
from dataclasses import dataclass, field

from turmeric.data.errors import TurmericError
from turmeric.data.names import mangle_global
from turmeric.data.printer import pr_str
from turmeric.data.values import Continuation, Keyword, PMap, vector
from turmeric.runtime import machine
from turmeric.runtime.builtins.io import TurmericExit
from turmeric.serialize.decode import deserialize
from turmeric.serialize.encode import serialize
from turmeric.session.session import Session
from turmeric.workflow.blobs import StoreBlobs
from turmeric.workflow.clock import Clock
from turmeric.workflow.code import StoreCode
from turmeric.workflow.defaults import DEFAULT_LEASE
from turmeric.workflow.heartbeat import Heartbeat, StepTimedOut
from turmeric.workflow.store import (
    Change, ChunksMissing, LeaseLost, MailWaiting, Row, finished_workflow, unknown_workflow,
)

START = Keyword("start")
RESUME = Keyword("resume")


class Park:
    """What a parking workflow hands the engine: kind, its argument, its continuation."""
    __slots__ = ("kind", "arg", "k")

    def __init__(self, kind: str, arg, k):
        self.kind, self.arg, self.k = kind, arg, k


@dataclass
class Context:
    """The workflow running now: its id and counter, and what it did since its last commit."""
    wf_id: str
    seq: int
    parent: str | None
    step_key: str | None = None
    last_step: tuple | None = None
    consumed: list = field(default_factory=list)
    sends: list = field(default_factory=list)
    children: list = field(default_factory=list)

    def ops(self) -> dict:
        return {"consumed": self.consumed, "sends": self.sends, "children": self.children}

    def clear_ops(self):
        self.consumed, self.sends, self.children = [], [], []


def topic_name(who: str, topic) -> str:
    if type(topic) is Keyword:
        return topic.name
    if isinstance(topic, str):
        return topic
    raise TurmericError("type", f"{who}: a topic is a keyword or a string, got {pr_str(topic)}")


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Engine:
    def __init__(self, store, session: Session | None = None, owner: str | None = None,
                 lease: float = DEFAULT_LEASE, log=None, step_timeout: float | None = None):
        self.store = store
        self.session = session if session is not None else Session(module_path=[os.getcwd()])
        self.owner = owner or default_owner()
        self.lease = lease
        self.clock = Clock(store)
        self.blobs = StoreBlobs(store)
        self.code = StoreCode(store)     # the module sources its states name (code.py)
        self.ctx: Context | None = None
        self.log = log     # a function of one string, or None
        self.step_timeout = step_timeout   # seconds of workflow code between two commits (None: no limit)
        self.heartbeat = Heartbeat(store, self.owner, lease, log, step_timeout)
        self.session.require("workflow")
        self.session.define_global("workflow", "%engine", self._call)

    # -- values <-> bytes ---------------------------------------------------------------------

    def encode(self, value, state: bool = False) -> bytes:
        """A value's bytes; a workflow's `state` names the module versions of this session in
        its header, and their sources go with the next transaction (code.py)."""
        return serialize(self.session, value, blobs=self.blobs,
                         code=self.code.names(self.session) if state else None)

    def decode(self, data: bytes, row: Row | None = None):
        """A stored value; `row`: the workflow it belongs to, whose program file (the store's
        own, trusted record of it) is loaded first (definitions only), so a fresh process
        finds the program's modules even when its folder is not on the module path."""
        if (row is not None and row.file and os.path.isfile(row.file)
                and os.path.splitext(os.path.basename(row.file))[0] not in self.session.modules):
            self.load_program(row.file)
        return self.session.run(lambda: deserialize(self.session, bytes(data), blobs=self.blobs))

    def _say(self, text: str):
        if self.log is not None:
            self.log(text)

    # -- from outside: start, send ----------------------------------------------------------------

    def load_program(self, path: str):
        """The module of the program file at `path` (absolute), loaded with its definitions
        only (not its other top-level forms) unless this session has it from that file."""
        name = os.path.splitext(os.path.basename(path))[0]
        mod = self.session.modules.get(name)
        if mod is None or mod.path != path:
            mod = self.session.load_file(path, name=name, definitions_only=True, program=True)
        return mod

    def load_function(self, file: str, fn_name: str):
        """FILE's definitions (not its other top-level forms), and its function FN."""
        path = os.path.abspath(file)
        mod = self.load_program(path)
        fn = mod.ns.get(mangle_global(fn_name))
        if fn is None or not callable(fn) or self.session.function_info(getattr(fn, "__code__", None)) is None:
            raise TurmericError("unbound", f"{file} defines no function {fn_name}",
                                hint="turmeric workflow start FILE FN: FN is a defn of FILE")
        return fn, path

    def start(self, file: str, fn_name: str, args: list, wf_id: str | None = None,
              detach: bool = False):
        """Create a workflow of FN(ARGS...) from FILE; run it here until it parks or ends
        (unless `detach`: then a worker runs it). Returns (id, what happened)."""
        fn, path = self.load_function(file, fn_name)
        wf_id = wf_id or "wf-" + uuid.uuid4().hex[:10]
        state = vector([START, fn, vector(args)])
        if detach:
            self._with_chunks(lambda data, chunks, reused, code: self.store.create(
                wf_id, data, path, fn_name, chunks, reused=reused, code=code), state, True)
            return wf_id, "created"
        self._with_chunks(lambda data, chunks, reused, code: self.store.create(
            wf_id, data, path, fn_name, chunks, owner=self.owner, lease_until=time.time() + self.lease,
            reused=reused, code=code), state, True)
        return wf_id, self.run_row(self.store.must_get(wf_id))

    def send(self, wf_id: str, topic, value, message_id: str | None = None) -> bool:
        """Deliver a message (once per message id). False: that id was delivered before."""
        topic = topic_name("send", topic)
        mid = message_id or uuid.uuid4().hex
        return self._with_chunks(lambda data, chunks, reused, code: self.store.deliver(
            wf_id, topic, mid, data, chunks, reused), value)

    def _with_chunks(self, write, value, state: bool = False):
        """Encode value (a workflow's state, if `state`) and write(bytes, new chunks, reused
        chunk names, module sources) in one transaction (StoreBlobs.write_encoded)."""
        def write_all(data, chunks, reused):
            code = self.code.take()
            out = write(data, chunks, reused, code)
            self.code.committed(code)
            return out
        return self.blobs.write_encoded(lambda: self.encode(value, state), write_all)

    # -- running -----------------------------------------------------------------------------------

    def run_next(self, wf_id: str | None = None):
        """Claim one runnable workflow and run it until it parks or ends: (id, outcome), or None."""
        row = self.store.claim(self.owner, self.lease, self.clock.now(), wf_id)
        if row is None:
            return None
        return row.id, self.run_row(row)

    def run_batch(self, limit: int = 16) -> int:
        """Claim up to `limit` runnable workflows at once and run them one after the other,
        giving back those not started within half the lease. The number run."""
        claimed_at = time.monotonic()
        rows = self.store.claim_batch(self.owner, self.lease, self.clock.now(), limit)
        for i, row in enumerate(rows):
            if time.monotonic() - claimed_at > self.lease / 2:
                self.store.release([r.id for r in rows[i:]], self.owner)
                return i
            self.run_row(row)
        return len(rows)

    def work(self, drain: bool = False, skip_time: bool = False, poll: float = 0.05,
             until=None, batch: int = 16, notify: bool = True) -> int:
        """Run whatever is runnable, forever, or (drain) until nothing is runnable, held by a
        runner's lease or waiting for a timer. `skip_time`: when only timers remain, move the
        store's clock to the next one. Idle, it waits for the store's notification that a
        workflow became runnable (PostgreSQL's LISTEN, unless `notify` is False) for at most
        `poll` seconds, or else polls, from poll/4 seconds doubling up to `poll`. Returns the
        number of runs."""
        waiter = self.store.waiter() if notify else None
        try:
            return self._work(drain, skip_time, poll, until, batch, waiter)
        finally:
            if waiter is not None:
                waiter.close()

    def _work(self, drain, skip_time, poll, until, batch, waiter) -> int:
        runs = 0
        idle = poll / 4
        while until is None or not until():
            done = self.run_batch(batch)
            if done:
                runs += done
                idle = poll / 4
                continue
            if drain or skip_time:
                now = self.clock.now()
                p = self.store.pending(now, time.time())
                if p["runnable"]:
                    continue
                if skip_time and p["held"] == 0 and p["next_timer"] is not None:
                    self.store.advance_clock(p["next_timer"] - now)
                    continue
                if drain and p["held"] == 0 and p["next_timer"] is None:
                    return runs
            if waiter is not None:
                waiter.wait(poll)
                continue
            time.sleep(idle)
            idle = min(poll, idle * 2)
        return runs

    def run_row(self, row: Row) -> str:
        """Run a workflow this runner holds: 'parked', 'done', 'failed', 'lost' or 'cancelled'.
        If a commit finds that a gc removed a chunk this engine thought stored (ChunksMissing:
        nothing was committed), the engine forgets what it stored and runs the workflow again
        from its last commit, under the same lease (at-least-once, as after a crash)."""
        for _attempt in range(5):
            try:
                return self._run_row(row)
            except ChunksMissing:
                self.blobs.forget()
                self._say(f"{row.id}: a chunk it named was collected meanwhile; running it again from its last commit")
                row = self.store.get(row.id)
                if row is None or row.lease_owner != self.owner or row.status != "running":
                    return "lost"
        self.store.release([row.id], self.owner)   # pragma: no cover - a gc at every commit
        return "lost"

    def _run_row(self, row: Row) -> str:
        ctx = Context(row.id, row.seq, row.parent)
        self.ctx = ctx
        self.heartbeat.hold(row.id)
        try:
            try:
                state = self.decode(row.state, row)
                if not (type(state) is type(vector([])) and len(state) == 3 and state[0] in (START, RESUME)):
                    raise TurmericError("deserialize", "the stored state is not a workflow's state")
            except TurmericError as e:
                err = TurmericError(e.kind, f"workflow {row.id}: its stored continuation cannot be loaded: "
                                            f"{e.message}", hint=e.hint)
                if e.kind == "schema-mismatch":   # its code changed: kept for turmeric workflow upgrade
                    return self._hold(ctx, row, err)
                return self._fail(ctx, err)
            if state[0] is START:
                fn, args = state[1], state[2]
                outcome = self._guarded(lambda: self.session.run(machine.run, fn, tuple(args)))
            else:
                k, value = state[1], state[2]
                if row.wait_kind in ("message", "result"):
                    got = self.store.take_message(row.id, row.wait_topic, [])
                    if got is None:      # woken for nothing: park again as it was
                        return self._park_again(ctx, row)
                    ctx.consumed.append(got[0])
                    value = self._message_value(ctx, got[1])
                elif row.wait_kind == "timer" and row.wake_at is not None and row.wake_at > self.clock.now():
                    return self._park_again(ctx, row)
                outcome = self._resume(k, value)
            return self._drive(ctx, outcome)
        except LeaseLost:
            self.blobs.memo.clear()
            self.blobs.take()
            current = self.store.get(row.id)
            if current is not None and current.status == "cancelled":
                self._say(f"{row.id}: cancelled while it ran")
                return "cancelled"
            self._say(f"{row.id}: lease lost; another runner has it")
            return "lost"
        finally:
            self.heartbeat.hold(None)
            self.ctx = None

    def _message_value(self, ctx, data: bytes):
        try:
            return self.decode(data)
        except TurmericError as e:
            raise _Failed(TurmericError(e.kind, f"workflow {ctx.wf_id}: a message in its mailbox cannot be "
                                                 f"loaded: {e.message}")) from None

    def _resume(self, k, value):
        return self._guarded(lambda: self.session.run(machine.run, machine.resume, (k, value)))

    def _guarded(self, thunk):
        """Run workflow code: its value, a Park, or a _Failed carrying its error."""
        try:
            with self.heartbeat.user_code():
                return thunk()
        except StepTimedOut:
            return _Failed(TurmericError(
                "control", f"the workflow ran {self.step_timeout:g} s without a commit, past its step timeout",
                hint="a step that may take longer needs a larger --step-timeout; "
                     "a checkpoint or a finished step ends a step"))
        except TurmericError as e:
            return _Failed(e)
        except TurmericExit as e:
            return _Failed(TurmericError("control", f"the workflow called (exit {e.code})",
                                         hint="a workflow ends by returning; (exit) would end the worker"))
        except RecursionError:
            return _Failed(TurmericError("control", "the workflow nested too deeply for Python"))

    def _drive(self, ctx: Context, outcome) -> str:
        """Handle parks until the workflow parks for good, ends, or fails."""
        while True:
            if type(outcome) is _Failed:
                return self._fail(ctx, outcome.error)
            if type(outcome) is not Park:
                return self._finish(ctx, outcome)
            p = outcome
            try:
                if p.kind == "checkpoint":
                    self._commit(ctx, Change("running", self._state(p.k, None), ctx.seq, ready_at=0))
                    outcome = self._resume(p.k, None)
                elif p.kind == "step":
                    seq, key, name = ctx.last_step
                    result = self.encode(p.arg)
                    self._commit(ctx, Change("running", self._state(p.k, p.arg), ctx.seq, ready_at=0,
                                             step=(seq, key, name, result)))
                    outcome = self._resume(p.k, p.arg)
                elif p.kind in ("message", "result"):
                    got = self.store.take_message(ctx.wf_id, p.arg, ctx.consumed)
                    if got is None:
                        try:
                            self._commit(ctx, Change("parked", self._state(p.k, None), ctx.seq, ready_at=None,
                                                     wait_kind=p.kind, wait_topic=p.arg, release=True,
                                                     unless_mail=p.arg))
                            return "parked"
                        except MailWaiting:
                            self.blobs.memo.clear()
                            continue
                    ctx.consumed.append(got[0])
                    outcome = self._resume(p.k, self._message_value(ctx, got[1]))
                elif p.kind == "timer":
                    if p.arg <= self.clock.now():
                        outcome = self._resume(p.k, None)
                    else:
                        self._commit(ctx, Change("parked", self._state(p.k, None), ctx.seq, ready_at=p.arg,
                                                 wait_kind="timer", wake_at=p.arg, release=True))
                        return "parked"
                else:  # pragma: no cover - the Turmeric side makes only the kinds above
                    raise TurmericError("value", f"workflow: unknown park {p.kind}")
            except _Failed as f:
                outcome = f
            except TurmericError as e:   # the continuation cannot be serialized, ...
                outcome = _Failed(e)

    def _state(self, k, value) -> bytes:
        return self.encode(vector([RESUME, k, value]), state=True)

    def _commit(self, ctx: Context, change: Change):
        change.consumed, change.sends, change.children = ctx.consumed, ctx.sends, ctx.children
        change.chunks = self.blobs.take()
        change.reused = self.blobs.take_reused()
        change.code = self.code.take()
        try:
            self.store.commit(ctx.wf_id, self.owner, self.lease, change)
        except BaseException:
            self.blobs.memo.clear()   # its chunks were not written: the memo must not claim them
            raise
        self.blobs.committed(change.chunks)
        self.code.committed(change.code)
        self.heartbeat.touch()
        ctx.clear_ops()

    def _park_again(self, ctx: Context, row: Row) -> str:
        self._commit(ctx, Change("parked", None, row.seq, ready_at=row.wake_at if row.wait_kind == "timer" else None,
                                 wait_kind=row.wait_kind, wait_topic=row.wait_topic, wake_at=row.wake_at,
                                 release=True))
        return "parked"

    def _hold(self, ctx: Context, row: Row, err: TurmericError) -> str:
        """A state that names code that changed since it was stored: the workflow stays parked
        with its state untouched (never failed: `turmeric workflow upgrade` may move it onto the
        new code), the error in its `error`, not runnable again until an upgrade (or a message
        on its topic) wakes it."""
        text = f"error[{err.kind}]: {err.message}"
        self._say(f"{ctx.wf_id}: {text}; left parked, for turmeric workflow upgrade {ctx.wf_id} "
                  f"(turmeric check --store says whether its frames can move)")
        self._commit(ctx, Change("parked", None, row.seq, ready_at=None, wait_kind=row.wait_kind,
                                 wait_topic=row.wait_topic, wake_at=row.wake_at, error=text, release=True))
        return "parked"

    def _finish(self, ctx: Context, value) -> str:
        try:
            result = self.encode(value)
        except TurmericError as e:
            return self._fail(ctx, TurmericError(e.kind, f"the workflow's result cannot be stored: {e.message}",
                                                 hint=e.hint))
        self._notify_parent(ctx, PMap.from_pairs([(Keyword("status"), Keyword("done")),
                                                  (Keyword("result"), value)]))
        self._commit(ctx, Change("done", None, ctx.seq, result=result, release=True))
        return "done"

    def _fail(self, ctx: Context, err: TurmericError) -> str:
        text = f"error[{err.kind}]: {err.message}"
        self._say(f"{ctx.wf_id}: {text}")
        try:
            self._notify_parent(ctx, PMap.from_pairs([(Keyword("status"), Keyword("failed")),
                                                      (Keyword("error"), text)]))
        except TurmericError:
            pass
        self._commit(ctx, Change("failed", None, ctx.seq, error=text, release=True))
        return "failed"

    def _notify_parent(self, ctx: Context, value):
        if ctx.parent is not None:
            topic = "%result/" + ctx.wf_id
            ctx.sends.append((ctx.parent, topic, topic, self.encode(value)))

    # -- the Turmeric side's calls: (workflow/%engine op args...) -------------------------------

    def _call(self, d, op, *args):
        ctx = self.ctx
        name = op.name if type(op) is Keyword else str(op)
        if ctx is None:
            raise TurmericError("control", f"workflow: {name} is only possible inside a running workflow",
                                hint="start one with turmeric workflow start FILE FN, and run it with turmeric worker")
        if name == "park":
            kind, arg, k = args
            return Park(kind.name, arg, k)
        if name == "step":
            return self._step(ctx, *args)
        if name == "id":
            return ctx.wf_id
        if name == "now":
            return self.clock.now()
        if name == "wake-after":
            (seconds,) = args
            if type(seconds) not in (int, float) or seconds != seconds or seconds < 0:
                raise TurmericError("type", f"workflow/sleep: expected a number of seconds >= 0, got {pr_str(seconds)}")
            return self.clock.now() + seconds
        if name == "wake-at":
            (at,) = args
            if type(at) not in (int, float) or at != at:
                raise TurmericError("type", f"workflow/sleep-until: expected epoch seconds, got {pr_str(at)}")
            return float(at)
        if name == "topic":
            return topic_name(f"workflow/{args[0]}", args[1])
        if name == "step-key":
            if ctx.step_key is None:
                raise TurmericError("control", "workflow/step-key: only inside the thunk of a workflow/step")
            return ctx.step_key
        if name == "send":
            return self._send(ctx, *args)
        if name == "start":
            return self._start_child(ctx, *args)
        if name == "child-topic":
            return self._child_topic(ctx, *args)
        raise TurmericError("value", f"workflow: unknown operation {name}")

    def _step(self, ctx: Context, name, thunk):
        if not isinstance(name, (str, Keyword)):
            raise TurmericError("type", f"workflow/step: the name is a string or keyword, got {pr_str(name)}")
        if ctx.step_key is not None:
            raise TurmericError("control", "workflow/step: a step cannot run another step",
                                hint="call the steps one after the other from the workflow")
        if not callable(thunk):
            raise TurmericError("type", f"workflow/step: expected a function of no arguments, got {pr_str(thunk)}")
        ctx.seq += 1
        key = f"{ctx.wf_id}/{ctx.seq}"
        ctx.step_key = key
        try:
            result = self.session.call(thunk, who="workflow/step (a step cannot park)")
        finally:
            ctx.step_key = None
        ctx.last_step = (ctx.seq, key, name.name if type(name) is Keyword else name)
        return result

    def _send(self, ctx: Context, target, topic, value):
        if not isinstance(target, str):
            raise TurmericError("type", f"workflow/send: a workflow id is a string, got {pr_str(target)}")
        topic = topic_name("workflow/send", topic)
        if target != ctx.wf_id and not any(c[0] == target for c in ctx.children):
            row = self.store.get(target)
            if row is None:
                raise unknown_workflow(target)
            if row.status in ("done", "failed", "cancelled"):
                raise finished_workflow(target, row.status)
        ctx.seq += 1
        mid = f"{ctx.wf_id}:{ctx.seq}"
        ctx.sends.append((target, topic, mid, self.encode(value)))
        return mid

    def _start_child(self, ctx: Context, fn, args):
        info = self.session.function_info(getattr(fn, "__code__", None))
        if info is None:
            raise TurmericError("type", f"workflow/start: expected a Turmeric function, got {pr_str(fn)}")
        ctx.seq += 1
        child = f"{ctx.wf_id}.{ctx.seq}"
        state = self.encode(vector([START, fn, vector(list(args or ()))]), state=True)
        ctx.children.append((child, state, None, info.symbol))
        return child

    def _child_topic(self, ctx: Context, child):
        if not isinstance(child, str):
            raise TurmericError("type", f"workflow/result: a workflow id is a string, got {pr_str(child)}")
        if not any(c[0] == child for c in ctx.children):
            row = self.store.get(child)
            if row is None:
                raise unknown_workflow(child)
            if row.parent != ctx.wf_id:
                raise TurmericError("value", f"workflow/result: {child} is not a child of {ctx.wf_id}",
                                    hint="a workflow waits for the result of the workflows it started with workflow/start")
        return "%result/" + child


class _Failed(Exception):
    """A workflow's error, carried to where it is committed as `failed`."""

    def __init__(self, error: TurmericError):
        super().__init__(error.message)
        self.error = error


def continuation_of(state) -> Continuation | None:
    return state[1] if len(state) == 3 and state[0] is RESUME and type(state[1]) is Continuation else None


def stderr_log(text: str):
    print(f"turmeric worker: {text}", file=sys.stderr, flush=True)
