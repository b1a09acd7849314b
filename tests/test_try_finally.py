"""#9 item 13: `finally` in `try`, `(catch Exception e ...)` and the other class names, and
what a continuation captured inside a try with a finally does (spec/language.md §7).

The decision tested here: a finally is code that runs when a run of the body leaves the try
(it returns, or an error or throw goes out of it). A capture is not leaving: the finally runs
when the resumed continuation leaves the try, once per resumption, in this process or in a
fresh one after serialize/resume. A throw that leaves the try has run the finally, so a
try-with's k resumes after the try (the value given to k is the try's value).
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from conftest import no_python, tm
from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str
from turmeric.session.session import Session

pytestmark = pytest.mark.usefixtures("scratch_cache")


@pytest.fixture()
def session():
    return Session(cache=False)


def run(session, text: str):
    """The printed values (pr-str) of the forms of `text`."""
    return [pr_str(v) if not isinstance(v, (int, bool)) else v
            for v in session.eval_string(text, module="tf")]


def test_finally_runs_on_normal_exit_and_keeps_the_value(session):
    """#9 item 13: finally runs after the body, the body's value is the try's."""
    out = run(session, """
      (def log (atom []))
      (def v (try (swap! log conj :body) 42 (finally (swap! log conj :finally) :ignored)))
      [v @log]""")
    assert str(out[-1]) == "[42 [:body :finally]]"


def test_finally_runs_on_an_error_and_the_error_goes_on_unchanged(session):
    """#9 item 13: an error in the body runs the finally, then is the same error (kind,
    message) as without the finally."""
    run(session, "(def log (atom []))")
    with pytest.raises(TurmericError) as plain:
        run(session, "(+ 1 :a)")
    with pytest.raises(TurmericError) as err:
        run(session, "(try (+ 1 :a) (finally (swap! log conj :cleaned)))")
    assert (err.value.kind, err.value.message) == (plain.value.kind, plain.value.message) == (
        "type", "+: expected a number, got keyword :a")
    assert str(run(session, "@log")[-1]) == "[:cleaned]"


def test_finally_runs_on_a_throw_and_after_a_catch(session):
    out = run(session, """
      (def log (atom []))
      (def a (try (try (throw {:code 7}) (finally (swap! log conj :inner)))
                  (catch e (swap! log conj [:caught (:code e)]) :handled)))
      (def b (try (throw :x) (catch e (swap! log conj :handler) :h) (finally (swap! log conj :fin))))
      (def c (try (try (throw :y) (catch e (throw :z)) (finally (swap! log conj :fin2)))
                  (catch e e)))
      [a b c @log]""")
    assert str(out[-1]) == "[:handled :h :z [:inner [:caught 7] :handler :fin :fin2]]"


def test_catch_classes_map_onto_error_kinds(session):
    """#9 item 13: (catch Exception e ...) is (catch e ...); the narrower classes catch what
    spec/language.md's table says and let the rest go on to the next catch or out."""
    out = run(session, """
      (defn classify [thunk]
        (try (thunk)
          (catch ArithmeticException e [:arith (ex-message e)])
          (catch ExceptionInfo e [:info (ex-data e)])
          (catch ClassCastException e :cast)
          (catch clojure.lang.ArityException e :arity)
          (catch RuntimeException e :runtime)
          (catch Throwable e [:other e])))
      [(classify (fn [] (/ 1 0)))
       (classify (fn [] (throw (ex-info "m" {:k 1}))))
       (classify (fn [] (+ 1 "a")))
       (classify (fn [] ((fn [x] x))))
       (classify (fn [] (throw (error "plain"))))
       (classify (fn [] (throw {:not :an-error})))
       (try (/ 1 0) (catch java.lang.Exception e :java-name))
       (try (throw :v) (catch Exception [e] e))
       (try (throw :v) (catch e e))
       (try (throw :v) (catch [e] e))]""")
    assert str(out[-1]) == ('[[:arith "/: division by zero"] [:info {:k 1}] :cast :arity :runtime '
                            '[:other {:not :an-error}] :java-name :v :v :v]')


def test_a_catch_that_does_not_match_lets_the_error_go_on_unchanged(session):
    with pytest.raises(TurmericError) as err:
        run(session, "(try (+ 1 :a) (catch ArithmeticException e :no))")
    assert err.value.kind == "type"
    with pytest.raises(TurmericError) as err:
        run(session, "(try (throw {:k 1}) (catch RuntimeException e :no))")
    assert err.value.kind == "thrown" and "{:k 1}" in err.value.message


def test_an_unmatched_catch_keeps_a_throw_resumable(session):
    """A try-with outside a catch of another class still gets the throw's own k."""
    out = run(session, """
      (try-with (fn [] (+ 1 (try (* 2 (throw :ask)) (catch ArithmeticException e 0))))
                (fn [e k] (k 10)))""")
    assert out[-1] == 21


def test_a_throw_through_a_finally_resumes_after_the_try(session):
    """The finally ran when the throw left the try; k resumes after it, once."""
    out = run(session, """
      (def log (atom 0))
      [(try-with (fn [] (+ 1 (try (* 2 (throw :ask)) (finally (swap! log inc)))))
                 (fn [e k] (k 10)))
       @log]""")
    assert str(out[-1]) == "[11 1]"


