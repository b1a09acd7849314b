"""Stage 3: core forms -> IR. Resolves every name, makes locals unique, finds closures'
free variables, decides which locals live in boxes, and names every function stably.

Before: core forms from the expander (spans on lists and symbols). After: an ir.Node tree in
which every local is a Var, every free name is a Global, ModuleRef or Core, and every Fn has
its FnInfo (stable symbol, code hash).
"""
from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field, replace

from turmeric.analyzer import ir
from turmeric.analyzer.toplevel import def_name, is_definition
from turmeric.data.code import FnInfo
from turmeric.data.errors import TurmericError, import_hint
from turmeric.data.names import (
    CLOJURE_LIBRARY_ALIASES, JAVA_STATICS, STATIC_CONSTANTS, mangle, split_qualified,
)
from turmeric.data.span import Span
from turmeric.data.values import Keyword, PList, PMap, PSet, Symbol, is_sym, is_vector, vector
from turmeric.expander.functions import SELF_NAME
from turmeric.expander.syntax import form_list, import_names, span_of, sym


# Clojure namespaces whose functions Turmeric has in core under the same names, and the
# aliases Clojure programs usually give them: str/join is join unless `str` is an import.
CLOJURE_STRING_ALIASES = CLOJURE_LIBRARY_ALIASES["clojure.string"]
CLOJURE_NAMESPACES = frozenset().union(*CLOJURE_LIBRARY_ALIASES.values())
# clojure.string functions whose core function has another name (core's reverse is a list's)
CLOJURE_STRING_NAMES = {"reverse": "str-reverse"}


# what the collection builtins make of constant items (the literal's items, in order)
CONSTANT_COLLECTIONS = {
    "vector": vector,
    "hash-map": lambda items: PMap.from_pairs(zip(items[0::2], items[1::2])),  # keys by =
    "hash-set": PSet,
}


@dataclass
class ModuleContext:
    """What the analyzer knows about the module being compiled."""
    name: str
    globals: set[str]                     # names the module defines (or the session has)
    imports: dict[str, str]               # alias -> module name
    core_names: frozenset[str]            # builtins of the core module
    strict: bool = True                   # unknown names are compile errors (files), not late-bound (REPL)
    fn_counter: dict[str, int] = field(default_factory=dict)
    version: object = None                # the module's declared version: (current-version)
    macros: set[str] = field(default_factory=set)  # macros defined by this module's forms


class FnScope:
    def __init__(self, parent: "FnScope | None", info: FnInfo | None):
        self.parent = parent
        self.info = info
        self.blocks: list[dict[str, ir.Var]] = [{}]
        self.free: dict[ir.Var, None] = {}
        self.own: set[int] = set()       # ids of the Vars bound in this function
        self.uninitialized: set[int] = set()  # local defs declared but not yet defined
        self.names: dict[str, int] = {}

    def bind(self, name: str, is_self=False) -> ir.Var:
        n = self.names.get(name, 0)
        self.names[name] = n + 1
        py = "l_" + mangle(name) + (f"__{n}" if n else "")
        v = ir.Var(name, py, is_self=is_self)
        self.blocks[-1][name] = v
        self.own.add(id(v))
        return v

    def lookup_here(self, name: str) -> ir.Var | None:
        for b in reversed(self.blocks):
            if name in b:
                return b[name]
        return None


_GENSYM = re.compile(r"__\d+$")


def code_hash(form) -> str:
    """A hash of a macro-expanded form that ignores spans and gensym numbering."""
    renames: dict[str, str] = {}

    def canon(x) -> str:
        if type(x) is Symbol:
            n = x.name
            if _GENSYM.search(n):
                n = renames.setdefault(n, f"%g{len(renames)}")
            return n
        if type(x) is PList:
            return "(" + " ".join(canon(y) for y in x) + ")"
        if is_vector(x):
            return "[" + " ".join(canon(y) for y in x) + "]"
        if type(x) is PMap:
            return "{" + " ".join(canon(k) + " " + canon(v) for k, v in x.items()) + "}"
        if type(x) is PSet:
            return "#{" + " ".join(canon(y) for y in x) + "}"
        if type(x) is str:
            return repr(x)
        return repr(x) if type(x) is not Keyword else ":" + x.name

    return hashlib.sha256(canon(form).encode()).hexdigest()[:16]


