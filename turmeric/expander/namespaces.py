"""Clojure's ns and require, as Turmeric's module and import forms, so that a file written
for Clojure opens the way it does there:

    (ns app.core (:require [util :as u] [clojure.string :as str]))
      -> (do (module app.core) (import util :as u))
    (require '[util :as u] 'other)
      -> (do (import util :as u) (import other))

Clojure's own libraries are the core functions under their usual aliases (the analyzer maps
`str/join`, `clojure.set/union`, ...), so requiring one adds no import; an alias the analyzer
does not know for it is an error that says which to use. Turmeric imports are qualified, so
`:refer` of a Turmeric module's names is an error with a hint.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from turmeric.data.names import CLOJURE_LIBRARY_ALIASES
from turmeric.data.values import Keyword, PList, Symbol, is_sym, is_vector
from turmeric.expander.syntax import fail, form_list, span_of, sym

if TYPE_CHECKING:
    from turmeric.expander.expander import Expander

# ns clauses with no meaning here: Java classes, AOT compilation, excluding core names
# (a module's own definition shadows a core name anyway)
IGNORED_CLAUSES = frozenset({"import", "gen-class", "refer-clojure", "load"})


def ns(ex: Expander, form: PList):
    """(ns name docstring? attr-map? clause...) -> (do (module name) (import ...)...)"""
    items = list(form)
    out = [form_list(form.span, sym("module", form.span), items[1])]
    for clause in items[2:]:
        if type(clause) is str or not (type(clause) is PList and clause.count):
            continue  # a docstring or an attribute map
        head = clause.first
        if type(head) is not Keyword:
            fail(f"an ns clause starts with a keyword such as :require, not {head}", clause,
                 form.span, hint="(ns name (:require [lib :as alias] ...))")
        if head.name in IGNORED_CLAUSES:
            continue
        if head.name not in ("require", "use"):
            fail(f"ns: unknown clause :{head.name}", clause, form.span,
                 hint="Turmeric's ns takes :require and :use (and ignores :import and :gen-class)")
        for spec in list(clause)[1:]:
            out += lib_imports(spec, head.name == "use", form.span)
    return form_list(form.span, sym("do", form.span), *out)


def require(ex: Expander, form: PList):
    """(require 'lib '[lib :as alias] ...) -> (do (import ...)...)"""
    out = []
    for arg in list(form)[1:]:
        if type(arg) is Keyword:
            continue  # :reload and :verbose
        if not (type(arg) is PList and arg.count == 2 and is_sym(arg.first, "quote")):
            fail("require takes quoted library specs", arg, form.span,
                 hint="(require '[lib :as alias]) or (require 'lib)")
        out += lib_imports(list(arg)[1], False, form.span)
    return form_list(form.span, sym("do", form.span), *out)


def lib_imports(spec, use_all: bool, span) -> list:
    """The import forms of one library spec: lib, [lib :as a], [lib :refer [x y]]."""
    if type(spec) is Symbol:
        name, options = spec, []
    elif is_vector(spec) and len(spec) and type(spec[0]) is Symbol:
        name, options = spec[0], list(spec)[1:]
    else:
        fail(f"a library spec is lib or [lib :as alias], not {spec}", spec, span)
    if len(options) % 2:
        fail(f"{name}: a library spec's options come in pairs (:as alias, :refer [names])", spec, span)
    alias, refer = None, use_all
    for key, value in zip(options[::2], options[1::2]):
        if key == Keyword("as") and type(value) is Symbol:
            alias = value
        elif key in (Keyword("refer"), Keyword("only")):
            refer = True
        elif key not in (Keyword("exclude"), Keyword("rename"), Keyword("as-alias")):
            fail(f"{name}: unknown library option {key}", spec, span, hint="[lib :as alias]")
    where = span_of(spec, span)
    if name.name in CLOJURE_LIBRARY_ALIASES:
        known = CLOJURE_LIBRARY_ALIASES[name.name]
        if alias is not None and alias.name not in known:
            fail(f"{name} cannot be aliased as {alias} here", spec, span,
                 hint=f"{name}'s functions are core functions, named unqualified or as "
                      + ", ".join(f"{a}/" for a in sorted(known)))
        return []  # core functions: unqualified, and under the aliases above
    if name.name.startswith("clojure."):
        fail(f"the Clojure library {name} is not part of Turmeric", spec, span,
             hint="clojure.string and clojure.set are: their functions are core functions")
    if refer:
        fail(f"{name}: Turmeric imports are qualified, so :refer and :use do not bring names in",
             spec, span, hint=f"(:require [{name} :as alias]) and write alias/name")
    if alias is None:
        return [form_list(where, sym("import", where), name)]
    return [form_list(where, sym("import", where), name, Keyword("as"), alias)]
