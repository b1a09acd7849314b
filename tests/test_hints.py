"""#9 item 10 leftovers: hints point at nothing that does not ship, and doto works."""
from __future__ import annotations

import ast
from pathlib import Path

from turmeric.data.printer import pr_str
from turmeric.data.values import vector
from turmeric.session.session import Session

PACKAGE = Path(__file__).resolve().parent.parent / "turmeric"


def _message_strings():
    """Every string constant in the package's code (not docstrings, not the generated :doc
    text, which quotes spec/ on purpose as the REPL shows it)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "builtin_docs.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {id(n.body[0].value) for n in ast.walk(tree)
                if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                yield path, node.lineno, node.value


def test_no_message_sends_the_user_to_a_spec_file():
    """#9 item 10: `see spec/serialization.md` is useless after a pip install (spec/ is not in
    the wheel); no message or hint names a file under spec/ or docs/ as a place to read."""
    bad = [(str(p.relative_to(PACKAGE)), line, s) for p, line, s in _message_strings()
           if "see spec/" in s or "see docs/" in s]
    assert bad == []


def test_doto_on_an_atom():
    """#9 item 10: (doto (atom 1) (swap! inc)) is the atom, now 2 (it reported an arity
    error for swap! while doto was undefined)."""
    s = Session(cache=False)
    assert pr_str(s.eval_string("(deref (doto (atom 1) (swap! inc)))", module="h")[-1]) == "2"


NOT_FUNCTIONS = {'([10 20 30] 1)': "a vector", '("abc" 0)': "a string", '(1 2)': "an integer",
                 '(nil)': "nil", '(1.5)': "a float", '(true)': "a boolean",
                 "('a {'a 1})": "a symbol", '((atom 1))': "a ref", '((list 1) 0)': "a list"}


def test_calling_a_value_that_is_not_a_function_names_its_turmeric_type():
    """Calling a vector said "'pvectorc.PVector' object is not callable": the pattern missed
    the dotted name of the C type. Every value that is not a function is named by its
    Turmeric type, and a vector's hint says what to write instead (Clojure calls vectors)."""
    s = Session(cache=False)
    for expr, word in NOT_FUNCTIONS.items():
        try:
            s.eval_string(expr, module="h")
        except Exception as e:  # noqa: BLE001 - a TurmericError is what is expected
            assert type(e).__name__ == "TurmericError", (expr, e)
            assert e.kind == "type", (expr, e.kind)
            assert str(e.message).startswith(f"{word} is not a function"), (expr, e.message)
        else:
            raise AssertionError(f"{expr} did not fail")
    try:
        s.eval_string('([1 2] 0)', module="h")
    except Exception as e:  # noqa: BLE001
        assert "(nth v i)" in e.hint


def _error(s, src):
    try:
        s.eval_string(src, module="mh")
    except Exception as e:  # noqa: BLE001
        return e
    raise AssertionError(f"{src} did not fail")


def test_a_macro_used_with_the_wrong_number_of_forms_is_an_error_at_the_use():
    """`(checkpoint "p.ck")` said `core.checkpoint takes 2 arguments, got 1`, and a file's
    macro was named `m/top#0/m2`: the compiled function, not the macro. The error is at the
    use, names the macro, and the hint shows its parameters."""
    s = Session(cache=False)
    e = _error(s, '(checkpoint "p.ck")')
    assert (e.kind, e.message) == ("arity", "macro checkpoint takes 2 arguments, got 1")
    assert e.hint == "write (checkpoint name value)"
    assert (e.span.line, e.span.col) == (1, 1)
    s.eval_string("(defmacro two+ [a b & more] a) (defmacro none [] 1)", module="mh")
    assert _error(s, "(two+ 1)").message == "macro two+ takes at least 2 arguments, got 1"
    assert _error(s, "(two+ 1)").hint == "write (two+ a b & more)"
    assert _error(s, "(none 1)").message == "macro none takes 0 arguments, got 1"
    assert s.eval_string("[(two+ 1 2) (two+ 1 2 3 4) (none)]", module="mh")[-1] == vector([1, 1, 1])


def test_defmacro_with_several_arities():
    """Clojure's multi-arity defmacro was refused ("expected a parameter vector"); it expands
    as defn does, and a use no arity takes is an arity error at the use."""
    s = Session(cache=False)
    s.eval_string('(defmacro pick "doc" ([a] a) ([a b] `(+ ~a ~b)))', module="mh")
    assert s.eval_string("[(pick 1) (pick 1 2)]", module="mh")[-1] == vector([1, 3])
    e = _error(s, "(pick)")
    assert (e.kind, e.message) == ("arity", "macro pick takes 1 or 2 arguments, got 0")
    assert e.span.file == "<mh-3>"


