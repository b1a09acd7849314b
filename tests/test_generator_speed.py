"""The generator row of issue #14: `resume` runs k's frames on the caller's Python stack
(runtime/machine.py `resume`) instead of raising `Jump` to the trampoline, which unwound the
consumer's whole stack on every element.

Never timed: the speed is guarded by counts (Python calls, exceptions and trampoline
catches per element). The semantics are guarded by a differential test against the
trampoline path, which `(k v)` still takes (`Continuation.__call__` raises `Jump`): the same
programs, once with `(resume k v)` and once with `(k v)`, give the same value, the same
side effects in the same order, or the same error with the same call stack.
"""
from __future__ import annotations

import collections
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from turmeric.cps import shift as shift_sites
from turmeric.data.errors import TurmericError
from turmeric.data.names import mangle
from turmeric.data.values import Continuation
from turmeric.runtime import machine
from turmeric.session.session import Session

pytestmark = pytest.mark.usefixtures("scratch_cache")

GENERATOR = ROOT / "bench" / "programs" / "generator.tm"


@pytest.fixture(scope="module")
def gen_session():
    s = Session()
    s.load_file(str(GENERATOR), name="generator")
    return s


def gen_fn(s, name):
    return s.modules["generator"].ns["g_" + mangle(name)]


def traced(run):
    """(Python calls by function name, exception events by function name) while run() runs."""
    calls, exceptions = collections.Counter(), collections.Counter()

    def tracer(frame, event, arg):
        if event == "call":
            calls[frame.f_code.co_name] += 1
        elif event == "exception":
            exceptions[frame.f_code.co_name] += 1
        return tracer

    sys.settrace(tracer)
    try:
        run()
    finally:
        sys.settrace(None)
    return calls, exceptions


def per_element(s, fn_name, small=200, big=400):
    """The calls and exception events one more element costs (the difference of two runs)."""
    f = gen_fn(s, fn_name)
    c1, e1 = traced(lambda: s.run(machine.run, f, (small,)))
    c2, e2 = traced(lambda: s.run(machine.run, f, (big,)))
    n = big - small
    # rounded: a call that is not per element (a gc callback another test left) is not counted
    calls = {k: round((c2[k] - c1[k]) / n) for k in c2 if round((c2[k] - c1[k]) / n)}
    excs = {k: round((e2[k] - e1[k]) / n) for k in e2 if round((e2[k] - e1[k]) / n)}
    return calls, excs


# -- #14 generator row: what one element costs, counted -----------------------------------------

def test_resume_does_not_unwind_the_consumer(gen_session):
    """#14 generator row: (resume k) runs k on the consumer's stack: the consumer's frame is
    never moved to the heap (its resume entry never runs) and the trampoline catches nothing."""
    calls, excs = per_element(gen_session, "gen-sum")
    assert not any(name.startswith("R_generator_oconsume") for name in calls), calls
    assert "run" not in excs, excs                    # no Jump or Capture reaches machine.run
    assert excs.get("resume") == 1                    # the element's one Capture stops in resume


def test_one_element_costs_a_bounded_number_of_calls_and_exceptions(gen_session):
    """#14 generator row: 6 Python calls and 4 exception events (one Capture from yield to
    resume) per element. It was 15 and 5: the shift body was a closure made per element (a
    factory call) and raised from a call of machine.shift; the Continuation was made through
    a Python __init__; (nth step 1), (nth step 0) and [x k] called builtins (vector through
    two Python calls). On the trampoline path it was 20 calls and 9 events (a Jump and a
    Capture, both caught by machine.run)."""
    calls, excs = per_element(gen_session, "gen-sum")
    assert sum(calls.values()) <= 6, calls
    assert sum(excs.values()) <= 4, excs
    assert not {"shift", "nth", "vector_", "vector"} & set(calls), calls
    assert not any(name.startswith("K_") for name in calls), calls


