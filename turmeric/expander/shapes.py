"""The shapes of the special forms, declared once as data, and the one check of a form
against its shape.

FORM_SHAPES maps the head of every core and derived form to its Shape: how the form is
written (the hint of its errors) and its parts, in order, by name. A part is one of PARTS: a
method of _Check that takes the items it covers and says what it expected at the first item
that does not fit, with that item's span. After check_shape, the rewrites and the analyzer
take a form's parts as they are, without checking them again.
"""
from __future__ import annotations

from dataclasses import dataclass

from turmeric.data.catching import CATCH_CLASSES
from turmeric.data.errors import TurmericError
from turmeric.data.span import Span
from turmeric.data.types import describe
from turmeric.data.values import Keyword, PList, PMap, Symbol, is_sym, is_vector
from turmeric.expander.syntax import item_spans


@dataclass(frozen=True)
class Shape:
    """How a form is written: `usage` (shown as the hint of an error) and its parts in
    order. `message`, if given, is the error for any mistake in the number of parts."""
    usage: str
    parts: tuple[str, ...]
    message: str | None = None
    hint: str | None = None


def try_clause_head(x) -> str | None:
    """"catch" or "finally" if `x` is such a clause of a try, else None."""
    if type(x) is PList and x.count and type(x.first) is Symbol and x.first.name in ("catch", "finally"):
        return x.first.name
    return None


def catch_clause(x: PList):
    """(category, var, handler forms) of a catch clause; category None catches everything
    ((catch e ...), (catch [e] ...)), "?" is an unknown class; None if malformed."""
    c = list(x)
    if len(c) < 2:
        return None
    name = _catch_var(c[1])
    if type(c[1]) is Symbol and len(c) > 2 and _catch_var(c[2]) is not None and _looks_like_class(c[1].name):
        category = CATCH_CLASSES.get(c[1].name, "?")
        return (None if category == "all" else category), _catch_var(c[2]), c[3:]
    if name is None:
        return None
    return None, name, c[2:]


def _catch_var(x):
    if type(x) is Symbol:
        return x
    if is_vector(x) and len(x) == 1 and type(x[0]) is Symbol:
        return x[0]
    return None


def _looks_like_class(name: str) -> bool:
    return name[:1].isupper() or ("." in name.strip("."))


