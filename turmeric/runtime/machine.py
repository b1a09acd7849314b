"""The machine: prompts, capture, resume and the trampoline that runs heap frames.

Compiled code runs on the Python stack. Anything that must move frames to the heap raises
an Unwind; every compiled frame it passes appends (resume entry, live locals) to
`Unwind.frames` (innermost first) and re-raises. Whoever catches it decides:

* `Capture` (cloneable-shift): the nearest prompt turns the frames into a Continuation and
  runs the shift body under the prompt;
* `Jump` ((k v), a continuation called as a function): the trampoline pushes the caller's
  frames, a prompt, then k's frames, and continues with v; `(resume k v)` runs k's frames on
  the caller's stack instead (`resume`);
* `DepthUnwind`: the Python stack got deep; the trampoline continues on an empty stack;
* `Thrown` (throw v): the nearest try or try-with handles it; try-with gets the frames as k.

A frame is a tuple (entry, locals). Heap frames live in the trampoline's list, outermost
first; a Continuation is an immutable tuple of frames, innermost first. Resumed frames are
popped, so a later capture only copies what is between it and its prompt.
"""
from __future__ import annotations

import gc
import sys
import threading

from turmeric.data.errors import TurmericError
from turmeric.data.signals import Capture, DepthUnwind, Jump, Raising, Thrown, Unwind
from turmeric.data.types import type_name
from turmeric.data.values import Continuation
from turmeric.runtime.errors_convert import error_value, thrown_error


PYTHON_RECURSION_LIMIT = 30_000


def allow_deep_python_stack() -> None:
    """Raise Python's recursion limit to what compiled code needs: up to DEPTH_LIMIT Turmeric
    calls (a few Python frames each) before the machine moves the stack to the heap, plus
    builtins that call back. Process-wide, so the program that owns the process calls it
    once: the command line, the test suite, a benchmark; a Session does not."""
    if sys.getrecursionlimit() < PYTHON_RECURSION_LIMIT:
        sys.setrecursionlimit(PYTHON_RECURSION_LIMIT)


# -- special frames ------------------------------------------------------------------------

def prompt_entry(d, value):
    """A prompt on the heap: the value of what ran above it is the value of the prompt."""
    return value


def redo_entry(d, value, f, *args):
    """The first frame after a depth unwind: the call that found the stack too deep."""
    return f(d, *args)


def trywith_entry(d, value, handler):
    return value


PROMPT_FRAME = (prompt_entry, ())


def _depth(f, *args):
    raise _with_frame(DepthUnwind(), (redo_entry, (f,) + args))


def _with_frame(u: Unwind, frame) -> Unwind:
    # not `u = DepthUnwind(); ...; raise u` in _depth: its traceback holds _depth's frame,
    # whose local u would hold the traceback: a cycle of the exception and every frame it
    # passed, left for the cyclic GC at every depth unwind (#14)
    u.frames.append(frame)
    return u


_new = object.__new__


def _continuation(frames: tuple) -> Continuation:
    """Continuation(frames) without the Python call of its __init__ (#14 generator row: a
    capture per element)."""
    k = _new(Continuation)
    k.frames = frames
    return k


def shift(d, body, *free):
    """(cloneable-shift [k] ...) where it is not in tail position: body(d, *free, k) runs
    under the prompt. In tail position the compiled code raises the Capture itself."""
    raise Capture(body, free)


