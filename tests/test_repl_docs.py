"""The REPL knows module members and builtins without spec/: Tab after `str/` and `:doc
str/join` (#9 item 14), the builtins' descriptions shipped in the package and kept in sync
with spec/builtins.md, and the REPL's files import nothing inside function bodies."""
from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from prompt_toolkit.document import Document

from turmeric.analyzer.analyzer import CLOJURE_NAMESPACES, CLOJURE_STRING_ALIASES
from turmeric.repl import commands
from turmeric.repl.builtin_docs import DOCS
from turmeric.repl.docs import SPEC, TABLE, parse_spec, render
from turmeric.repl.loop import Repl
from turmeric.repl.ui import _ui_classes, names_in_scope

from conftest import ROOT


def doc(repl: Repl, name: str) -> str:
    repl._out = io.StringIO()
    repl.handle(f":doc {name}")
    return repl.out.getvalue()


@pytest.fixture(scope="module")
def repl() -> Repl:
    r = Repl(out=io.StringIO(), err=io.StringIO())
    r.evaluate("(import clojure.string :as str)")   # no such module here: str/ stays the core
    return r


def completions(repl: Repl, text: str) -> list[str]:
    _, Completer = _ui_classes()
    return [c.text for c in Completer(lambda: repl.session).get_completions(Document(text), None)]


@pytest.mark.parametrize("alias", sorted(CLOJURE_NAMESPACES | {"core"}))
def test_tab_completes_core_names_after_a_core_alias(repl, alias):
    """#9 item 14: `str/jo` Tab offers `str/join`, for every alias the analyzer maps to the
    core; and every name offered is one the compiler accepts."""
    assert f"{alias}/join" in completions(repl, f"({alias}/jo")
    offered = [n for n in names_in_scope(repl.session, f"{alias}/") if n.startswith(f"{alias}/")]
    assert len(offered) > 100
    if alias in CLOJURE_STRING_ALIASES:   # clojure.string/reverse is core's str-reverse
        assert f"{alias}/reverse" in offered and f"{alias}/str-reverse" not in offered
    else:
        assert f"{alias}/str-reverse" in offered
    values = []
    repl.evaluate(" ".join(offered[:40]), on_value=values.append)   # all of them resolve
    assert len(values) == 40


def test_core_alias_members_are_offered_only_after_the_alias(repl):
    """Typing `(jo` does not list hundreds of `str/...` names."""
    assert completions(repl, "(jo") == ["join"]


def test_tab_completes_members_of_an_imported_module(tmp_path, monkeypatch):
    (tmp_path / "tools.tm").write_text('(defn joiner "Joins." [a b] (str a b))\n(def limit 3)\n')
    monkeypatch.setenv("TURMERIC_PATH", str(tmp_path))
    r = Repl(out=io.StringIO(), err=io.StringIO())
    assert r.evaluate("(import tools :as str)")
    assert completions(r, "(str/jo") == ["str/joiner"]   # an import takes the alias from the core
    assert "Joins." in doc(r, "str/joiner")


@pytest.mark.parametrize("name, core", [("str/join", "join"), ("clojure.string/join", "join"),
                                        ("s/upper-case", "upper-case"), ("core/map", "map"),
                                        ("clojure.core/map", "map"),
                                        ("str/reverse", "str-reverse")])
def test_doc_of_a_core_alias_member(repl, name, core):
    """#9 item 14: `:doc str/join` shows join's entry of spec/builtins.md."""
    text = doc(repl, name)
    assert text.startswith(f"core.{core}  builtin function\n")
    assert DOCS[core].splitlines()[0] in text


def test_doc_needs_no_spec_folder(repl, monkeypatch):
    """#9 item 14: an installed wheel has no spec/: :doc reads the table in the package."""
    def no_spec(*a, **k):
        raise AssertionError("the REPL read a file to describe a builtin")
    monkeypatch.setattr(Path, "read_text", no_spec)
    assert DOCS["gensym"].splitlines()[0] in doc(repl, "gensym")


def test_builtin_docs_are_in_sync_with_the_spec():
    """turmeric/repl/builtin_docs.py is what `python -m turmeric.repl.docs` makes of
    spec/builtins.md: run it after editing the spec."""
    assert SPEC == ROOT / "spec" / "builtins.md"
    expected = render(parse_spec(SPEC.read_text(encoding="utf-8")))
    assert TABLE.read_text(encoding="utf-8") == expected, "run: python -m turmeric.repl.docs"
    assert DOCS == parse_spec(SPEC.read_text(encoding="utf-8"))


def test_every_core_builtin_with_a_spec_entry_is_described_from_it(repl):
    """The class: for each documented core name, :doc shows its whole spec entry."""
    for name in sorted(DOCS):
        if name in repl.session.core and not name.startswith("%") and name not in repl.session.core_macros:
            text = doc(repl, name)
            if "builtin" in text.splitlines()[0]:
                assert DOCS[name].splitlines()[-1] in text, name


OWN_FILES = sorted((ROOT / "turmeric" / "repl").glob("*.py")) + [
    ROOT / "turmeric" / "session" / "modcache.py", ROOT / "turmeric" / "runtime" / "builtins" / "symbols.py",
    ROOT / "bench" / "repl.py"]


@pytest.mark.parametrize("path", OWN_FILES, ids=lambda p: p.name)
def test_no_import_inside_a_function_body(path):
    """#9: imports at the top of the file, except a measured start-up win (a comment with the
    word start-up on the line)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    for fn in ast.walk(ast.parse(text)):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    assert "start-up" in lines[node.lineno - 1], f"{path.name}:{node.lineno}"


def test_doc_of_a_multi_arity_function_shows_each_arity(repl):
    """:doc transduce said `(transduce & args__1)`, the parameters of the arity dispatcher: a
    function with several arities shows each one, read from its source, and its docstring
    without the source's indentation."""
    text = doc(repl, "transduce")
    assert "(transduce xform f coll)\n  (transduce xform f init coll)\n" in text
    assert "args__" not in text and "\n    " not in text
    assert repl.evaluate('(defn two "Two ways." ([a] a) ([a [b c]] b))')
    assert "(two a)\n  (two a [b c])\n  Two ways." in doc(repl, "two")
