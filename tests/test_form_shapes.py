"""Special-form shapes (issue #8): every malformed form is a compile error at its bad
sub-form, never an internal error; FORM_SHAPES covers every core and derived form; the
MacroEnv Protocol is what the session implements."""
from __future__ import annotations

import inspect
import itertools

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str
from turmeric.data.values import Keyword, PMap, Symbol, plist, vector
from turmeric.expander import expander
from turmeric.expander.shapes import FORM_SHAPES, PARTS, _Check
from turmeric.pipeline import compile_text
from turmeric.session import session as session_module
from turmeric.session.session import Session

pytestmark = pytest.mark.usefixtures("scratch_cache")


@pytest.fixture(scope="module")
def session():
    return Session(cache=False)


_modules = itertools.count(1)


def compile_source(session, text: str):
    """Compile `text` as the module file t.tm (a new module each time), through the one
    driver; nothing runs."""
    mod = session.scratch_module(f"shapes{next(_modules)}")
    return compile_text(text, "t.tm", mod, session_module.MacroEnv(session, mod),
                        session.core_names(), frozenset(session.pure), True, f"<turmeric:{mod.name}>")


def compile_error(session, text: str) -> TurmericError:
    with pytest.raises(TurmericError) as info:
        compile_source(session, text)
    return info.value


# (source, kind, line:col, message) -- the place is the bad sub-form
MALFORMED = [
    ("(instance)", "1:1", "instance: expected a class name, got nothing"),
    ("(instance Foo)", "1:1", "instance: expected a type name, or a list such as (pair a b), got nothing"),
    ("(instance Show int 5)", "1:20", "instance: expected an instance method (name [params] body...), got integer 5"),
    ("(let [x] x)", "1:1", "let bindings come in pairs: [name value ...]"),
    ("(let 1 2)", "1:6", "let: expected a binding vector [name value ...], got integer 1"),
    ("(fn [1] 1)", "1:6", "fn: expected a name or a destructuring pattern ([a b & more] or {:keys [a b]}), got integer 1"),
    ("(let [[a 1] [1 2]] a)", "1:10", "let: expected a name or a destructuring pattern ([a b & more] or {:keys [a b]}), got integer 1"),
    ("(let [{:keys [a 1]} {}]\n  a)", "1:17", "let: expected a name in :keys, got integer 1"),
    ("(defn f)", "1:1", "defn: expected a parameter vector [x y] or arities ([x] body...) ([x y] body...), got nothing"),
    ("(defn f [x &] x)", "1:12", "defn: & is followed by exactly one name: [a & more]"),
    ("(defn f ([x] 1) 2)", "1:17", "defn: expected an arity ([params] body...), got integer 2"),
    ("(if 1 2 3 4)", "1:1", "if takes a test, a then branch and an optional else branch"),
    ("(quote 1 2)", "1:10", "quote: expected no more forms, got integer 2"),
    ("(def 1 2)", "1:6", "def: expected a name, got integer 1"),
    ("(struct p [x 1])", "1:14", "struct: expected a field name, got integer 1"),
    ("(defclass C [a] 1)", "1:17", "defclass: expected a class method (name [params] : type?), got integer 1"),
    ("(import a :as)", "1:11", "import: expected an alias after :as, got nothing"),
    ("(match 1 {} -> 1)", "1:10", "match: expected a pattern (_, a name, a literal, 'datum, (Ctor p...) or [p... & rest]), got map {}"),
    ("(match 1\n  1 => :one)", "2:5", "expected -> after the pattern"),
    ("(dotimes [1 2] 1)", "1:11", "dotimes: expected a name for the counter, got integer 1"),
    ("(for [x [1] :until 2] x)", "1:13", "for: unknown modifier :until (use :when, :let or :while)"),
    ("(letfn [(f 1)] 1)", "1:12", "letfn: expected a parameter vector [x y] or arities ([x] body...), got integer 1"),
    ("(try (catch e 1) 2)", "1:18", "the catch clause must come last in try"),
    ("(cloneable-shift 1)", "1:18", "cloneable-shift: expected one name for the continuation [k], got integer 1"),
    ("(if-let [x] 1)", "1:9", "if-let: expected a binding vector [name value], got vector [x]"),
    ("(prn `(a (unquote)))", "1:10", "unquote takes one form"),
    ("(fn [x] :)", "1:9", "fn: expected a type after :"),
    ("(println [1 (when)])", "1:13", "when: expected a test, got nothing"),
]


@pytest.mark.parametrize("source,where,message", MALFORMED)
def test_malformed_forms_are_compile_errors_at_the_bad_part(session, source, where, message):
    err = compile_error(session, source)
    assert (err.kind, f"{err.span.line}:{err.span.col}", err.message) == ("compile", where, message)
    assert err.span.file == "t.tm"


def test_a_comment_is_nil_in_an_expression_and_nothing_at_top_level(session):
    compiled = compile_source(session, "(comment 1)\n(prn (comment 1 2))\n")
    assert [pr_str(f) for f in compiled.expanded] == ["(prn nil)"]


def test_every_form_has_a_shape_and_every_part_a_check():
    assert set(expander.CORE_FORMS) | set(expander.Expander(None).derived) <= set(FORM_SHAPES)
    used = {p for shape in FORM_SHAPES.values() for p in shape.parts}
    assert used <= set(PARTS)
    assert all(hasattr(_Check, method) for method in PARTS.values())


def test_the_macro_env_protocol_is_what_the_session_implements():
    def methods(cls):
        return {name: inspect.signature(f) for name, f in vars(cls).items()
                if callable(f) and not name.startswith("_")}
    protocol, implementation = methods(expander.MacroEnv), methods(session_module.MacroEnv)
    assert set(protocol) == set(implementation)
    for name, sig in protocol.items():
        assert list(sig.parameters) == list(implementation[name].parameters), name


# ---- the property: malformed and random forms compile or are errors with a span ------------

HEADS = sorted(h for h in FORM_SHAPES if not h.startswith("%") and h not in ("defmacro", "import", "module"))
names = st.sampled_from(["x", "y", "f", "&", ":", "_", "->", ":as", "recur", "catch", "..."]).map(Symbol)
atoms = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["s", ""]),
                  st.sampled_from([Keyword("as"), Keyword("keys"), Keyword("or"), Keyword("when"),
                                   Keyword("let"), Keyword("while"), Keyword("k")]), names)


def _form(kids):
    return st.one_of(
        st.lists(kids, max_size=4).map(vector),
        st.lists(kids, max_size=4).map(plist),
        st.tuples(st.sampled_from(HEADS).map(Symbol), st.lists(kids, max_size=4)).map(
            lambda t: plist([t[0], *t[1]])),
        st.lists(st.tuples(kids, kids), max_size=2).map(lambda kv: PMap(dict(kv))),
    )


forms = st.recursive(atoms, _form, max_leaves=12)
special_forms = st.tuples(st.sampled_from(HEADS).map(Symbol), st.lists(forms, max_size=5)).map(
    lambda t: plist([t[0], *t[1]]))


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # generated code calling nil, say
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(special_forms)
def test_random_special_forms_compile_or_are_user_errors_with_a_span(session, form):
    text = "(def x 1) (def y 2) (def f 3)\n" + pr_str(form)
    try:
        compile_source(session, text)
    except TurmericError as e:
        assert e.span is not None and e.span.file == "t.tm" and e.span.line >= 1, (text, e.message)