def test_a_shift_in_tail_position_raises_its_capture_with_a_lifted_body(gen_session):
    """#14 generator row (direct capture at shift sites): yield raises the Capture itself,
    with its body a module function taking x first; no closure is made."""
    ns = gen_session.modules["generator"].ns
    fn = gen_fn(gen_session, "yield")
    assert "Capture" in fn.__code__.co_names and "C__cshift" not in fn.__code__.co_names
    assert ns["F_generator_oyield_dfn_n1"].__code__.co_varnames[:3] == ("d", "l_x", "l_k")
    assert "K_generator_oyield_dfn_n1" not in ns


def test_the_counts_can_fail_on_the_trampoline_path():
    """The guard above is not vacuous: the same consumer with (k v), the trampoline path,
    moves its frame to the heap on every element."""
    s = Session()
    s.eval_string("""
(defn yield [x] (cloneable-shift [k] [x k]))
(defn produce [i n] (when (< i n) (yield i) (produce (inc i) n)))
(defn consume-j [step acc] (if (nil? step) acc (consume-j ((nth step 1) nil) (+ acc (nth step 0)))))
(defn gen-sum-j [n] (consume-j (cloneable-reset (fn [] (produce 0 n) nil)) 0))
""")
    f = s.modules["user"].ns["g_" + mangle("gen-sum-j")]
    c1, e1 = traced(lambda: s.run(machine.run, f, (100,)))
    c2, e2 = traced(lambda: s.run(machine.run, f, (200,)))
    assert c2[next(k for k in c2 if k.startswith("R_user_oconsume_hj"))] >= 200
    assert e2["run"] - e1["run"] >= 200               # a Jump and a Capture per element


def test_the_generator_still_holds_two_frames_per_element(gen_session):
    """#14 generator row: a capture inside a resumed continuation copies only k's frames not yet
    run (the producer's frame and the thunk's), as the trampoline path did."""
    f = gen_fn(gen_session, "captured-frames")
    assert gen_session.run(machine.run, f, (1000,)) == 2000
    assert gen_session.run(machine.run, gen_fn(gen_session, "gen-sum"), (1000,)) == 499500


# -- #14 generator row: the guarantees, case by case ----------------------------------------

def ev(s, text):
    return s.eval_string(text)[-1]


def test_multi_shot_resume_gives_the_same_result_twice():
    """#14 generator row: k's frames are only read, so a second resume starts from the same state."""
    s = Session()
    s.eval_string("(def k (cloneable-reset (fn [] (let [a 10 b (cloneable-shift [k] k)] (+ a b)))))")
    assert ev(s, "[(resume k 1) (resume k 1) (resume k 2) (k 1)]") == [11, 11, 12, 11]


def test_try_inside_k_catches_an_error_of_k():
    """#14 generator row: an error raised after resume goes to a try among k's frames not yet
    run (not to the caller's try), as on the trampoline."""
    s = Session()
    s.eval_string("""
(defn inner [v] (+ 1 (/ 1 v)))
(def k (cloneable-reset (fn [] (try (inner (cloneable-shift [k] k)) (catch [e] [:in-k (ex-message e)])))))
(defn outside [f] (try (f) (catch [e] :caller)))
""")
    assert ev(s, "(outside (fn [] (resume k 0)))") == ev(s, "(outside (fn [] (k 0)))")
    assert ev(s, "(outside (fn [] (resume k 0)))")[0].name == "in-k"
    assert ev(s, "(outside (fn [] (resume k 1)))") == 2


def test_throw_inside_k_reaches_a_try_with_inside_k_and_is_resumable():
    """#14 generator row: a throw goes to the try-with among k's frames, whose k2 resumes it."""
    s = Session()
    s.eval_string("""
(def k (cloneable-reset (fn [] (try-with (fn [] (+ 100 (throw (cloneable-shift [k] k))))
                                         (fn [e k2] (if (= e 0) :zero (resume k2 (* e 2))))))))
""")
    assert ev(s, "[(resume k 0) (resume k 5) (k 5)]") == [ev(s, ":zero"), 110, 110]


