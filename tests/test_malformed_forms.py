"""Malformed special and derived forms are user errors, never internal ones.

The requirement: every malformed form is a Turmeric error that names file:line:col (for a
malformed special form, error[compile], exit 65), never an internal error (a Python
exception that is not a TurmericError, exit 70). Hypothesis
generates small programs around every special form (expander CORE_FORMS, analyzer SPECIAL)
and every derived form (the expander's `derived` table): the head with 0..4 random
arguments, shaped near-misses (binding vectors with odd counts or non-names, parameter
vectors with literals, missing bodies, bad catch/instance/match clauses), quasiquote and
#(...) literals, forms produced by a macro, each nested in a random context (inside
(prn ...), a fn body, a let body, a vector ...). Compiling each must either succeed or raise
a TurmericError whose span is in the file compiled (any kind: a random program may also
have an unbound name, a missing module, or a macro that fails when it is expanded).

This file is expected to FAIL until the compiler is fixed (see the regression cases at the
end); it is deliberately not marked xfail.

The example counts keep the whole file under half a minute on a 2-core machine (about 15 s
of CPU when every example passes).
"""
from __future__ import annotations

import signal
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from turmeric.data.errors import TurmericError
from turmeric.pipeline import compile_text
from turmeric.session.session import MacroEnv, Module, Session

pytestmark = [
    pytest.mark.usefixtures("scratch_cache"),
    # the session raises the recursion limit; hypothesis says so once per test
    pytest.mark.filterwarnings("ignore:The recursion limit will not be reset"),
    pytest.mark.filterwarnings("ignore:Generating overly large repr"),
    # compile() warns about generated calls of literals, such as (1 2) -> 1(2)
    pytest.mark.filterwarnings("ignore::SyntaxWarning"),
]


# =========================================================================================
# THE ONE PLACE THIS FILE TOUCHES THE COMPILER: through the one driver, turmeric.pipeline.
# =========================================================================================
def compile_source(text: str, file: str) -> None:
    """Read, expand, analyze, generate Python and compile() `text` as the module file `file`,
    without running its top-level forms (macro definitions and imports still run, as they do
    at compile time). Raises TurmericError for the user's mistakes."""
    session = Session()
    mod = Module(name=Path(file).stem, path=file)
    mod.ns = session.new_namespace(mod)
    session.sources[file] = text
    compile_text(text, file, mod, MacroEnv(session, mod), session.core_names(),
                 frozenset(session.pure), True, f"<turmeric:{mod.name}>")
# =========================================================================================


FILE_NAME = "malformed.tm"


@pytest.fixture(scope="module")
def tm_file(tmp_path_factory) -> str:
    """The file name the programs are compiled as: in an empty directory, so an (import x)
    looks for x.tm next to it and finds nothing but the standard library."""
    return str(tmp_path_factory.mktemp("forms") / FILE_NAME)


@contextmanager
def time_limit(seconds: int, text: str):
    def on_alarm(signum, frame):
        raise AssertionError(f"compiling did not finish in {seconds} s:\n{text}")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def check_compiles_or_user_error(text: str, file: str) -> TurmericError | None:
    """Compiling `text` succeeds, or raises a non-internal TurmericError with a span in
    `file` that points inside the text. Any other exception fails the test (it propagates,
    with the program in its note)."""
    try:
        with time_limit(20, text):
            compile_source(text, file)
    except TurmericError as e:
        assert e.kind != "internal", f"error[internal] for:\n{text}\n{e.message}"
        assert e.span is not None, f"error[{e.kind}] without a position for:\n{text}\n{e.message}"
        assert e.span.file == file, (
            f"error[{e.kind}] positioned in {e.span.file!r}, not in the file {file!r}, for:\n"
            f"{text}\n{e.message}")
        lines = text.count("\n") + 1
        assert 1 <= e.span.line <= lines and e.span.col >= 1, (
            f"error[{e.kind}] at {e.span}, outside the {lines}-line source:\n{text}\n{e.message}")
        return e
    except Exception as e:  # noqa: BLE001 - re-raised, with the program that caused it
        if hasattr(e, "add_note"):
            e.add_note(f"while compiling:\n{text}")
        raise
    return None