LOOP_GENSYM = re.compile(r"loop__\d+")   # the name derived.py gives a loop's local function


class Analyzer:
    def __init__(self, ctx: ModuleContext):
        self.ctx = ctx
        self.fn: FnScope | None = None

    # -- entry points ---------------------------------------------------------------

    def analyze_toplevel(self, form, symbol: str | None = None, shows_result: bool = True) -> ir.TopLevel:
        """A top-level form becomes a 0-argument function named by what it is, not where it
        is (#10 item 1): `module/def-NAME` for a (def NAME ...), else `module/top-HASH`, the
        first 8 hex digits of its code hash; a second form with the same name in the module
        (an identical form, a def of the same name again at the REPL) gets `#2`, and so on."""
        digest = code_hash(form)
        if symbol is None:
            name = def_name(form)
            base = f"{self.ctx.name}/def-{name}" if name else f"{self.ctx.name}/top-{digest[:8]}"
            n = self.ctx.fn_counter.get("top:" + base, 0) + 1
            self.ctx.fn_counter["top:" + base] = n
            symbol = base if n == 1 else f"{base}#{n}"
        info = FnInfo(symbol, self.ctx.name, symbol, span_of(form), digest)
        self.fn = FnScope(None, info)
        body = self.expr(form, toplevel=True)
        scope, self.fn = self.fn, None
        fn = ir.Fn(info, [], None, body, None, list(scope.free), span_of(form))
        return ir.TopLevel(fn, is_definition(form), def_name(form), shows_result)

    # -- expressions ----------------------------------------------------------------

    def expr(self, x, toplevel=False) -> ir.Node:
        t = type(x)
        if t is Symbol:
            return self.symbol(x)
        if t is PList:
            if not x.count:
                return ir.Const(x, None)
            head = x.first
            if type(head) is Symbol:
                method = SPECIAL.get(head.name)
                if method is not None and self.lookup(head.name) is None:
                    m = getattr(self, method)
                    return m(x, toplevel) if head.name in TOPLEVEL_AWARE else m(x)
            if is_sym(head, "current-version") and x.count == 1 and self.lookup(head.name) is None \
                    and "current-version" not in self.ctx.globals:
                return ir.Const(self.ctx.version, x.span)
            callee = self.expr(head)
            if type(callee) is ir.Core:
                callee = _transducer_form(callee, x.count - 1)
            return ir.Call(callee, [self.expr(a) for a in list(x)[1:]], x.span)
        if is_vector(x):
            return self.collection("vector", list(x), None)
        if t is PMap:
            return self.collection("hash-map", [y for kv in x.items() for y in kv], None)
        if t is PSet:
            return self.collection("hash-set", list(x), None)
        return ir.Const(x, None)

    def collection(self, ctor: str, items: list, sp) -> ir.Node:
        nodes = [self.expr(i) for i in items]
        if all(type(n) is ir.Const for n in nodes):   # a literal of constants is a constant
            return ir.Const(CONSTANT_COLLECTIONS[ctor]([n.value for n in nodes]), sp)
        return ir.Call(ir.Core(ctor, sp), nodes, sp)

    def symbol(self, s: Symbol) -> ir.Node:
        name = s.name
        v = self.lookup(name)
        if v is not None:
            return ir.Local(v, s.span)
        if name.startswith("core/") and name[5:] in self.ctx.core_names:
            return ir.Core(name[5:], s.span)
        qualified = split_qualified(name)
        if qualified is not None:
            alias, member = qualified
            if alias in self.ctx.imports:
                return ir.ModuleRef(self.ctx.imports[alias], member, s.span)
            if alias in CLOJURE_NAMESPACES:   # (str/join ...) in code written for Clojure
                member = CLOJURE_STRING_NAMES.get(member, member) if alias in CLOJURE_STRING_ALIASES else member
                if member in self.ctx.core_names:
                    return ir.Core(member, s.span)
            if name in STATIC_CONSTANTS:      # Math/PI, Long/MAX_VALUE
                return ir.Const(STATIC_CONSTANTS[name], s.span)
            if JAVA_STATICS.get(name) in self.ctx.core_names:   # Math/sqrt is sqrt
                return ir.Core(JAVA_STATICS[name], s.span)
        if "." in name.strip(".") and not name.startswith("."):
            parts = name.split(".")
            if all(parts) and (self.lookup(parts[0]) is not None or parts[0] in self.ctx.globals):
                node = self.symbol(Symbol(parts[0], s.span))
                for p in parts[1:]:
                    node = ir.Field(node, p, s.span)
                return node
        if name in self.ctx.globals:
            return ir.Global(name, s.span)
        if name in self.ctx.core_names:
            return ir.Core(name, s.span)
        if self.ctx.strict:
            known = set(self.ctx.globals) | set(self.ctx.core_names) | self.visible_locals()
            if not name.startswith("%"):   # the %-helpers expansions call are not suggested
                known = {k for k in known if not k.startswith("%")}
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"did you mean {close[0]}?" if close else None
            if name in ("catch", "finally"):
                hint = f"{name} is a clause of try: (try body... (catch e handler...) (finally cleanup...))"
            elif qualified is not None and qualified[0] not in self.ctx.imports:
                hint = import_hint(name)
            raise TurmericError("unbound", f"{name} is not defined", s.span, hint=hint)
        return ir.Global(name, s.span)

    def visible_locals(self) -> set[str]:
        out, f = set(), self.fn
        while f:
            for b in f.blocks:
                out |= set(b)
            f = f.parent
        return out

    def lookup(self, name: str) -> ir.Var | None:
        """Find a local, recording it as free in every function it crosses."""
        f = self.fn
        crossed = []
        while f is not None:
            v = f.lookup_here(name)
            if v is not None:
                if id(v) in f.uninitialized:
                    v.boxed = True  # read before its local def: the def fills a box
                for g in crossed:
                    g.free.setdefault(v)
                return v
            crossed.append(f)
            f = f.parent
        return None

    # -- special forms (one method each; the syntax is in the docstring) ----------------

    def form_quote(self, x):
        """(quote datum)"""
        return ir.Const(list(x)[1], x.span)

    def form_if(self, x, toplevel=False):
        """(if test then else?)"""
        items = list(x)
        els = self.expr(items[3], toplevel) if len(items) == 4 else ir.Const(None, x.span)
        return ir.If(self.expr(items[1]), self.expr(items[2], toplevel), els, x.span)

    def form_do(self, x, toplevel=False):
        """(do form...)"""
        return self.body(list(x)[1:], x.span, toplevel)

    def body(self, forms: list, sp: Span | None, toplevel=False) -> ir.Node:
        """A sequence of forms; a (def name v) in it binds `name` locally for the whole body."""
        if not forms:
            return ir.Const(None, sp)
        if toplevel:
            nodes = [self.expr(f, True) for f in forms]
            return nodes[0] if len(nodes) == 1 else ir.Do(nodes, sp)
        f = self.fn
        f.blocks.append({})
        local_defs = []
        for form in forms:
            if type(form) is PList and form.count and is_sym(form.first, "def"):
                name = list(form)[1]
                v = f.bind(name.name)
                f.uninitialized.add(id(v))
                local_defs.append(v)
        nodes = [self.expr(form) for form in forms]
        f.blocks.pop()
        node = nodes[0] if len(nodes) == 1 else ir.Do(nodes, sp)
        return ir.Declare(local_defs, node, sp) if local_defs else node

    def form_def(self, x, toplevel=False):
        """(def name value)"""
        items = list(x)
        name = items[1]
        value = items[2] if len(items) > 2 else None
        if toplevel:
            self.ctx.globals.add(name.name)
            return ir.SetGlobal(name.name, self.expr(value), x.span, define=True)
        v = self.fn.lookup_here(name.name)
        if v is None:
            raise TurmericError("compile", "def inside an expression must be in a body (a fn, let or do)", x.span)
        init = self.expr(value)
        self.fn.uninitialized.discard(id(v))
        return ir.SetLocal(v, init, x.span)

    def form_set_bang(self, x):
        """(set! name value)"""
        items = list(x)
        name = items[1]
        v = self.lookup(name.name)
        value = self.expr(items[2])
        if v is not None:
            if v.is_self:
                raise TurmericError("compile", f"cannot set! {name.name}: it names the function itself", name.span)
            v.boxed = True
            return ir.SetLocal(v, value, x.span)
        if name.name in self.ctx.globals or not self.ctx.strict:
            return ir.SetGlobal(name.name, value, x.span)
        raise TurmericError("unbound", f"cannot set! {name.name}: it is not defined", name.span,
                            hint=f"define it first with (def {name.name} ...)")

    def form_let(self, x, toplevel=False):
        """(let [name value ...] body...)"""
        items = list(x)
        binds = list(items[1])
        f = self.fn
        f.blocks.append({})
        pairs = []
        for i in range(0, len(binds), 2):
            init = self.expr(binds[i + 1])
            pairs.append((f.bind(binds[i].name), init))
        body = self.body(items[2:], x.span, toplevel)
        f.blocks.pop()
        for v, init in reversed(pairs):
            body = ir.Let(v, init, body, x.span)
        return body

    def form_fn(self, x):
        """(fn name? [params & rest] body...)"""
        items = list(x)
        i = 1
        name = None
        if is_sym(items[i]):
            name = items[i].name
            i += 1
        params = list(items[i])
        body = items[i + 1:]
        info = self.new_fninfo(None if name == SELF_NAME else name, x)
        scope = FnScope(self.fn, info)
        self.fn = scope
        self_var = scope.bind(name, is_self=True) if name else None
        scope.blocks.append({})
        pvars, rest = [], None
        j = 0
        while j < len(params):
            p = params[j]
            if p.name == "&":
                rest = scope.bind(params[j + 1].name)
                break
            pvars.append(scope.bind(p.name))
            j += 1
        node_body = self.body(body, x.span)
        self.fn = scope.parent
        info = replace(info, params=tuple(v.name for v in pvars) + ((("&", rest.name)) if rest else ()))
        free = [v for v in scope.free if id(v) not in scope.own]
        if scope.parent is not None:
            for v in free:
                if id(v) not in scope.parent.own:
                    scope.parent.free.setdefault(v)
        return ir.Fn(info, pvars, rest, node_body, self_var, free, x.span)

    def new_fninfo(self, name: str | None, form) -> FnInfo:
        """module.f for a named fn at top level, outer/inner inside outer, outer/fn#N if anonymous."""
        outer = self.fn.info.symbol
        at_top = self.fn.parent is None
        if name and LOOP_GENSYM.fullmatch(name):
            # a loop (derived.py names it with a gensym, whose number counts every gensym made
            # before it in the top-level form): numbered among the loops of `outer` instead, so
            # a change elsewhere in the form, in another function, does not rename it (#10 item 1)
            key = "loop:" + outer
            n = self.ctx.fn_counter.get(key, 0) + 1
            self.ctx.fn_counter[key] = n
            return FnInfo(f"{outer}/loop#{n}", self.ctx.name, "loop", span_of(form), code_hash(form))
        if name:
            # module.f only for what a top-level def names; any other named fn is outer/name
            global_def = at_top and (name in self.ctx.globals or name in self.ctx.macros)
            symbol = f"{self.ctx.name}.{name}" if global_def else f"{outer}/{name}"
            key = "named:" + symbol   # apart from the anonymous fns' counter of `symbol`
            n = self.ctx.fn_counter.get(key, 0) + 1
            self.ctx.fn_counter[key] = n
            if n > 1 and not global_def:
                symbol = f"{symbol}#{n}"  # a second fn of that name in the same place
        else:
            n = self.ctx.fn_counter.get(outer, 0) + 1
            self.ctx.fn_counter[outer] = n
            symbol = f"{outer}/fn#{n}"
        return FnInfo(symbol, self.ctx.name, name or symbol, span_of(form), code_hash(form))

    def form_try(self, x):
        """(try body (catch [e] handler...))"""
        items = list(x)
        catch = list(items[2])
        f = self.fn
        body = self.expr(items[1])
        f.blocks.append({})
        var = f.bind(catch[1][0].name)
        handler = self.body(catch[2:], x.span)
        f.blocks.pop()
        return ir.Try(body, var, handler, x.span)

    def form_cloneable_shift(self, x):
        """(cloneable-shift [k] body...): a call of the core %shift with the body as a fn."""
        items = list(x)
        body_fn = form_list(x.span, sym("fn", x.span), items[1], *items[2:])
        return ir.Call(ir.Core("%shift", x.span), [self.form_fn(body_fn)], x.span)

    def form_struct(self, x, toplevel=False):
        """(struct name [field : type ...])"""
        items = list(x)
        fields, j, fl = [], 0, list(items[2])
        while j < len(fl):
            if is_sym(fl[j], ":"):
                j += 2
                continue
            fields.append(fl[j].name)
            j += 1
        name = items[1].name
        self.ctx.globals.add(name)
        make = ir.Call(ir.Core("%struct-type", x.span),
                       [ir.Const(name, x.span), ir.Const(self.ctx.name, x.span),
                        ir.Const(tuple(fields), x.span)], x.span)
        return ir.SetGlobal(name, make, x.span, define=True)

    def form__defmacro(self, x, toplevel=False):
        """(%defmacro name fn): registers a macro when the module loads."""
        items = list(x)
        self.ctx.macros.add(items[1].name)
        return ir.Call(ir.Core("%register-macro", x.span),
                       [ir.Const(items[1].name, x.span), self.expr(items[2])], x.span)

    def form_module(self, x, toplevel=False):
        """(module name :version N): read by the session before analysis."""
        return ir.Const(None, x.span)

    def form_import(self, x, toplevel=False):
        """(import flow) or (import flow :as f)"""
        name, alias = import_names(x)
        self.ctx.imports[alias] = name
        return ir.Call(ir.Core("%import", x.span), [ir.Const(name, x.span), ir.Const(alias, x.span)], x.span)

    def form_defclass(self, x, toplevel=False):
        """(defclass Name [a] (method [x : a] : type) ...)"""
        items = list(x)
        methods = [m.first.name for m in items[3:]]
        cname = items[1].name
        self.ctx.globals.update([cname] + methods)
        make = ir.Call(ir.Core("%defclass", x.span),
                       [ir.Const(cname, x.span), ir.Const(self.ctx.name, x.span),
                        ir.Const(tuple(methods), x.span)], x.span)
        return ir.SetGlobal(cname, make, x.span, define=True)

    def form_instance(self, x, toplevel=False):
        """(instance Class Type [constraints]? (method [args] body...) ...)"""
        items = list(x)
        cls, typ = items[1], items[2]
        rest = items[3:]
        if rest and is_vector(rest[0]):
            rest = rest[1:]
        tname = typ.first.name if type(typ) is PList else typ.name
        methods = []
        for m in rest:
            mi = list(m)
            methods += [ir.Const(mi[0].name, span_of(m, x.span)), self.expr(mi[1])]
        return ir.Call(ir.Core("%instance", x.span),
                       [self.symbol(cls), ir.Const(tname, x.span), *methods], x.span)