def test_finally_inside_k_runs_once_per_resumption():
    """#14 generator row: try/finally across resume, as spec/language.md §7 shows it."""
    s = Session()
    s.eval_string("""
(def log (atom []))
(def k (cloneable-reset (fn [] (try (+ 1 (cloneable-shift [k] k)) (finally (swap! log conj :left))))))
""")
    assert ev(s, "[(resume k 1) (resume k 2) @log]") == [2, 3, ev(s, "[:left :left]")]


def test_an_error_out_of_resume_names_the_frames_of_k_not_yet_run():
    """#14 generator row: the call stack of an error escaping resume holds k's outer frames,
    which never were on the Python stack (runtime/errors_convert.attach_stack, `tm_resumed`),
    in the same order as the trampoline path gives them."""
    s = Session()
    s.eval_string("""
(defn inner [x] (if (= x 3) (/ 1 0) x))
(defn mid [x] (let [v (cloneable-shift [k] k)] (+ 1 (inner v))))
(defn outer [] (+ 10 (mid 0)))
(defn get-k [] (cloneable-reset (fn [] (outer))))
(defn via-resume [v] (+ 100 (resume (get-k) v)))
(defn via-call   [v] (+ 100 (        (get-k) v)))
""")
    stacks = []
    for caller in ("via-resume", "via-call"):
        with pytest.raises(TurmericError) as e:
            s.eval_string(f"({caller} 3)")
        assert e.value.kind == "value"
        stacks.append([n for n, _ in e.value.tstack if not n.startswith("user/top")])
    assert stacks[0] == ["user.via-resume", "user.outer", "user.mid", "user.inner"]
    assert stacks[1] == ["user.via-call", "user.outer", "user.mid", "user.inner"]


def test_an_uncaught_throw_out_of_resume_names_the_frames_of_k_not_yet_run():
    """#14 generator row: as above, for a throw no handler catches."""
    s = Session()
    s.eval_string("""
(defn thrower [x] (if (= x 3) (throw :boom) x))
(defn mid [x] (let [v (cloneable-shift [k] k)] (+ 1 (thrower v))))
(defn get-k [] (cloneable-reset (fn [] (+ 10 (mid 0)))))
""")
    with pytest.raises(TurmericError) as e:
        s.eval_string("(+ 1 (resume (get-k) 3))")
    assert e.value.kind == "thrown"
    assert [n for n, _ in e.value.tstack if not n.startswith("user/top")] == \
        ["user.get-k/fn#1", "user.mid", "user.thrower"]


def test_deep_recursion_inside_a_resumed_continuation():
    """#14 generator row: depth bounded only by memory: 20,000 non-tail calls made inside a
    resumed continuation move to the heap (a depth unwind passes resume, which appends k's
    remaining frames and a prompt)."""
    s = Session()
    s.eval_string("""
(defn down [n] (if (= n 0) 0 (+ 1 (down (- n 1)))))
(def k (cloneable-reset (fn [] (+ 1 (down (cloneable-shift [k] k))))))
""")
    assert ev(s, "[(resume k 20000) (resume k 5)]") == [20001, 6]


def test_resumes_nested_20000_deep():
    """#14 generator row: each resume runs k one level deeper (d + 1), so 20,000 nested resumes,
    each inside the continuation the previous one runs, move to the heap instead of
    overflowing the Python stack."""
    s = Session()
    s.eval_string("""
(defn nest [n]
  (if (= n 0) 0
      (+ 1 (resume (cloneable-reset (fn [] (let [v (cloneable-shift [k] k)] (+ v (nest (- n 1)))))) 0))))
""")
    assert ev(s, "(nest 20000)") == 20000