# -- the grammar ---------------------------------------------------------------------------

# Every special form (expander CORE_FORMS = analyzer SPECIAL) and every derived form (the
# expander's `derived` table), written out so that the strategies do not depend on where the
# compiler keeps them; test_heads_cover_the_compiler checks the lists against the compiler.
CORE_HEADS = ["quote", "if", "do", "def", "fn", "let", "set!", "try", "cloneable-shift",
              "struct", "%defmacro", "module", "import", "defclass", "instance"]
DERIVED_HEADS = ["defn", "defmacro", "when", "unless", "cond", "and", "or", "->", "->>",
                 "quasiquote", "match", "if-let", "when-let", "loop", "dotimes", "doseq",
                 "comment", "case", "%fn-literal", "when-not", "if-not", "while", "assert",
                 "cond->", "cond->>", "some->", "some->>", "condp", "for", "letfn", "time", "ns", "require"]
# heads that are not forms but mean something inside one, or are core functions with a
# special role (a prompt, a handler), or reader-macro names
OTHER_HEADS = ["recur", "catch", "finally", "cloneable-reset", "resume", "try-with", "throw",
               "unquote", "unquote-splicing", "deref", "current-version", "Some", "None"]
HEADS = CORE_HEADS + DERIVED_HEADS + OTHER_HEADS

SYMBOLS = ["x", "y", "f", "k", "Foo", "Show", "int", "&", "_", ":", "->", "...", "%", "%1",
           "%2", "%&", "catch", "recur", "inc", "prn", "+", "nil?", "x#", "a.b", "x.y",
           "core/inc", "str/join", "else"]
KEYWORDS = [":k", ":as", ":keys", ":or", ":when", ":let", ":while", ":else", ":version",
            ":a/b"]
LITERALS = ["0", "1", "-1", "42", "1.5", '""', '"s"', "nil", "true", "false", '#"a+"']

symbols = st.sampled_from(SYMBOLS)
atoms = st.one_of(symbols, st.sampled_from(KEYWORDS), st.sampled_from(LITERALS),
                  st.integers(-3, 1000).map(str), st.sampled_from(HEADS))


def seq(open_: str, close: str, items) -> str:
    return open_ + " ".join(items) + close


def collections(inner):
    """Lists, vectors (any count), maps (even count, distinct keys) and sets of `inner`."""
    small = st.lists(inner, max_size=4)
    return st.one_of(
        small.map(lambda xs: seq("(", ")", xs)),
        small.map(lambda xs: seq("[", "]", xs)),
        st.lists(st.tuples(atoms, inner), max_size=3, unique_by=lambda kv: kv[0])
          .map(lambda kvs: seq("{", "}", [f"{k} {v}" for k, v in kvs])),
        st.lists(atoms, max_size=3, unique=True).map(lambda xs: seq("#{", "}", xs)),
        inner.map(lambda x: "'" + x),
    )


# any small form: atoms, collections, and (head args...) calls of the special forms
forms = st.recursive(
    atoms,
    lambda inner: st.one_of(
        collections(inner),
        st.tuples(st.sampled_from(HEADS), st.lists(inner, max_size=4))
          .map(lambda t: seq("(", ")", [t[0], *t[1]])),
    ),
    max_leaves=8,
)

# the head with 0..4 random arguments
head_with_args = st.tuples(st.sampled_from(HEADS), st.lists(forms, max_size=4)).map(
    lambda t: seq("(", ")", [t[0], *t[1]]))

# binding and parameter vectors: names mostly, with literals, collections, & and : mixed in,
# odd and even counts
binding_item = st.one_of(symbols, symbols, forms)
binding_vectors = st.lists(binding_item, max_size=5).map(lambda xs: seq("[", "]", xs))
bodies = st.lists(forms, max_size=2)