BODY = ("body",)
FORM_SHAPES: dict[str, Shape] = {
    # core forms
    "quote": Shape("(quote datum)", ("datum",)),
    "if": Shape("(if test then else?)", ("test", "then", "else?"),
                message="if takes a test, a then branch and an optional else branch",
                hint="(if test then else); use cond for more branches"),
    "do": Shape("(do form...)", BODY),
    "def": Shape("(def name value?) or (def name : type value)", ("name", "annotation?", "value?")),
    "fn": Shape("(fn name? [params] body...) or (fn name? ([params] body...) ...)",
                ("name?", "fn-tail")),
    "let": Shape("(let [name value ...] body...)", ("bindings", "body")),
    "set!": Shape("(set! name value)", ("name", "value")),
    "try": Shape("(try body... (catch e handler...)... (finally cleanup...)?)", ("try-body",)),
    "cloneable-shift": Shape("(cloneable-shift [k] body...)", ("continuation-name", "body")),
    "struct": Shape("(struct name [field : type? ...])", ("name", "fields")),
    "%defmacro": Shape("(%defmacro name fn)", ("name", "value")),
    "module": Shape("(module name :version V)", ("name", "options")),
    "import": Shape("(import name) or (import name :as alias)", ("name", "import-alias")),
    "ns": Shape("(ns name (:require [lib :as alias] ...))", ("name", "body")),
    "require": Shape("(require '[lib :as alias] ...)", BODY),
    "defclass": Shape("(defclass Name [a] (method [params] : type?) ...)",
                      ("name", "type-variables", "class-methods")),
    "instance": Shape("(instance Class Type [constraints]? (method [params] body...) ...)",
                      ("class-name", "instance-type", "constraints?", "instance-methods")),
    # derived forms
    "defn": Shape("(defn name docstring? [params] body...) or (defn name ([params] body...) ...)",
                  ("name", "docstring?", "fn-tail")),
    "defmacro": Shape("(defmacro name docstring? [params] body...) or (defmacro name ([params] body...) ...)",
                      ("name", "docstring?", "fn-tail")),
    "when": Shape("(when test body...)", ("test", "body")),
    "unless": Shape("(unless test body...)", ("test", "body")),
    "when-not": Shape("(when-not test body...)", ("test", "body")),
    "if-not": Shape("(if-not test then else?)", ("test", "then", "else?"),
                    message="if-not looks like (if-not test then else?)"),
    "cond": Shape("(cond test expr ...)", ("pairs",), message="cond takes test/expression pairs"),
    "condp": Shape("(condp pred expr test result ... default?)", ("predicate", "value", "body")),
    "case": Shape("(case expr constant result ... default?)", ("value", "body")),
    "and": Shape("(and form...)", BODY),
    "or": Shape("(or form...)", BODY),
    "->": Shape("(-> value step...)", ("value", "body")),
    "->>": Shape("(->> value step...)", ("value", "body")),
    "some->": Shape("(some-> value step...)", ("value", "body")),
    "some->>": Shape("(some->> value step...)", ("value", "body")),
    "cond->": Shape("(cond-> value test step ...)", ("value", "pairs"),
                    message="cond-> looks like (cond-> value test step ...)"),
    "cond->>": Shape("(cond->> value test step ...)", ("value", "pairs"),
                     message="cond->> looks like (cond->> value test step ...)"),
    "if-let": Shape("(if-let [name value] then else?)", ("binding", "then", "else?")),
    "when-let": Shape("(when-let [name value] body...)", ("binding", "body")),
    "loop": Shape("(loop [name value ...] body...)", ("bindings", "body")),
    "while": Shape("(while test body...)", ("test", "body")),
    "dotimes": Shape("(dotimes [i n] body...)", ("counter", "body")),
    "doseq": Shape("(doseq [x coll ...] body...)", ("comprehension", "body")),
    "for": Shape("(for [x coll ...] body)", ("comprehension", "expression")),
    "letfn": Shape("(letfn [(name [params] body...) ...] body...)", ("local-fns", "body")),
    "assert": Shape("(assert test message?)", ("test", "else?")),
    "time": Shape("(time expr)", ("expression",)),
    "match": Shape("(match expr pattern -> body ...)", ("value", "match-clauses")),
    "quasiquote": Shape("`form", ("datum",)),
    "%fn-literal": Shape("#(body)", ("datum",)),
    "comment": Shape("(comment anything...)", ("anything",)),
}

PATTERN = "a name or a destructuring pattern ([a b & more] or {:keys [a b]})"
MATCH_PATTERN = "a pattern (_, a name, a literal, 'datum, (Ctor p...) or [p... & rest])"
MATCH_LITERALS = (int, float, str, bool, Keyword)
AS, KEYS, OR = Keyword("as"), Keyword("keys"), Keyword("or")
KEY_LISTS = (KEYS, Keyword("strs"), Keyword("syms"))   # {:keys [a]} {:strs [a]} {:syms [a]}
COMPREHENSION_MODIFIERS = ("let", "when", "while")


def check_shape(form: PList) -> None:
    """Raise a compile error at the first part of `form` that does not fit its shape (its
    head names a form of FORM_SHAPES)."""
    _Check(form, FORM_SHAPES[form.first.name]).run()