def test_a_generator_checkpointed_mid_way_finishes_in_a_fresh_process(tmp_path, tm_env):
    """#14 generator row: serializability: the step of a generator captured inside a resumed
    continuation (inside a try/finally) is written to a file, and a fresh `turmeric run`
    reads it and consumes the rest."""
    prog = tmp_path / "gen.tm"
    saved = tmp_path / "step.bin"
    prog.write_text(f"""
(defn yield [x] (cloneable-shift [k] [x k]))
(defn produce [i n] (when (< i n) (try (yield (* i 10)) (finally (print (str "f" i " ")))) (produce (inc i) n)))
(defn consume [step acc limit]
  (if (or (nil? step) (= limit 0)) [acc step]
      (consume (resume (nth step 1)) (+ acc (nth step 0)) (dec limit))))
(def path "{saved}")
(if (file-exists? path)
  (println :rest (first (consume (deserialize (read-file path)) 0 -1)))
  (let [[acc step] (consume (cloneable-reset (fn [] (produce 0 6) nil)) 0 3)]
    (write-file path (serialize step))
    (println :first acc)))
""")
    first = subprocess.run([sys.executable, "-m", "turmeric.cli", "run", str(prog)], env=tm_env,
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["f0", "f1", "f2", ":first", "30"]
    rest = subprocess.run([sys.executable, "-m", "turmeric.cli", "run", str(prog)], env=tm_env,
                          capture_output=True, text=True, timeout=120)
    assert rest.returncode == 0, rest.stderr
    assert rest.stdout.split() == ["f3", "f4", "f5", ":rest", "120"]


# -- #14 generator row: the class of bug: the inline path against the trampoline path ----------

PRELUDE = """
(def log (atom []))
(defn note [x] (swap! log conj x) x)
(defn deep [n f] (if (= n 0) (f) (+ 0 (deep (- n 1) f))))
(defn num [x] (if (number? x) x 7))
"""

RESUME = "(resume "
CALL = "(       "   # (k v), padded to the width of "(resume " so every span is the same


def resume_of(k, arg):
    return f"{RESUME}{k} {arg})"


@st.composite
def expr(draw, depth=0, ks=()):
    """An integer-valued expression mixing resets, shifts whose body resumes k zero, one or
    two times (possibly an outer k), try/catch, try/finally, try-with, throw, errors, side
    effects and recursion deeper than the depth limit. Written with RESUME markers: the
    test prints it once with `(resume k v)` and once with `(k v)`."""
    if depth >= 4:
        return str(draw(st.integers(-3, 9)))
    sub = lambda: draw(expr(depth + 1, ks))  # noqa: E731
    choice = draw(st.sampled_from(
        ["lit", "add", "reset", "shift", "shift", "shift", "tail-shift", "tail-shift", "try",
         "finally", "trywith", "throw", "error", "note", "deep"] + (["outer-k"] if ks else [])))
    if choice == "lit":
        return str(draw(st.integers(-3, 9)))
    if choice == "add":
        return f"(+ {sub()} {sub()})"
    if choice == "reset":
        return f"(cloneable-reset (fn [] {sub()}))"
    if choice == "shift":
        k = f"k{depth}"
        inner = expr(depth + 1, ks + (k,))
        uses = draw(st.sampled_from(["none", "once", "twice"]))
        if uses == "none":
            body = draw(inner)
        elif uses == "once":
            body = f"(+ 1 {resume_of(k, draw(inner))})"
        else:
            body = f"(+ {resume_of(k, draw(inner))} {resume_of(k, draw(inner))})"
        if draw(st.booleans()):   # what follows the shift runs inside the resumed continuation
            return f"(+ (cloneable-shift [{k}] {body}) {sub()})"
        return f"(+ {sub()} (cloneable-shift [{k}] {body}))"
    if choice == "tail-shift":
        # a shift in tail position of a fn (raised there, cps/shift.py) whose body reads the
        # fn's parameter, set! before or inside the body (a box the body shares) or not
        k = f"k{depth}"
        inner = expr(depth + 1, ks + (k,))
        where = draw(st.sampled_from(["plain", "set-before", "set-in-body"]))
        uses = draw(st.sampled_from(["none", "once", "twice"]))
        if uses == "none":
            body = f"(+ v {draw(inner)})"
        elif uses == "once":
            body = f"(+ v {resume_of(k, draw(inner))})"
        else:
            body = f"(+ {resume_of(k, 'v')} v {resume_of(k, draw(inner))})"
        if where == "set-in-body":
            body = f"(do (set! v (+ v 1)) {body})"
        before = "(set! v (* v 2)) " if where == "set-before" else ""
        return f"((fn [v] {before}(cloneable-shift [{k}] {body})) {sub()})"
    if choice == "outer-k":
        return f"(num {resume_of(draw(st.sampled_from(ks)), sub())})"
    if choice == "try":
        return f"(try {sub()} (catch [e] (+ 100 (num e))))"
    if choice == "finally":
        return f"(try {sub()} (finally (note {draw(st.integers(0, 99))})))"
    if choice == "trywith":
        h = draw(st.sampled_from(["abandon", "resume", "resume-twice"]))
        body = {"abandon": "(+ 50 (num e))",
                "resume": f"(if (nil? k) 60 (+ 1 {resume_of('k', '(num e)')}))",
                "resume-twice": f"(if (nil? k) 70 (+ {resume_of('k', '1')} {resume_of('k', '2')}))"}[h]
        return f"(try-with (fn [] {sub()}) (fn [e k] {body}))"
    if choice == "throw":
        return f"(+ {sub()} (throw {draw(st.integers(0, 9))}))"
    if choice == "error":
        return f"(+ {sub()} (/ 1 {draw(st.sampled_from(['0', '1']))}))"
    if choice == "note":
        return f"(note {sub()})"
    return f"(deep {draw(st.sampled_from([0, 3, 1100]))} (fn [] {sub()}))"


_DIFF_SESSION = []


def outcome(text: str):
    """What running text as the body of `main` gives: ("value", value, log), or ("error", kind,
    message, position, call stack, log)."""
    if not _DIFF_SESSION:
        _DIFF_SESSION.append(Session())
        _DIFF_SESSION[0].eval_string(PRELUDE)
    return outcome_in(_DIFF_SESSION[0], text)


def outcome_in(s: Session, text: str):
    s.eval_string(f"(reset! log [])\n(defn main [] {text})")
    try:
        return ("value", s.eval_string("[(main) @log]")[-1])
    except TurmericError as e:
        log = s.eval_string("@log")[-1]
        stack = [(re.sub(r"#\d+", "#", n), at(sp)) for n, sp in e.tstack if not n.startswith("user/top")]
        return ("error", e.kind, e.message, at(e.span), stack, log)


def at(span) -> str:
    """line:col of a span (each evaluation has its own file name, <user-N>, and numbers its
    fns on from the last, so the names above drop the numbers)."""
    return ":".join(str(span).rsplit(":", 2)[-2:])


def agree(inline, trampoline):
    """The same outcome. The call stacks may differ in one way only: the inline path also names
    frames that called on in tail position (main calling cloneable-reset), which a Jump had
    unwound off the Python stack and which left no heap frame; as in an error without
    continuations, where every Python frame is in the traceback. So the trampoline's stack
    must be a subsequence of the inline one, with the same innermost frame."""
    if inline[0] == "value" or trampoline[0] == "value":
        return inline == trampoline
    stack_i, stack_t = inline[4], trampoline[4]
    rest = iter(stack_i)
    return (inline[:4] == trampoline[:4] and inline[5] == trampoline[5]
            and all(f in rest for f in stack_t) and stack_i[-1:] == stack_t[-1:])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expr())