@st.composite
def shaped(draw):
    """A near-miss of one form's real shape, so the generator gets past the first check."""
    kind = draw(st.sampled_from([
        "binding", "fn", "defn", "def", "try", "shift", "struct", "defclass", "instance",
        "match", "clauses", "import", "module", "quasiquote", "fn-literal", "threading",
    ]))
    body = draw(bodies)
    if kind == "binding":
        head = draw(st.sampled_from(["let", "loop", "if-let", "when-let", "dotimes", "doseq",
                                     "for", "letfn", "cloneable-shift", "binding"]))
        vec = draw(st.one_of(binding_vectors, forms))
        return seq("(", ")", [head, vec, *body])
    if kind in ("fn", "defn"):
        head = draw(st.sampled_from(["fn", "defn", "defmacro"])) if kind == "defn" else "fn"
        parts = [head]
        if kind == "defn" or draw(st.booleans()):
            parts.append(draw(st.one_of(symbols, atoms)))
        if draw(st.booleans()):
            parts.append('"doc"')
        if draw(st.booleans()):
            parts.append(draw(binding_vectors))
            if draw(st.booleans()):
                parts += [":", draw(symbols)]
            parts += body
        else:  # arities
            clauses = draw(st.lists(st.tuples(st.one_of(binding_vectors, forms), bodies), max_size=3))
            parts += [seq("(", ")", [v, *b]) for v, b in clauses]
        return seq("(", ")", parts)
    if kind == "def":
        parts = ["def", *draw(st.lists(st.one_of(symbols, forms), max_size=1))]
        if draw(st.booleans()):
            parts += [":", draw(symbols)]
        return seq("(", ")", parts + draw(st.lists(forms, max_size=2)))
    if kind == "try":
        catch = seq("(", ")", [draw(st.sampled_from(["catch", "finally"])),
                               *draw(st.lists(st.one_of(binding_vectors, symbols, forms), max_size=1)),
                               *draw(bodies)])
        parts = ["try", *body]
        parts.insert(draw(st.integers(1, len(parts))), catch)
        if draw(st.booleans()):
            parts.append(catch)
        return seq("(", ")", parts)
    if kind == "shift":
        head = draw(st.sampled_from(["cloneable-shift", "cloneable-reset"]))
        return seq("(", ")", [head, draw(st.one_of(binding_vectors, forms)), *body])
    if kind == "struct":
        return seq("(", ")", ["struct", *draw(st.lists(st.one_of(symbols, binding_vectors, forms),
                                                        max_size=3))])
    if kind == "defclass":
        methods = draw(st.lists(st.one_of(
            st.tuples(symbols, binding_vectors).map(lambda t: f"({t[0]} {t[1]})"), forms), max_size=2))
        return seq("(", ")", ["defclass", *draw(st.lists(st.one_of(symbols, binding_vectors, forms),
                                                          max_size=2)), *methods])
    if kind == "instance":
        methods = draw(st.lists(st.one_of(
            st.tuples(symbols, st.one_of(binding_vectors, forms), bodies)
              .map(lambda t: seq("(", ")", [t[0], t[1], *t[2]])),
            st.just("..."), forms), max_size=2))
        prefix = draw(st.lists(st.one_of(st.sampled_from(["Show", "Serializable", "Foo", "int",
                                                          "(pair a b)", "()"]), forms),
                               max_size=2))
        constraints = draw(st.lists(binding_vectors, max_size=1))
        return seq("(", ")", ["instance", *prefix, *constraints, *methods])
    if kind == "match":
        clauses = draw(st.lists(st.tuples(forms, st.sampled_from(["->", "->", "=>", "x"]), forms),
                                max_size=3))
        extra = draw(st.lists(forms, max_size=1))
        return seq("(", ")", ["match", draw(forms), *[f"{p} {a} {b}" for p, a, b in clauses], *extra])
    if kind == "clauses":
        head = draw(st.sampled_from(["cond", "case", "condp", "cond->", "cond->>", "some->",
                                     "some->>", "->", "->>", "and", "or", "assert", "time"]))
        return seq("(", ")", [head, *draw(st.lists(forms, max_size=5))])
    if kind == "import":
        name = draw(st.sampled_from(["core", "x", "Foo", "a.b", "1", ":k", "[x]"]))
        rest = draw(st.lists(st.sampled_from([":as", "x", "y", "1", ":k", "[]"]), max_size=3))
        return seq("(", ")", ["import", name, *rest][: draw(st.integers(1, 5))])
    if kind == "module":
        return seq("(", ")", ["module", *draw(st.lists(st.one_of(symbols, st.just(":version"), forms),
                                                        max_size=4))])
    if kind == "quasiquote":
        return "`" + draw(quasi)
    # fn-literal / threading
    if kind == "fn-literal":
        return "#(" + " ".join(draw(st.lists(st.one_of(fn_literal_items, forms), min_size=0, max_size=3))) + ")"
    head = draw(st.sampled_from(["->", "->>", "some->", "cond->"]))
    return seq("(", ")", [head, *draw(st.lists(st.one_of(forms, st.just("(fn [x] x)"),
                                                         st.just("#(inc %)")), max_size=4))])


