"""Values and continuations -> records (spec/serialization.md).

The graph is written as a table of records, each a msgpack array [tag, ...]. Atoms (nil,
booleans, integers, floats, strings, bytes, keywords, symbols) are written in place; every
other value is a record, referred to by index, so sharing and cycles survive. Records of
immutable values come after the records they refer to; refs and boxes (the mutable cells) are
given their index first and filled last, which is what lets a cycle through them be written.
The walk keeps its own stack: neither deep nesting nor deep continuations recurse in Python.
"""
from __future__ import annotations

import os

import msgpack

from ..runtime import machine
from ..runtime.errors import TurmericError
from ..runtime.values import (
    Box, Continuation, Keyword, PList, PMap, PSet, Ref, StructType, StructValue, Symbol, is_vector,
)
from . import wire

# record tags
T_LIST, T_VECTOR, T_MAP, T_SET, T_STRUCT, T_REF, T_BOX, T_FN, T_CONT, T_FRAME, T_TUPLE, \
    T_STYPE, T_RESOURCE, T_BUILTIN = range(14)
TAG_NAMES = ["list", "vector", "map", "set", "struct", "ref", "box", "fn", "continuation", "frame",
             "tuple", "struct-type", "resource", "builtin"]
MUTABLE = (T_REF, T_BOX)

SPECIAL_FRAMES = {
    machine.prompt_entry: "%prompt", machine.redo_entry: "%redo",
    machine.trywith_entry: "%try-with", machine._call_handler_entry: "%call-handler",
}

INT64 = (-(1 << 63), (1 << 64) - 1)


def atom(x):
    """The msgpack form of an atom, or None if x is not an atom (None itself is handled apart)."""
    t = type(x)
    if t is int:
        if INT64[0] <= x <= INT64[1]:
            return x
        n = (x.bit_length() + 8) // 8
        return msgpack.ExtType(wire.EXT_BIGINT, x.to_bytes(n, "big", signed=True))
    if t in (float, str, bytes, bool):
        return x
    if t is Keyword:
        return msgpack.ExtType(wire.EXT_KEYWORD, x.name.encode("utf-8"))
    if t is Symbol:
        return msgpack.ExtType(wire.EXT_SYMBOL, x.name.encode("utf-8"))
    return None


def ref(i: int):
    return msgpack.ExtType(wire.EXT_REF, i.to_bytes(4, "big"))