def test_resume_inline_agrees_with_the_trampoline_path(e):
    """#14 generator row: every program gives the same value, log and error (kind, message,
    position, call stack) whether its continuations run inline (resume) or on the trampoline
    ((k v), a Jump)."""
    inline = outcome(e)
    trampoline = outcome(e.replace(RESUME, CALL))
    assert agree(inline, trampoline), (e, inline, trampoline)


@pytest.mark.parametrize("text", [
    # resume inside try, of a continuation that captures again, twice, under nested resets
    "(try (+ 1 (cloneable-reset (fn [] (+ (cloneable-shift [k0] (+ (resume k0 1) (resume k0 2))) "
    "(cloneable-shift [k1] (resume k1 10)))))) (catch [e] (+ 100 (num e))))",
    # a throw in k caught by a try in k; a try-with around resume resuming the throw twice
    "(try-with (fn [] (cloneable-reset (fn [] (+ (cloneable-shift [k0] (resume k0 (throw 4))) 1)))) "
    "(fn [e k] (if (nil? k) 70 (+ (resume k 1) (resume k 2)))))",
    # a depth unwind inside a resumed continuation, inside a try/finally
    "(cloneable-reset (fn [] (try (+ 1 (deep 1100 (fn [] (cloneable-shift [k0] (resume k0 (note 5)))))) "
    "(finally (note 9)))))",
    # an outer k resumed inside an inner shift's body
    "(cloneable-reset (fn [] (+ (cloneable-shift [k0] (+ 2 (cloneable-shift [k1] (num (resume k0 3))))) 1)))",
    # an error in k no try catches: the same call stack
    "(cloneable-reset (fn [] (deep 3 (fn [] (+ (cloneable-shift [k0] (resume k0 0)) (/ 1 0))))))",
])
def test_resume_inline_agrees_with_the_trampoline_path_on_chosen_programs(text):
    """#14 generator row: hand-picked cases of the property above."""
    inline = outcome(text)
    assert agree(inline, outcome(text.replace(RESUME, CALL)))
    assert inline[0] in ("value", "error")