def resume(d, k, value=None):
    """(resume k v): run k's frames here, on the Python stack, under a prompt.

    A small trampoline over k's frames (innermost first) that never leaves the caller's
    Python stack, so the caller's frames are not unwound. It is what the trampoline does
    for a `Jump` (caller's frames, a prompt, then k's frames), without moving the caller's
    frames to the heap:

    * a `Capture` stops here, as at a cloneable-reset: the new continuation is the captured
      frames plus k's frames not yet run, and the shift body runs under this prompt;
    * a `Thrown` or an error goes to the innermost of k's frames not yet run that handles it
      (a try-with, or a frame suspended in a try), as `_deliver_thrown`/`_deliver_error` do on
      the heap; if none does, it leaves with k's remaining frames noted for the call stack;
    * any other `Unwind` (a depth unwind, a `(k v)` jump) appends k's frames not yet run and a
      prompt, so the heap stack ends up as a `Jump` would have left it.

    k's frames are only read, so k can be resumed again. Each entry runs at depth d + 1.
    """
    if type(k) is not Continuation:
        raise TurmericError("type", f"resume: expected a continuation, got {type_name(k)}",
                            hint="resume takes the k bound by (cloneable-shift [k] ...)")
    frames = k.frames
    n = len(frames)
    i = 0
    d1 = d + 1
    body = None     # a shift body to run under this prompt: body(d1, *free, k)
    free = ()
    call = None     # (entry, args): the frame that handles a throw or an error
    # Calls with a fixed number of arguments where it is known (#14 generator row: a call
    # f(d, *args) builds a tuple and runs in a new C-level evaluation loop; f(d, a, b) runs
    # in this one)
    while True:
        try:
            if body is not None:
                f = body
                body = None
                if len(free) == 1:
                    value = f(d1, free[0], k)
                elif not free:
                    value = f(d1, k)
                else:
                    value = f(d1, *free, k)
            elif call is not None:
                f, a = call
                call = None
                value = f(d1, *a)
            while i < n:
                entry, locs = frames[i]
                i += 1
                m = len(locs)
                if not m:
                    value = entry(d1, value)
                elif m == 1:
                    value = entry(d1, value, locs[0])
                elif m == 2:
                    value = entry(d1, value, locs[0], locs[1])
                elif m == 3:
                    value = entry(d1, value, locs[0], locs[1], locs[2])
                else:
                    value = entry(d1, value, *locs)
            return value
        except Capture as c:
            k = _new(Continuation)     # Continuation(...) without a Python call of __init__
            k.frames = (*c.frames, *frames[i:])
            body, free = c.body, c.free
            frames, n, i = (), 0, 0
        except Thrown as t:
            j = _handler_at(frames, i)
            if j < 0:
                _note_frames(t, frames[i:])
                t.frames.extend(frames[i:])
                t.frames.append(PROMPT_FRAME)
                raise
            entry, locs = frames[j]
            if entry is trywith_entry:
                above = tuple(t.frames) + frames[i:j + 1]
                call = (locs[0], (t.value, Continuation(above)))
            else:
                call = (entry, (Raising(t), *locs))
            i = j + 1
        except Unwind as u:
            u.frames.extend(frames[i:])
            u.frames.append(PROMPT_FRAME)
            raise
        except Exception as e:  # noqa: BLE001 - an error: one of k's frames may handle it
            j = _handler_at(frames, i)
            if j < 0:
                _note_frames(e, frames[i:])
                raise
            entry, locs = frames[j]
            if entry is trywith_entry:
                call = (locs[0], (error_value(e), None))
            else:
                call = (entry, (Raising(e), *locs))
            i = j + 1


def _handles_errors(entry) -> bool:
    """Whether a frame of this entry handles errors: a try-with, or a frame suspended in a try."""
    if entry is trywith_entry:
        return True
    site = site_of(entry)
    return site is not None and site[0].sites[site[1]].in_try


def _handler_at(frames, i) -> int:
    """The innermost of frames[i:] (innermost first) that handles errors, or -1."""
    for j in range(i, len(frames)):
        if _handles_errors(frames[j][0]):
            return j
    return -1


def _note_frames(exc: BaseException, frames) -> None:
    """An error leaves `resume` with k's frames `frames` not yet run: note them, keyed by
    resume's Python frame, for the call stack (errors_convert.attach_stack puts them where
    that frame is in the traceback, as the heap frames of a `Jump` would have been)."""
    if frames:
        noted = exc.__dict__.setdefault("tm_resumed", {})
        noted[sys._getframe(1)] = frames


def throw(d, value):
    raise Thrown(value)


def cloneable_reset(d, thunk):
    """(cloneable-reset thunk): call thunk under a prompt."""
    fn, args = thunk, ()
    while True:
        try:
            return fn(d + 1, *args)
        except Capture as c:
            fn, args = c.body, (*c.free, _continuation(tuple(c.frames)))
        except Unwind as u:
            u.frames.append(PROMPT_FRAME)
            raise