OPS = ["(+ a b)", "(- a b)", "(* a b)", "(< a b)", "(> a b)", "(<= a b)", "(>= a b)", "(- a)", "(+ b a)"]
NOT_NUMBERS = ['[2]', '{:k 1}', '"s"', ':k', 'nil', "'(1)", '#{1}']


def test_arithmetic_on_a_value_that_is_not_a_number_is_a_turmeric_type_error():
    """(defn f [a b] (+ a b)) called with a vector said "unsupported operand type(s) for +:
    'int' and 'pvectorc.PVector'": the pattern missed the dotted C type, as for calls. The
    class: every operator of a function whose operand types are unknown, against every kind
    of value that is not a number, is a `type` error in Turmeric's words. A vector + a number
    said "'int' object is not iterable" (Python's vector + extends the vector)."""
    s = Session(cache=False)
    for i, op in enumerate(OPS):
        s.eval_string(f"(defn op{i} [a b] {op})", module="ops")
        for bad in NOT_NUMBERS:
            args = f"{bad} 1" if op == "(- a)" else f"1 {bad}"
            e = _error(s, f"(do (import ops) (ops/op{i} {args}))")
            assert e.kind == "type", (op, bad, e)
            assert "expected a number" in e.message or "cannot" in e.message, (op, bad, e.message)
            for python_word in ("pvectorc", "unsupported operand", "NoneType", "'list'", "PMap", "'str'", "iterable"):
                assert python_word not in e.message, (op, bad, e.message)


def test_a_closure_called_with_the_wrong_number_of_arguments_is_named():
    """`((mk 1) 1)` for a closure made by (defn mk [z] (fn [x y] ...)) said
    `K_m_omk_dfn_n1.<locals>.fn_() missing 1 required positional argument: 'l_y'`: Python
    names a closure by its qualified name, which neither the patterns nor the code map knew.
    Too few and too many, from a defn, a let and a loop body."""
    s = Session(cache=False)
    s.eval_string("(defn mk [z] (fn [x y] (+ x z)))"
                  "(defn in-let [] (let [k 3 g (fn [a] (+ a k))] g))", module="mh")
    for src, msg in (("((mk 1) 1)", "mh.mk/fn#1 takes 2 arguments, got 1"),
                     ("((mk 1) 1 2 3)", "mh.mk/fn#1 takes 2 arguments, got 3"),
                     ("((in-let))", "takes 1 argument, got 0")):
        e = _error(s, src)
        assert e.kind == "arity", (src, e)
        assert msg in e.message and "<locals>" not in e.message and "l_" not in e.message, (src, e.message)


def test_too_few_arguments_to_a_function_that_takes_more_says_at_least():
    """`(min)` said `min takes 1 argument, got 0`, though min takes any number from 1: a
    builtin or a defn with a rest parameter or a default says "at least"; a fixed one does not."""
    s = Session(cache=False)
    s.eval_string("(defn some-of [a & more] a) (defn exactly [a b] a)", module="mh")
    for src, msg in (("(min)", "min takes at least 1 argument, got 0"),
                     ("(some-of)", "mh.some-of takes at least 1 argument, got 0"),
                     ("(exactly 1)", "mh.exactly takes 2 arguments, got 1"),
                     ("(first)", "first takes 1 argument, got 0")):
        e = _error(s, src)
        assert (e.kind, e.message) == ("arity", msg), (src, e.message)


def _raises(f):
    try:
        f()
    except Exception as e:  # noqa: BLE001
        return e
    raise AssertionError("it did not fail")


def test_a_qualified_name_of_a_module_not_imported_hints_the_import(tmp_path):
    """`(workflow/await-message :x)` without `(import workflow)` said only "is not defined"
    (found by writing a workflow as the spec's first example does, minus its import): the
    hint names the import. A Clojure namespace alias (str/join) needs none."""
    hint = "workflow is not imported in this module: if it is a module, (import workflow) first"
    path = tmp_path / "nohint.tm"                      # a file: when it is compiled
    path.write_text("(defn f [] (workflow/await-message :x))", encoding="utf-8")
    compiled = _raises(lambda: Session(cache=False).load_file(str(path)))
    assert compiled.kind == "unbound" and compiled.hint == hint
    s = Session(cache=False)                            # the REPL: when it runs
    e = _error(s, "(do (defn f [] (workflow/await-message :x)) (f))")
    assert e.kind == "unbound" and e.hint == hint
    assert s.eval_string('(str/join "," [1 2])', module="mh")[-1] == "1,2"