fn_literal_items = st.one_of(st.sampled_from(["%", "%1", "%2", "%&", "%0", "%x", "#(inc %)"]), symbols)

# quasiquoted templates with ~ and ~@ in any place, nested backquotes
quasi = st.recursive(
    atoms,
    lambda inner: st.one_of(
        collections(inner),
        inner.map(lambda x: "~" + x),
        inner.map(lambda x: "~@" + x),
        inner.map(lambda x: "`" + x),
        st.lists(inner, max_size=3).map(lambda xs: seq("(", ")", xs)),
    ),
    max_leaves=6,
)

malformed = st.one_of(head_with_args, shaped(), shaped())

# where a form sits: {} is the form
CONTEXTS = [
    "{}", "(prn {})", "(fn [x] {})", "(let [x 1] {})", "(do {})", "(do {} 1)",
    "(defn g [x] {})", "(if true {} nil)", "[{}]", "{{:k {}}}", "(prn (fn [] {}))",
    "(cloneable-reset (fn [] {}))", "(when x {})", "(loop [i 0] {})", "(try {} (catch e e))",
    "(let [x {}] x)", "(fn [] (let [y 1] {} y))", "(def z {})", "(match 1 x -> {})",
    "(-> 1 {})", "#({} %)", "`(a ~{})",
]


@st.composite
def in_context(draw, inner):
    """`inner` nested in 1..2 random contexts, after 0..1 other top-level forms."""
    form = draw(inner)
    for _ in range(draw(st.integers(0, 2))):
        form = draw(st.sampled_from(CONTEXTS)).replace("{}", form, 1)
    before = draw(st.lists(st.sampled_from(["(def x 1)", "(defn f [a] a)", "(struct pair [a b])",
                                            "(defclass Show [a] (show [x : a]))"]), max_size=1))
    return "\n".join([*before, form])


# A macro whose expansion is the malformed form: the error must still be positioned in the
# file (at the macro call), and the forms a macro makes go through the same checks.
@st.composite
def via_macro(draw):
    form = draw(malformed)
    how = draw(st.sampled_from([
        "(defmacro m [] '{})\n(m)",
        "(defmacro m [& xs] `(do ~@xs))\n(m {})",
        "(defmacro m [a] a)\n(prn (m {}))",
    ]))
    return how.replace("{}", form)