def test_resume_of_a_non_continuation_is_a_type_error():
    s = Session()
    with pytest.raises(TurmericError) as e:
        s.eval_string("(resume 5 1)")
    assert e.value.kind == "type" and "expected a continuation" in e.value.message
    assert type(ev(s, "(cloneable-reset (fn [] (cloneable-shift [k] k)))")) is Continuation


# -- #14 generator row: the class of bug: a shift compiled directly against the closure path ----

_SHIFT_SESSIONS: dict = {}


def direct_and_closure(text: str):
    """text's outcome with shift sites compiled as cps/shift.py does (a lifted body; a tail
    shift raising its Capture) and as any call (a closure, a call of machine.shift), each in
    a session of its own (with no compile cache) that compiles everything it runs so."""
    got = []
    for enabled in (True, False):
        with pytest.MonkeyPatch.context() as m:
            m.setattr(shift_sites, "ENABLED", enabled)
            s = _SHIFT_SESSIONS.get(enabled)
            if s is None:
                s = _SHIFT_SESSIONS[enabled] = Session(cache=False)
                s.eval_string(PRELUDE)
            got.append(outcome_in(s, text))
    return got


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expr())
def test_direct_shift_agrees_with_the_closure_path(e):
    """#14 generator row (direct capture at shift sites): every program gives the same value,
    log and error (kind, message, position, call stack) whether its shift bodies are lifted
    module functions and its tail shifts raise the Capture themselves, or closures called
    through machine.shift. The programs nest resets, resume inside try, resume twice, capture
    inside a resumed continuation, recurse past the depth limit, and set! captured variables."""
    direct, closure = direct_and_closure(e)
    assert direct == closure, (e, direct, closure)


@pytest.mark.parametrize("text", [
    # a tail shift whose body resumes twice and reads a captured variable set! in the body
    "(+ 1 ((fn [v] (cloneable-shift [k] (do (set! v (+ v 1)) (+ (resume k v) v (resume k 10))))) 5))",
    # a tail shift inside a resumed continuation, under a try/finally, past the depth limit
    "(cloneable-reset (fn [] (try (+ 1 (deep 1100 (fn [] ((fn [v] (cloneable-shift [k0] (resume k0 (note v)))) 4)))) "
    "(finally (note 9)))))",
    # a tail shift inside a resumed continuation (its Capture stops in resume), resumed twice
    "(cloneable-reset (fn [] (+ (cloneable-shift [k0] (+ 1 (resume k0 2))) "
    "((fn [v] (cloneable-shift [k1] (+ v (resume k1 v) (resume k1 1)))) 4))))",
    # an error in a lifted shift body: the same position and call stack
    "(cloneable-reset (fn [] ((fn [v] (cloneable-shift [k] (+ v (/ 1 0)))) 3)))",
    # a throw out of a lifted body caught by a try-with that resumes it twice
    "(try-with (fn [] (cloneable-reset (fn [] ((fn [v] (cloneable-shift [k] (+ v (throw 2)))) 1)))) "
    "(fn [e k] (if (nil? k) 70 (+ (resume k 1) (resume k 2)))))",
])
def test_direct_shift_agrees_with_the_closure_path_on_chosen_programs(text):
    """#14 generator row: hand-picked cases of the property above."""
    direct, closure = direct_and_closure(text)
    assert direct == closure
    assert direct[0] in ("value", "error")