# Clojure's transducer arities: (map f), (take n), (distinct), (into to xform from) ... are
# core.tm's %NAME-xf functions (stdlib/core.tm, "transducers"); the builtins keep the
# collection arities. Only a direct call is redirected: (apply map [f]) is an arity error.
TRANSDUCER_ARITIES = {
    "map": 1, "filter": 1, "remove": 1, "keep": 1, "mapcat": 1, "take": 1, "drop": 1,
    "take-while": 1, "drop-while": 1, "map-indexed": 1, "partition-all": 1, "interpose": 1,
    "distinct": 0, "dedupe": 0, "into": 3,
}


def _transducer_form(callee: "ir.Core", nargs: int) -> "ir.Core":
    if TRANSDUCER_ARITIES.get(callee.name) == nargs:
        return ir.Core(f"%{callee.name}-xf", callee.span)
    return callee


SPECIAL = {name: "form_" + name.replace("!", "_bang").replace("-", "_").replace("%", "_")
           for name in ("quote", "if", "do", "def", "set!", "let", "fn", "try", "cloneable-shift",
                        "struct", "%defmacro", "module", "import", "defclass", "instance")}
TOPLEVEL_AWARE = frozenset({"if", "do", "def", "let", "struct", "%defmacro", "module", "import",
                            "defclass", "instance"})