@pytest.mark.parametrize("bad,message", [
    ("(try 1 (catch Foo e 2))", "Foo is not an exception class"),
    ("(try 1 (finally 2) (catch e 3))", "the finally clause must come last"),
    ("(try 1 (finally 2) (finally 3))", "one finally clause"),
    ("(try 1 (catch e 2) 3)", "the catch clause must come last"),
    ("(try 1 (catch))", "catch needs a name"),
])
def test_malformed_try_is_a_compile_error(session, bad, message):
    with pytest.raises(TurmericError) as err:
        run(session, bad)
    assert err.value.kind == "compile" and message in err.value.message


MULTI_SHOT = """
(def log (atom []))
(def k (cloneable-reset (fn []
  (try
    (swap! log conj :enter)
    (let [x (cloneable-shift [k] k)]
      (swap! log conj [:body x])
      x)
    (finally (swap! log conj :finally))))))
"""


def test_a_capture_inside_try_finally_runs_the_finally_once_per_resumption(session):
    """#9 item 13: capturing is not leaving the try; each resumption leaves it once."""
    run(session, MULTI_SHOT)
    assert str(run(session, "@log")[-1]) == "[:enter]"
    assert run(session, "(resume k 1)")[-1] == 1
    assert run(session, "(resume k 2)")[-1] == 2
    assert str(run(session, "@log")[-1]) == "[:enter [:body 1] :finally [:body 2] :finally]"


def test_an_error_after_resumption_runs_the_finally_once(session):
    run(session, MULTI_SHOT)
    with pytest.raises(TurmericError) as err:
        run(session, "(resume k :not-a-number-but-fine) (resume k nil) (+ 1 (resume k :a))")
    assert err.value.kind == "type"
    assert str(run(session, "@log")[-1]).count(":finally") == 3


def test_finally_after_serialize_and_resume_in_a_fresh_process(tm_env, tmp_path):
    """#9 item 13: the continuation saved inside try/finally runs the finally when resumed
    from the file, once per resume, and not at all when it was saved."""
    prog = tmp_path / "fin.tm"
    prog.write_text("""
(defn work []
  (try
    (println "before")
    (checkpoint "in-try" 1)
    (println "after")
    :result
    (finally (println "finally ran"))))
(println (work))
""", encoding="utf-8")
    first = tm(tm_env, tmp_path, "run", "fin.tm")
    no_python(first)
    assert first.stdout.splitlines() == ["before", "after", "finally ran", ":result"]
    for _ in range(2):   # resumed twice from the same file: once each
        again = tm(tm_env, tmp_path, "resume", "checkpoint-in-try.bin")
        no_python(again)
        assert again.stdout.splitlines()[:3] == ["after", "finally ran", ":result"]
        assert again.stdout.count("finally ran") == 1


# The class: for any body that returns, throws a value or raises a runtime error, a finally
# runs exactly once, and the try's outcome is the same as without the finally.

OUTCOMES = {"value": "7", "throw": "(throw {:t 1})", "error": "(+ 1 :a)", "div": "(/ 1 0)"}


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(sorted(OUTCOMES)), min_size=1, max_size=3),
       st.sampled_from(["", "(catch ArithmeticException e :arith)", "(catch e :any)",
                        "(catch ExceptionInfo e :info)"]))
def test_finally_runs_once_and_changes_no_outcome(outcomes, catch):
    session = Session(cache=False)
    body = " ".join(OUTCOMES[o] for o in outcomes)

    def outcome(text):
        try:
            return ("ok", pr_str(session.eval_string(text, module="p")[-1]))
        except TurmericError as e:
            return ("err", e.kind, e.message)

    session.eval_string("(def runs (atom 0))", module="p")
    plain = outcome(f"(try {body} {catch})")
    with_finally = outcome(f"(try {body} {catch} (finally (swap! runs inc)))")
    assert with_finally == plain
    assert session.eval_string("@runs", module="p")[-1] == 1


def test_a_capture_inside_a_finally_that_handles_an_error_is_a_serialize_error(session):
    """The pending error is not data: serializing such a continuation is a clear serialize
    error naming it (spec/language.md §7), never an internal one; after a normal exit the
    same capture serializes."""
    text = """(def k (cloneable-reset (fn [] (try {BODY} (finally (cloneable-shift [k] k))))))
              (count (serialize k))"""
    assert run(session, text.replace("{BODY}", ":fine"))[-1] > 0
    with pytest.raises(TurmericError) as err:
        run(session, text.replace("{BODY}", "(+ 1 :a)"))
    assert err.value.kind == "serialize" and "pending-error" in err.value.message


@pytest.mark.parametrize("name", ["catch", "finally"])
def test_a_clause_outside_try_says_so(session, name, tmp_path):
    """Not "did you mean %finally-exit?": the %-helpers of expansions are never suggested."""
    def hint_of(text):
        path = tmp_path / "clause.tm"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(TurmericError) as err:
            session.load_file(str(path), name="clause")
        assert err.value.kind == "unbound"
        return err.value.hint or ""
    assert "clause of try" in hint_of(f"(defn f [] ({name} 1))")
    assert "%finally-exit" in hint_of("(defn f [] (%finally-exi 1))")
    assert "%" not in hint_of("(defn f [] (finally-exit 1))")