class _Check:
    """One form being checked: its items after the head, with their spans."""

    def __init__(self, form: PList, shape: Shape):
        self.form = form
        self.shape = shape
        self.name = form.first.name
        self.items = list(form)[1:]
        self.spans = item_spans(form, form.span)[1:]

    def run(self):
        i = 0
        for part in self.shape.parts:
            i = getattr(self, PARTS[part])(i)
        if i < len(self.items):
            self.count_error()
            self.expected("no more forms", self.items[i], self.spans[i])

    # -- errors -------------------------------------------------------------------------

    def error(self, message: str, span: Span | None, hint: str | None = None):
        raise TurmericError("compile", message, span or self.form.span, hint)

    def usage(self) -> str:
        return f"{self.name} looks like {self.shape.usage}"

    def count_error(self):
        if self.shape.message:
            self.error(self.shape.message, self.form.span, self.shape.hint)

    def expected(self, what: str, x, span: Span | None):
        self.error(f"{self.name}: expected {what}, got {describe(x)}", span, self.usage())

    def missing(self, what: str, span: Span | None = None):
        self.count_error()
        self.error(f"{self.name}: expected {what}, got nothing", span, self.usage())

    def has(self, i: int) -> bool:
        return i < len(self.items)

    # -- parts: each takes the items from i on and returns the index after them ---------

    def any_form(self, i: int, what: str) -> int:
        if not self.has(i):
            self.missing(what)
        return i + 1

    def part_datum(self, i):
        return self.any_form(i, "a form")

    def part_test(self, i):
        return self.any_form(i, "a test")

    def part_then(self, i):
        return self.any_form(i, "a then branch")

    def part_value(self, i):
        return self.any_form(i, "a value")

    def part_predicate(self, i):
        return self.any_form(i, "a predicate")

    def part_expression(self, i):
        return self.any_form(i, "an expression")

    def part_class_name(self, i):
        if not self.has(i):
            self.missing("a class name")
        return self.part_name(i)

    def part_optional(self, i):
        return i + 1 if self.has(i) else i

    def part_body(self, i):
        return len(self.items)

    def part_name(self, i):
        if not self.has(i):
            self.missing("a name")
        if type(self.items[i]) is not Symbol:
            self.expected("a name", self.items[i], self.spans[i])
        return i + 1

    def part_optional_name(self, i):
        return i + 1 if self.has(i) and type(self.items[i]) is Symbol else i

    def part_docstring(self, i):
        return i + 1 if self.has(i + 1) and type(self.items[i]) is str else i

    def part_annotation(self, i):
        """`: type`, as in (def n : int 5)."""
        if self.has(i) and is_sym(self.items[i], ":"):
            if not self.has(i + 1):
                self.missing("a type after :", self.spans[i])
            return i + 2
        return i

    def part_pairs(self, i):
        rest = self.items[i:]
        if len(rest) % 2:
            self.count_error()
            self.error(f"{self.name}: expected pairs of forms, got an odd number", self.form.span,
                       self.usage())
        return len(self.items)

    def part_anything(self, i):
        return len(self.items)

    def part_bindings(self, i):
        if not self.has(i):
            self.missing("a binding vector [name value ...]")
        self.bindings(self.items[i], self.spans[i])
        return i + 1

    def part_binding(self, i):
        """[pattern value], as in if-let."""
        what = "a binding vector [name value]"
        if not self.has(i):
            self.missing(what)
        x, span = self.items[i], self.spans[i]
        if not is_vector(x) or len(x) != 2:
            self.expected(what, x, span)
        self.pattern(x[0], item_spans(x, span)[0])
        return i + 1

    def part_counter(self, i):
        """[i n], as in dotimes."""
        what = "a counter and a count [i n]"
        if not self.has(i):
            self.missing(what)
        x, span = self.items[i], self.spans[i]
        if not is_vector(x) or len(x) != 2:
            self.expected(what, x, span)
        if type(x[0]) is not Symbol:
            self.expected("a name for the counter", x[0], item_spans(x, span)[0])
        return i + 1

    def part_comprehension(self, i):
        """[x coll :when test :let [...] :while test y coll ...], as in for and doseq."""
        what = "a binding vector [x coll ...]"
        if not self.has(i):
            self.missing(what)
        x, span = self.items[i], self.spans[i]
        if not is_vector(x) or not len(x):
            self.expected(what, x, span)
        if len(x) % 2:
            self.error(f"{self.name} bindings come in pairs", span)
        items, spans = list(x), item_spans(x, span)
        for j in range(0, len(items), 2):
            k, v = items[j], items[j + 1]
            if type(k) is not Keyword:
                self.pattern(k, spans[j])
                continue
            if j == 0:
                self.error(f"{self.name}: :{k.name} must follow a binding", spans[j])
            if k.name not in COMPREHENSION_MODIFIERS:
                self.error(f"{self.name}: unknown modifier :{k.name} (use :when, :let or :while)",
                           spans[j])
            if k.name == "let":
                self.bindings(v, spans[j + 1])
        return i + 1

    def part_fn_tail(self, i):
        """[params] : type? body..., or arities ([params] body...) ..."""
        what = "a parameter vector [x y] or arities ([x] body...) ([x y] body...)"
        if not self.has(i):
            self.missing(what)
        x = self.items[i]
        if is_vector(x):
            self.fn_clause(self.items[i:], self.spans[i:])
            return len(self.items)
        if type(x) is not PList:
            self.expected(what, x, self.spans[i])
        for clause, span in zip(self.items[i:], self.spans[i:]):
            if type(clause) is not PList or not clause.count or not is_vector(clause.first):
                self.expected("an arity ([params] body...)", clause, span)
            self.fn_clause(list(clause), item_spans(clause, span))
        return len(self.items)

    def part_params(self, i):
        if not self.has(i):
            self.missing("a parameter vector [x y]")
        self.params(self.items[i], self.spans[i])
        return i + 1

    def part_try_body(self, i):
        seen = None   # "catch" or "finally": the clauses come last, finally after the catches
        for x, span in zip(self.items[i:], self.spans[i:]):
            head = try_clause_head(x)
            if head == "catch":
                if seen == "finally":
                    self.error("the finally clause must come last in try", span)
                seen = "catch"
                c, spans = list(x), item_spans(x, span)
                if len(c) < 2 or catch_clause(x) is None:
                    self.error("catch needs a name for the error: (catch e handler...), "
                               "(catch [e] handler...) or (catch Exception e handler...)",
                               spans[1] if len(c) > 1 else span)
                if catch_clause(x)[0] == "?":
                    self.error(f"catch: {c[1].name} is not an exception class Turmeric knows",
                               spans[1], "(catch e ...) catches everything; the classes are "
                               + ", ".join(sorted(n for n in CATCH_CLASSES if "." not in n))
                               + " (spec/language.md: try, catch, finally)")
            elif head == "finally":
                if seen == "finally":
                    self.error("try takes one finally clause", span)
                seen = "finally"
            elif seen is not None:
                self.error(f"the {seen} clause must come last in try", span)
        return len(self.items)

    def part_continuation_name(self, i):
        what = "one name for the continuation [k]"
        if not self.has(i):
            self.missing(what)
        x = self.items[i]
        if not is_vector(x) or len(x) != 1 or type(x[0]) is not Symbol or x[0].name == "&":
            self.expected(what, x, self.spans[i])
        return i + 1

    def part_fields(self, i):
        what = "a vector of field names [x : type y]"
        if not self.has(i):
            self.missing(what)
        self.annotated_names(self.items[i], self.spans[i], what)
        return i + 1

    def part_type_variables(self, i):
        what = "a vector of type variables [a]"
        if not self.has(i):
            self.missing(what)
        if not is_vector(self.items[i]):
            self.expected(what, self.items[i], self.spans[i])
        return i + 1

    def part_options(self, i):
        """:key value ..., as in (module name :version 2)."""
        for j in range(i, len(self.items), 2):
            if type(self.items[j]) is not Keyword:
                self.expected("an option such as :version", self.items[j], self.spans[j])
            if not self.has(j + 1):
                self.missing(f"a value after :{self.items[j].name}", self.spans[j])
        return len(self.items)

    def part_import_alias(self, i):
        if not self.has(i):
            return i
        if self.items[i] is not AS:
            self.expected(":as", self.items[i], self.spans[i])
        if not self.has(i + 1):
            self.missing("an alias after :as", self.spans[i])
        if type(self.items[i + 1]) is not Symbol:
            self.expected("an alias after :as", self.items[i + 1], self.spans[i + 1])
        return i + 2

    def part_class_methods(self, i):
        for x, span in zip(self.items[i:], self.spans[i:]):
            if type(x) is not PList or not x.count or type(x.first) is not Symbol:
                self.expected("a class method (name [params] : type?)", x, span)
            spans = item_spans(x, span)
            if x.count > 1:
                self.params(x[1], spans[1])
        return len(self.items)

    def part_instance_type(self, i):
        what = "a type name, or a list such as (pair a b)"
        if not self.has(i):
            self.missing(what)
        x = self.items[i]
        if not (type(x) is Symbol or (type(x) is PList and x.count and type(x.first) is Symbol)):
            self.expected(what, x, self.spans[i])
        return i + 1

    def part_constraints(self, i):
        return i + 1 if self.has(i) and is_vector(self.items[i]) else i

    def part_instance_methods(self, i):
        for x, span in zip(self.items[i:], self.spans[i:]):
            if is_sym(x, "..."):
                continue
            if type(x) is not PList or x.count < 2 or type(x.first) is not Symbol:
                self.expected("an instance method (name [params] body...)", x, span)
            spans = item_spans(x, span)
            self.method_tail(list(x)[1:], spans[1:])
        return len(self.items)

    def part_local_fns(self, i):
        what = "a vector of functions [(name [params] body...) ...]"
        if not self.has(i):
            self.missing(what)
        x, span = self.items[i], self.spans[i]
        if not is_vector(x):
            self.expected(what, x, span)
        for f, fspan in zip(x, item_spans(x, span)):
            if type(f) is not PList or f.count < 2 or type(f.first) is not Symbol:
                self.expected("a function (name [params] body...)", f, fspan)
            self.method_tail(list(f)[1:], item_spans(f, fspan)[1:])
        return i + 1

    def part_match_clauses(self, i):
        clauses, spans = self.items[i:], self.spans[i:]
        if len(clauses) % 3:
            self.error("match clauses look like: pattern -> body", self.form.span,
                       "each clause is three forms: the pattern, the arrow ->, the body")
        for j in range(0, len(clauses), 3):
            if not is_sym(clauses[j + 1], "->"):
                self.error("expected -> after the pattern",
                           spans[j + 1] if type(clauses[j + 1]) is Symbol else spans[j])
            self.match_pattern(clauses[j], spans[j])
        return len(self.items)

    # -- sub-forms ----------------------------------------------------------------------

    def bindings(self, x, span):
        """[pattern value ...]"""
        if not is_vector(x):
            self.expected("a binding vector [name value ...]", x, span)
        if len(x) % 2:
            # the span of the whole form, as error messages always had it
            self.error(f"{self.name} bindings come in pairs: [name value ...]", self.form.span)
        for j, (p, pspan) in enumerate(zip(x, item_spans(x, span))):
            if j % 2 == 0:
                self.pattern(p, pspan)

    def pattern(self, x, span):
        """A name, [a b & more :as all] or {:keys [a b] :or {a 1} :as m, name :key}."""
        if type(x) is Symbol:
            if x.name in ("&", ":"):
                self.expected(PATTERN, x, span)
            return
        spans = item_spans(x, span) if is_vector(x) or type(x) is PMap else []
        if is_vector(x):
            items, j = list(x), 0
            while j < len(items):
                p = items[j]
                if is_sym(p, "&") or p is AS:
                    after = "a pattern after &" if is_sym(p, "&") else "a name after :as"
                    if j + 1 >= len(items):
                        self.error(f"{self.name}: expected {after}, got nothing", spans[j])
                    if p is AS and type(items[j + 1]) is not Symbol:
                        self.expected(after, items[j + 1], spans[j + 1])
                    self.pattern(items[j + 1], spans[j + 1])
                    j += 2
                else:
                    self.pattern(p, spans[j])
                    j += 1
            return
        if type(x) is PMap:
            for j, (k, v) in enumerate(x.items()):
                kspan, vspan = spans[2 * j], spans[2 * j + 1]
                if k in KEY_LISTS:
                    if not is_vector(v):
                        self.expected(f"a vector of names after {k}", v, vspan)
                    for name, nspan in zip(v, item_spans(v, vspan)):
                        if type(name) is not Symbol:
                            self.expected(f"a name in {k}", name, nspan)
                elif k is OR:
                    if type(v) is not PMap:
                        self.expected("a map of defaults after :or", v, vspan)
                elif k is AS:
                    if type(v) is not Symbol:
                        self.expected("a name after :as", v, vspan)
                else:
                    self.pattern(k, kspan)
            return
        self.expected(PATTERN, x, span)

    def params(self, x, span):
        """[x : type y & more]: names or patterns, each with an optional annotation; & and
        one more as the last parameter."""
        if not is_vector(x):
            self.expected("a parameter vector [x y]", x, span)
        items, spans = list(x), item_spans(x, span)
        j, named, rest = 0, False, False
        while j < len(items):
            p = items[j]
            if is_sym(p, ":"):
                if not named or j + 1 >= len(items):
                    self.error(f"{self.name}: a type annotation looks like [x : type]", spans[j])
                j += 2
                continue
            if rest:
                self.expected("nothing after the rest parameter", p, spans[j])
            if is_sym(p, "&"):
                if j + 1 >= len(items) or is_sym(items[j + 1], ":"):
                    self.error(f"{self.name}: & is followed by exactly one name: [a & more]",
                               spans[j])
                self.pattern(items[j + 1], spans[j + 1])
                rest, named = True, True
                j += 2
                continue
            self.pattern(p, spans[j])
            named = True
            j += 1

    def fn_clause(self, items: list, spans: list):
        """[params] : type? body..."""
        self.params(items[0], spans[0])
        if len(items) > 1 and is_sym(items[1], ":") and len(items) < 3:
            self.error(f"{self.name}: expected a type after :", spans[1])

    def method_tail(self, items: list, spans: list):
        """What follows a method's name: [params] body... or arities."""
        if is_vector(items[0]):
            self.fn_clause(items, spans)
            return
        for clause, span in zip(items, spans):
            if type(clause) is not PList or not clause.count or not is_vector(clause.first):
                self.expected("a parameter vector [x y] or arities ([x] body...)", clause, span)
            self.fn_clause(list(clause), item_spans(clause, span))

    def annotated_names(self, x, span, what: str):
        """[x : type y]"""
        if not is_vector(x):
            self.expected(what, x, span)
        items, spans = list(x), item_spans(x, span)
        j = 0
        while j < len(items):
            if is_sym(items[j], ":"):
                if j == 0 or j + 1 >= len(items):
                    self.error(f"{self.name}: a type annotation looks like [x : type]", spans[j])
                j += 2
                continue
            if type(items[j]) is not Symbol:
                self.expected("a field name", items[j], spans[j])
            j += 1

    def match_pattern(self, x, span):
        if type(x) is Symbol or x is None or type(x) in MATCH_LITERALS:
            return
        if type(x) is PList and x.count and type(x.first) is Symbol:
            if x.first.name == "quote":
                return
            for p, pspan in list(zip(x, item_spans(x, span)))[1:]:
                self.match_pattern(p, pspan)
            return
        if is_vector(x):
            items, spans = list(x), item_spans(x, span)
            if len(items) >= 2 and is_sym(items[-2], "&"):
                items, spans = items[:-2] + items[-1:], spans[:-2] + spans[-1:]
            for p, pspan in zip(items, spans):
                if is_sym(p, "&"):
                    self.error("match: & comes right before the last pattern: [a & rest]", pspan)
                self.match_pattern(p, pspan)
            return
        self.error(f"match: expected {MATCH_PATTERN}, got {describe(x)}", span)


# part name -> the _Check method that takes it
PARTS = {
    "datum": "part_datum", "test": "part_test", "then": "part_then", "value": "part_value",
    "else?": "part_optional", "body": "part_body", "name": "part_name", "name?": "part_optional_name",
    "docstring?": "part_docstring", "annotation?": "part_annotation", "value?": "part_optional",
    "pairs": "part_pairs", "anything": "part_anything", "bindings": "part_bindings",
    "binding": "part_binding", "counter": "part_counter", "comprehension": "part_comprehension",
    "fn-tail": "part_fn_tail", "params": "part_params", "try-body": "part_try_body",
    "continuation-name": "part_continuation_name", "fields": "part_fields",
    "type-variables": "part_type_variables", "options": "part_options",
    "import-alias": "part_import_alias", "class-methods": "part_class_methods",
    "instance-type": "part_instance_type", "constraints?": "part_constraints",
    "instance-methods": "part_instance_methods", "local-fns": "part_local_fns",
    "match-clauses": "part_match_clauses", "predicate": "part_predicate",
    "expression": "part_expression", "class-name": "part_class_name",
}