def test_a_direct_shift_serializes_and_resumes_in_a_fresh_process(tmp_path, tm_env):
    """#14 generator row: serializability with a lifted shift body: a continuation captured
    by a tail shift whose body holds captured values (a depth unwind inside the body records
    the body's module function) is written and resumed twice by a fresh `turmeric run`."""
    prog = tmp_path / "tail.tm"
    saved = tmp_path / "k.bin"
    prog.write_text(f"""
(defn down [n] (if (= n 0) 0 (+ 1 (down (- n 1)))))
(defn pause [a b] (cloneable-shift [k] (+ (down 1200) (do (write-file "{saved}" (serialize k)) a b))))
(defn work [x] (* 10 (+ x (pause x 2))))
(def path "{saved}")
(if (file-exists? path)
  (let [k (deserialize (read-file path))] (println :resumed (resume k 1) (resume k 5)))
  (println :first (cloneable-reset (fn [] (work 3)))))
""")
    first = subprocess.run([sys.executable, "-m", "turmeric.cli", "run", str(prog)], env=tm_env,
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == [":first", "1202"]
    rest = subprocess.run([sys.executable, "-m", "turmeric.cli", "run", str(prog)], env=tm_env,
                          capture_output=True, text=True, timeout=120)
    assert rest.returncode == 0, rest.stderr
    assert rest.stdout.split() == [":resumed", "40", "80"]


# -- #14 generator row: nth's vector fast path against its list path ---------------------------

@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-5, 5), max_size=4),
       st.one_of(st.integers(-6, 6), st.booleans(), st.just(1.0)),
       st.sampled_from(["none", "nil", "7"]))
def test_nth_on_a_vector_agrees_with_nth_on_a_list(xs, i, default):
    """#14 generator row (a faster nth on the [x k] vector): nth of a vector, which now
    answers an index in range before any other test, gives what nth of the list of the same
    items gives: the item, the default, or the same kind of error, for every index (negative,
    out of range, a bool, a float)."""
    s = _nth_session()
    results = []
    for coll in (f"[{' '.join(map(str, xs))}]", f"(list {' '.join(map(str, xs))})"):
        index = {True: "true", False: "false"}.get(i, str(i)) if type(i) is bool else str(i)
        extra = "" if default == "none" else " " + default
        try:
            results.append(("value", s.eval_string(f"(nth {coll} {index}{extra})")[-1]))
        except TurmericError as e:
            results.append(("error", e.kind, e.message.replace("list", "coll").replace("vector", "coll")))
    assert results[0] == results[1], (xs, i, default, results)


def _nth_session(_s=[]):
    if not _s:
        _s.append(Session(cache=False))
    return _s[0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["x", "nil", "1", '"s"', ":k", "[x]", "(inc x)", "false"]), min_size=1, max_size=5))
def test_a_vector_of_computed_items_agrees_with_the_builtin(items):
    """#14 generator row ([x k] built by one C call): a vector literal of computed items, and
    (vector ...) of them, give what the vector builtin called as a value gives."""
    s = _nth_session()
    text = " ".join(items)
    got = s.eval_string(f"(let [x 3 f vector] [[{text}] (vector {text}) (f {text}) (vector? [{text}])])")[-1]
    assert got[0] == got[1] == got[2] and got[3] is True and type(got[0]) is type(got[2])