def try_with(d, thunk, handler):
    """(try-with thunk (fn [e k] ...)): k resumes the throw with a value."""
    try:
        return thunk(d + 1)
    except Thrown as t:
        # deep handler: k ends with this try-with, so the resumed code is still under it
        k = Continuation(tuple(t.frames) + ((trywith_entry, (handler,)),))
        return handler(d + 1, t.value, k)
    except Unwind as u:
        u.frames.append((trywith_entry, (handler,)))
        raise
    except Exception as e:  # noqa: BLE001 - a builtin's error: handled, but cannot be resumed
        return handler(d + 1, error_value(e), None)


# -- the trampoline ------------------------------------------------------------------------

def run(fn, args=(), stack=None, barrier_name: str | None = None):
    """Run fn(*args) to completion on a trampoline: the base of a Python stack.

    `stack` holds heap frames below the call, outermost first (default: one prompt, as
    around every top-level form). A host call into Turmeric (barrier_name set) has no
    prompt: a capture that reaches it is an error naming the barrier.
    """
    if stack is None:
        stack = [] if barrier_name else [PROMPT_FRAME]
    value = None
    call = (fn, args)
    frozen = None       # a _Frozen while this run holds the heap frames out of the GC's reach
    grown = False       # a depth unwind just moved frames to the heap
    try:
        while True:
            if grown:       # (here, once the unwinding's traceback is gone)
                grown = False
                if frozen is None:
                    frozen = _Frozen.take()
                if frozen is not None:
                    frozen.grown(len(stack))
            try:
                if call is not None:
                    f, a = call
                    call = None
                    value = f(1, *a)
                pop = stack.pop
                while stack:
                    entry, locs = pop()
                    # a call with a fixed number of arguments runs in the same evaluation
                    # loop and builds no argument tuple; entry(1, value, *locs) does both
                    # (#14: about 50 ns of the 500 a frame costs)
                    if not locs:
                        value = entry(1, value)
                    elif len(locs) == 1:
                        value = entry(1, value, locs[0])
                    elif len(locs) == 2:
                        value = entry(1, value, locs[0], locs[1])
                    elif len(locs) == 3:
                        value = entry(1, value, locs[0], locs[1], locs[2])
                    else:
                        value = entry(1, value, *locs)
                return value
            except DepthUnwind as u:
                stack.extend(reversed(u.frames))
                grown = len(stack) >= FREEZE_STEP
            except Capture as c:
                p = _find_prompt(stack)
                if p < 0:
                    raise TurmericError(
                        "control", "cloneable-shift has no enclosing cloneable-reset" +
                        (f": it would cross {barrier_name}, which cannot be resumed" if barrier_name else ""),
                        hint="wrap the computation in (cloneable-reset (fn [] ...))") from None
                k = tuple(c.frames) + tuple(reversed(stack[p + 1:]))
                del stack[p + 1:]
                call = (c.body, (*c.free, _continuation(k)))
            except Jump as j:
                stack.extend(reversed(j.frames))
                stack.append(PROMPT_FRAME)
                stack.extend(reversed(j.k.frames))
                value = j.value
            except Thrown as t:
                call = _deliver_thrown(stack, t)
            except Exception as e:  # noqa: BLE001 - an error: a heap frame's try may handle it
                if not _deliver_error(stack, e):
                    e.heap_frames = list(stack)
                    raise
    finally:
        if frozen is not None:
            frozen.release()


# -- the heap stack and the cyclic garbage collector -----------------------------------------
#
# A deep recursion keeps one heap frame per level on the trampoline's stack, and every frame is
# a tuple the cyclic GC tracks (it holds a function). Each full collection scanned all of them
# again, so the cost per level grew with the depth (#14: 1.8, 3.3, 5.2 us per level at 10^4,
# 10^5, 10^6). So a run whose heap stack has grown by FREEZE_STEP frames since it last froze
# moves everything tracked into the GC's permanent generation (gc.freeze(), which costs the
# same whatever the heap holds): those frames are not scanned again. While it holds frozen
# frames, the youngest generation's threshold is at least YOUNG_THRESHOLD, so that the two
# objects a frame's traceback makes while it unwinds (freed when the unwind ends) do not set
# off young collections that scan them (gc.freeze() also resets that generation's count).
#
# Frames are still freed by reference counting when they are popped. What freezing delays is
# the collection of garbage cycles that exist when it freezes: at most YOUNG_THRESHOLD objects
# (the youngest generation) plus what older ones hold, per FREEZE_STEP frames of growth. They
# are given back (gc.unfreeze(), to the oldest generation) when the run ends, returning or
# raising, or when a later depth unwind finds the stack shorter than half of what it was.
# The GC is process state: one run at a time holds it; a nested run, another thread's, or
# any run while the program itself has frozen objects goes without, and the holder restores
# the thresholds it changed, so a run leaves the GC as it found it.