# report_multiple_bugs=False: while several failure classes are open, shrink and report one per
# test (shrinking all of them takes minutes); the regression cases below list the others
SETTINGS = dict(deadline=None, report_multiple_bugs=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


# -- the properties -------------------------------------------------------------------------

@settings(max_examples=1000, **SETTINGS)
@given(text=in_context(malformed))
def test_malformed_forms_are_user_errors(text, tm_file):
    check_compiles_or_user_error(text, tm_file)


@settings(max_examples=400, **SETTINGS)
@given(text=in_context(forms))
def test_random_forms_are_user_errors(text, tm_file):
    check_compiles_or_user_error(text, tm_file)


@settings(max_examples=300, **SETTINGS)
@given(text=via_macro())
def test_macro_made_forms_are_user_errors(text, tm_file):
    check_compiles_or_user_error(text, tm_file)


# -- the list of heads above is the compiler's -----------------------------------------------

def test_heads_cover_the_compiler():
    """Every special and derived form is generated: the lists above are the compiler's."""
    from turmeric.analyzer.analyzer import SPECIAL
    from turmeric.expander.expander import CORE_FORMS, Expander
    derived = set(Expander(None).derived)
    assert set(CORE_FORMS) <= set(CORE_HEADS), set(CORE_FORMS) - set(CORE_HEADS)
    assert set(SPECIAL) <= set(CORE_HEADS), set(SPECIAL) - set(CORE_HEADS)
    assert derived <= set(DERIVED_HEADS), derived - set(DERIVED_HEADS)


# -- regressions: one input per failure class found (internal errors, errors without a place) --

# malformed forms: each must be error[compile] with a position in the file
MALFORMED = [
    "(cloneable-reset (fn [] (cloneable-shift [&] 1)))",   # IndexError, analyzer (found by a hypothesis run)
    "(instance)",                            # IndexError, analyzer form_instance
    "(instance Foo)",                        # IndexError, analyzer form_instance
    "(prn (instance Show))",
    "(instance Show [])",                    # AttributeError: the type is not a name
    "(instance Show ())",
    "(instance 1 int)",                      # AttributeError: the class is not a name
    "(instance :k int)",
    "(defclass [])",                         # AttributeError in prescan_globals
    "(defclass 'x)",
    "(%defmacro)",                           # IndexError, expander _expand_core
    "(%defmacro [] [0])",                    # AttributeError, analyzer form__defmacro
    "(%fn-literal)",                         # IndexError, expander _fn_literal
    "(when-let)",                            # IndexError, expander _when_let
    "(try (catch e) ())",                    # error[compile] without a position
    "(instance Show int 5)",                 # error[compile] without a position
    "(match 25 184 25 184)",                 # error[compile] without a position
]


@pytest.mark.parametrize("text", MALFORMED)
def test_known_malformed_forms_are_compile_errors(text, tm_file):
    err = check_compiles_or_user_error(text, tm_file)
    assert err is not None, f"{text} compiled; it is malformed"
    assert err.kind == "compile", f"{text}: error[{err.kind}]: {err.message}"


# a macro's expansion keeps a position for what is inside maps and sets too (at least the
# macro call's)
POSITIONED_AFTER_MACRO = [
    "(defmacro m [] '#{y})\n(m)",                # error[unbound] without a position
    "(defmacro m [] '{:a (when)})\n(m)",         # error[compile] without a position
]


@pytest.mark.parametrize("text", POSITIONED_AFTER_MACRO)
def test_errors_in_macro_expansions_have_a_position(text, tm_file):
    assert check_compiles_or_user_error(text, tm_file) is not None, f"{text} compiled"


# (comment ...) inside an expression is nil, as in Clojure (where (prn (comment 1 2)) prints
# nil); a user error would also do, an internal error does not
COMMENT_IN_AN_EXPRESSION = [
    "(prn (comment 1 2))",                   # InternalError: codegen cannot write #<nothing>
    "(prn (comment))",
    "(let [x (comment 1)] x)",
    "[(comment)]",
    "`(a ~(comment))",
    "(defmacro m [& xs] `(do ~@xs))\n(m (comment))",
]


@pytest.mark.parametrize("text", COMMENT_IN_AN_EXPRESSION)
def test_comment_in_an_expression(text, tm_file):
    check_compiles_or_user_error(text, tm_file)