class Encoder:
    def __init__(self, session):
        self.session = session
        self.index: dict[int, int] = {}
        self.records: list = []
        self.alive: list = []          # keeps walked objects alive so their ids stay unique
        self.modules: dict[str, int] = {}
        self.module_table: list = []
        self.deferred: list = []       # (mutable record index, its contents)
        self.parents: dict[int, tuple] = {}   # id(obj) -> (id(parent), label): for error paths
        self.parts: dict[int, tuple] = {}     # id(obj) -> its decomposition, while in progress

    # -- the walk --------------------------------------------------------------------------

    def encode(self, root) -> list:
        self.walk(root, None, "the value")
        while self.deferred:
            i, obj, contents, labels = self.deferred.pop()
            for c, lab in zip(contents, labels):
                self.walk(c, obj, lab)
            self.records[i] = self.records[i][:1] + [self.field(c) for c in contents]
        header = {"turmeric": _version(), "modules": self.module_table}
        return [header, self.records, self.field(root)]

    def walk(self, root, parent, label):
        if root is None or atom(root) is not None:
            return
        self.parents.setdefault(id(root), (id(parent) if parent is not None else None, label))
        stack = [(root, False)]
        while stack:
            obj, expanded = stack.pop()
            if not expanded:
                if id(obj) in self.index:
                    continue
                if id(obj) in self.parts:
                    raise self.error(obj, "a cycle that goes through no ref")
                parts = self.decompose(obj)
                tag, head, children, labels = parts
                if tag in MUTABLE:
                    i = len(self.records)
                    self.index[id(obj)] = i
                    self.alive.append(obj)
                    self.records.append([tag])
                    self.deferred.append((i, obj, children, labels))
                    continue
                self.parts[id(obj)] = parts
                stack.append((obj, True))
                for c, lab in zip(reversed(children), reversed(labels)):
                    if c is not None and atom(c) is None and id(c) not in self.index:
                        self.parents.setdefault(id(c), (id(obj), lab))
                        stack.append((c, False))
            else:
                if id(obj) in self.index:
                    continue
                tag, head, children, _labels = self.parts.pop(id(obj))
                fields = []
                for c in children:
                    if c is not None and atom(c) is None and id(c) not in self.index:
                        # reached again while in progress: only a cycle through no mutable cell
                        raise self.error(c, "a cycle that goes through no ref")
                    fields.append(self.field(c))
                self.index[id(obj)] = len(self.records)
                self.alive.append(obj)
                self.records.append([tag] + head + fields)

    def field(self, x):
        if x is None:
            return None
        a = atom(x)
        if a is not None:
            return a
        return ref(self.index[id(x)])

    # -- what each kind of value is made of ---------------------------------------------------

    def decompose(self, x):
        """(tag, fixed fields, children, child labels) of a compound value."""
        t = type(x)
        if t is PList:
            items = list(x)
            return T_LIST, [], items, [f"[{i}]" for i in range(len(items))]
        if is_vector(x):
            items = list(x)
            return T_VECTOR, [], items, [f"[{i}]" for i in range(len(items))]
        if t is PMap:
            flat, labels = [], []
            for k, v in x.items():
                flat += [k, v]
                labels += ["(key)", f"[{_label(k)}]"]
            return T_MAP, [], flat, labels
        if t is PSet:
            items = list(x)
            return T_SET, [], items, ["(element)"] * len(items)
        if isinstance(x, StructValue):
            # a user instance of Serializable for the struct's type makes its token
            token = self.session.marshal_resource(x) if hasattr(self.session, "marshal_resource") else None
            if token is not None:
                tname, value = token
                return T_RESOURCE, [tname], [value], ["(resource token)"]
            fields = list(x.field_values())
            return T_STRUCT, [x.stype.qualname, len(fields)], fields, [f".{f}" for f in x.stype.fields]
        if t is Ref:
            return T_REF, [], [x.value], ["(ref value)"]
        if t is Box:
            return T_BOX, [], [x.v], ["(variable)"]
        if t is Continuation:
            return T_CONT, [], list(x.frames), [f"(frame {i})" for i in range(len(x.frames))]
        if t is tuple:
            if len(x) == 2 and callable(x[0]) and type(x[1]) is tuple and self.is_entry(x[0]):
                return self.frame(x)
            return T_TUPLE, [], list(x), [f"[{i}]" for i in range(len(x))]
        if t is StructType:
            return T_STYPE, [x.qualname, list(x.fields)], [], []
        if callable(x) and hasattr(x, "__code__") or t is type(len):
            return self.function(x)
        token = self.session.marshal_resource(x) if hasattr(self.session, "marshal_resource") else None
        if token is not None:
            tname, value = token
            return T_RESOURCE, [tname], [value], ["(resource token)"]
        raise self.error(x, None)

    def is_entry(self, f) -> bool:
        return f in SPECIAL_FRAMES or hasattr(f, "tm_site") or f is machine._raise_into_entry

    def frame(self, fr):
        entry, locs = fr
        special = SPECIAL_FRAMES.get(entry)
        if special is not None:
            return T_FRAME, [None, special, 0, ""], list(locs), [f"(frame argument {i})" for i in range(len(locs))]
        site = getattr(entry, "tm_site", None)
        if site is None:
            raise self.error(fr, "a frame of a Python function")
        info, i = site
        names = info.sites[i].live_names
        labels = [f"variable {n}" for n in names] if len(names) == len(locs) else \
            [f"(local {j})" for j in range(len(locs))]
        return T_FRAME, [self.module_ref(info.module), info.symbol, i, info.code_hash], list(locs), \
            [f"{lab} in {info.symbol}" for lab in labels]

    def function(self, f):
        code = getattr(f, "__code__", None)
        found = self.session.code_infos.get(code) if code is not None else None
        if found is not None:
            info = found
            captured = []
            if info.free:
                cells = dict(zip(f.__code__.co_freevars, f.__closure__ or ()))
                for name in info.free:
                    cell = cells.get(name)
                    captured.append(cell.cell_contents if cell is not None else None)
            return T_FN, [self.module_ref(info.module), info.symbol, info.code_hash], captured, \
                [f"captured {n} of {info.symbol}" for n in info.free_names]
        name = self.session.builtin_name(f)
        if name is not None:
            return T_BUILTIN, [name], [], []
        raise self.error(f, "a Python function that is not part of a Turmeric module")

    def module_ref(self, name: str) -> int:
        i = self.modules.get(name)
        if i is None:
            i = len(self.module_table)
            self.modules[name] = i
            mod = self.session.modules.get(name)
            version = mod.version if mod is not None else None
            if atom(version) is None and version is not None:
                version = str(version)
            path = (os.path.abspath(mod.path)
                    if mod is not None and mod.path and not mod.path.startswith("<") else None)
            self.module_table.append([name, version, path])
        return i

    # -- errors ----------------------------------------------------------------------------

    def error(self, x, what: str | None) -> TurmericError:
        from ..runtime.builtins_core import type_name
        what = what or f"a value of type {type_name(x)}"
        path = []
        key = id(x)
        seen = set()
        while key is not None and key in self.parents and key not in seen:
            seen.add(key)
            parent, label = self.parents[key]
            path.append(label)
            key = parent
        where = " <- ".join(path) if path else "the value"
        return TurmericError(
            "serialize", f"cannot serialize {what}: at {where}",
            hint="give its type an instance of Serializable or Resource-Serializable, "
                 "or keep an identifier in the variable instead of the value")


def _label(k) -> str:
    from ..runtime.printer import pr_str
    s = pr_str(k)
    return s if len(s) < 40 else s[:37] + "..."


def _version() -> str:
    from .. import __version__
    return __version__


def serialize(session, value, key=None) -> bytes:
    return wire.pack(Encoder(session).encode(value), key)
