"""Facts about a module's top-level forms that the driver and the code generator need: which
globals they define (found before analysis, so forward references resolve), which forms are
definitions (run again when a module is loaded to resolve a saved continuation), the global
a `def` binds, and the version a `(module name :version v)` form declares."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from turmeric.data.values import Keyword, PList, PMap, PSet, Symbol, is_sym, is_vector


def module_version(form: PList):
    items = list(form)
    for i in range(2, len(items) - 1, 2):
        if items[i] == Keyword("version"):
            return items[i + 1]
    return None


def prescan_globals(forms) -> set[str]:
    out: set[str] = set()
    for f in forms:
        if type(f) is PList and f.count and type(f.first) is Symbol:
            head = f.first.name
            items = list(f)
            if head in ("def", "struct") and len(items) > 1 and type(items[1]) is Symbol:
                out.add(items[1].name)
            elif head in ("do", "let"):
                out |= prescan_globals(items[1:] if head == "do" else items[2:])
            elif head == "defclass" and len(items) > 1:
                out.add(items[1].name)
                for m in items[3:]:
                    if type(m) is PList and m.count and type(m.first) is Symbol:
                        out.add(m.first.name)
    return out


STATIC_HEADS = frozenset({"fn", "quote"})


def is_static(x) -> bool:
    """A def's value that is safe to compute again when a module is loaded to resolve a
    saved continuation: a constant, a fn, a quoted datum, or a collection of those."""
    if type(x) is PList:
        if not x.count:
            return True
        return type(x.first) is Symbol and x.first.name in STATIC_HEADS
    if is_vector(x) or type(x) is PSet:
        return all(is_static(y) for y in x)
    if type(x) is PMap:
        return all(is_static(k) and is_static(v) for k, v in x.items())
    return type(x) is not Symbol


def is_definition(form) -> bool:
    if type(form) is not PList or not form.count or type(form.first) is not Symbol:
        return False
    head = form.first.name
    items = list(form)
    if head == "def":
        # a defmigration's def registers its function: it must be in force when a module is
        # loaded to resolve a saved continuation (#10 item 5)
        return len(items) < 3 or is_static(items[2]) or is_migration(items[2])
    if head == "do":
        return all(is_definition(x) for x in items[1:])
    return head in ("struct", "%defmacro", "module", "import", "defclass", "instance")


# the heads of the forms a definition group is made of (split_definition_group)
GROUPED_HEADS = frozenset({"def", "struct", "defclass", "instance", "%defmacro", "import", "module", "do"})


def split_definition_group(form) -> list:
    """The parts of a top-level (do ...) made only of definition forms (def, struct, defclass,
    instance, ..., whatever their values), each a top-level form of its own, as Clojure
    compiles a top-level do; any other form is [form]. A (defrecord ...) or (defmulti ...)
    expands to such a group: split, each part is a definition or a state global on its own
    (spec/serialization.md §2), instead of the whole group being neither."""
    if not (type(form) is PList and form.count > 1 and is_sym(form.first, "do")):
        return [form]
    parts = list(form)[1:]
    if not all(type(p) is PList and p.count and type(p.first) is Symbol and p.first.name in GROUPED_HEADS
               for p in parts):
        return [form]
    split = [split_definition_group(p) for p in parts]
    if any(len(s) == 1 and is_sym(s[0].first, "do") for s in split):
        return [form]   # a do inside that is not a group itself
    return [x for s in split for x in s]


def is_migration(x) -> bool:
    """(core/%register-migration "module.fn" "OLD-HASH" (fn ...)), what defmigration makes."""
    return (type(x) is PList and x.count == 4 and is_sym(x.first, "core/%register-migration")
            and all(isinstance(a, str) for a in list(x)[1:3]))


def def_name(form) -> str | None:
    if type(form) is PList and form.count and is_sym(form.first, "def"):
        return list(form)[1].name
    return None


@dataclass
class ModuleState:
    """What compiling a module's text reads and updates: the state of one module between its
    units (a file is one unit; each REPL input is another unit of the module `user`)."""
    name: str
    globals: set[str] = field(default_factory=set)
    imports: dict[str, str] = field(default_factory=dict)   # alias -> module name
    counters: dict = field(default_factory=dict)            # fn#N numbering per outer function
    top_count: int = 0                                      # top-level forms compiled so far
    version: Any = None                                     # (module name :version v)