FREEZE_STEP = 1000          # heap frames a run's stack grows by between two freezes
YOUNG_THRESHOLD = 10_000    # more than the objects one depth unwind makes (3 per frame)


class _Frozen:
    """The permanent generation and the thresholds, held by one run."""
    __slots__ = ("mark", "thresholds", "raised")
    lock = threading.Lock()
    holder: "_Frozen | None" = None

    def __init__(self):
        self.mark = 0          # the stack's length when this run last froze, 0 if nothing is
        self.thresholds = gc.get_threshold()
        self.raised = (max(self.thresholds[0], YOUNG_THRESHOLD), *self.thresholds[1:])

    @classmethod
    def take(cls) -> "_Frozen | None":
        with cls.lock:
            if cls.holder is not None or not gc.isenabled() or gc.get_freeze_count():
                return None
            cls.holder = h = cls()
            return h

    def grown(self, n: int):
        """The heap stack holds n frames after a depth unwind."""
        if n >= self.mark + FREEZE_STEP:
            if not self.mark:
                if gc.get_freeze_count():    # frozen by the program since: not ours to thaw
                    return
                gc.set_threshold(*self.raised)
            gc.freeze()
            self.mark = n
        elif 2 * n < self.mark:     # it shrank since: the garbage frozen then can go
            self.thaw()

    def thaw(self):
        gc.unfreeze()
        self.mark = 0
        if gc.get_threshold() == self.raised:    # (unless the program set its own since)
            gc.set_threshold(*self.thresholds)

    def release(self):
        with _Frozen.lock:
            if self.mark:
                self.thaw()
            _Frozen.holder = None


def _find_prompt(stack) -> int:
    for i in range(len(stack) - 1, -1, -1):
        if stack[i][0] is prompt_entry:
            return i
    return -1


def _handler_index(stack) -> int:
    """The innermost heap frame (the stack's innermost is last) that handles errors, or -1."""
    for i in range(len(stack) - 1, -1, -1):
        if _handles_errors(stack[i][0]):
            return i
    return -1


NO_SITES: dict = {}


def site_of(entry):
    """(FnInfo, site index) of a resume entry, or None. The table is the session's
    (Session.sites), which registering a module puts in its namespace as TM_SITES (the
    frame-aware builtins have their own); the machine is not given the session."""
    return getattr(entry, "__globals__", NO_SITES).get("TM_SITES", NO_SITES).get(entry)


def _deliver_thrown(stack, t: Thrown):
    """A throw no Python-stack handler caught: find a try or try-with on the heap."""
    i = _handler_index(stack)
    if i < 0:
        err = t.error or uncaught_throw(t.value)
        err.heap_frames = list(stack)
        err.tm_resumed = getattr(t, "tm_resumed", None)
        err.tm_traceback = t.__traceback__  # the Python frames from here to the throw
        raise err
    above = tuple(t.frames) + tuple(reversed(stack[i + 1:]))
    entry, locs = stack[i]
    del stack[i:]
    if entry is trywith_entry:
        return (locs[0], (t.value, Continuation(above + ((entry, locs),))))
    return (entry, (Raising(t), *locs))


def _deliver_error(stack, e: Exception) -> bool:
    i = _handler_index(stack)
    if i < 0:
        return False
    entry, locs = stack[i]
    del stack[i:]
    if entry is trywith_entry:
        stack.append((_call_handler_entry, (locs[0], error_value(e))))
    else:
        stack.append((_raise_into_entry, (entry, e, locs)))
    return True


def _call_handler_entry(d, value, handler, err):
    return handler(d, err, None)


def _raise_into_entry(d, value, entry, err, locs):
    return entry(d, Raising(err), *locs)


def uncaught_throw(value) -> TurmericError:
    return thrown_error(value)
