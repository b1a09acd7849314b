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
    EMPTY_VECTOR, Box, Continuation, Keyword, PList, PMap, PSet, Ref, StructType, StructValue, Symbol,
)
from . import wire
from .blobs import CHUNK

# record tags
T_LIST, T_VECTOR, T_MAP, T_SET, T_STRUCT, T_REF, T_BOX, T_FN, T_CONT, T_FRAME, T_TUPLE, \
    T_STYPE, T_RESOURCE, T_BUILTIN, T_CHUNKED = range(15)
TAG_NAMES = ["list", "vector", "map", "set", "struct", "ref", "box", "fn", "continuation", "frame",
             "tuple", "struct-type", "resource", "builtin", "chunked"]
CHUNKABLE = (T_LIST, T_VECTOR, T_TUPLE)
MUTABLE = (T_REF, T_BOX)

SPECIAL_FRAMES = {
    machine.prompt_entry: "%prompt", machine.redo_entry: "%redo",
    machine.trywith_entry: "%try-with", machine._call_handler_entry: "%call-handler",
}

INT64 = (-(1 << 63), (1 << 64) - 1)
PVECTOR = type(EMPTY_VECTOR)
PLAIN_TYPES = frozenset({type(None), float, str, bytes, bool})        # written as they are
ATOM_TYPES = PLAIN_TYPES | {int, Keyword, Symbol}                     # never records
PLAIN_OR_INT = PLAIN_TYPES | {int}


def _plain(items, careful: bool = False) -> bool:
    """Only values written as they are (checked at C speed). Integers are assumed to fit 64
    bits unless `careful`: msgpack refuses one that does not, and serialize then starts again
    carefully (big integers are rare, checking each integer is not)."""
    types = set(map(type, items))
    if types <= PLAIN_TYPES:
        return True
    return types <= PLAIN_OR_INT and (not careful or _small_ints(items, types))


def _small_ints(items, types) -> bool:
    """Every int in items fits msgpack's 64 bits (checked at C speed when all are ints)."""
    if types == {int}:
        return INT64[0] <= min(items) and max(items) <= INT64[1]
    return all(INT64[0] <= x <= INT64[1] for x in items if type(x) is int)


_KEYWORD_EXT: dict = {}   # keywords are interned and immutable: their encoding is too


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
        ext = _KEYWORD_EXT.get(x)
        if ext is None:
            ext = _KEYWORD_EXT[x] = msgpack.ExtType(wire.EXT_KEYWORD, x.name.encode("utf-8"))
        return ext
    if t is Symbol:
        return msgpack.ExtType(wire.EXT_SYMBOL, x.name.encode("utf-8"))
    return None


def ref(i: int):
    return msgpack.ExtType(wire.EXT_REF, i.to_bytes(4, "big"))


class Encoder:
    def __init__(self, session, blobs=None, careful: bool = False):
        self.session = session
        self.blobs = blobs             # a BlobStore: large plain sequences go there by hash
        self.careful = careful         # check every integer's size (see _plain)
        self.index: dict[int, int] = {}
        self.records: list = []
        self.alive: list = []          # keeps walked objects alive so their ids stay unique
        self.modules: dict[str, int] = {}
        self.module_table: list = []
        self.deferred: list = []       # (mutable record index, its contents)
        self.parents: dict[int, tuple] = {}   # id(obj) -> (parent, position): for error paths
        self.parts: dict[int, tuple] = {}     # id(obj) -> its decomposition, while in progress
        self.frame_heads: dict = {}           # resume entry -> its frame header

    # -- the walk --------------------------------------------------------------------------

    def encode(self, root) -> list:
        self.walk(root, None, 0)
        while self.deferred:
            i, obj, contents = self.deferred.pop()
            for j, c in enumerate(contents):
                self.walk(c, obj, j)
            self.records[i] = self.records[i][:1] + [self.field(c) for c in contents]
        header = {"turmeric": _version(), "modules": self.module_table}
        if self.blobs is not None:
            from .blobs import DIRNAME
            header["blobs"] = DIRNAME
        return [header, self.records, self.field(root)]

    def walk(self, root, parent, position):
        """Give `root` and everything it holds a record, children before parents."""
        if type(root) in ATOM_TYPES:
            return
        index, parts, parents = self.index, self.parts, self.parents
        parents.setdefault(id(root), (parent, position))
        stack = [(root, False)]
        while stack:
            obj, expanded = stack.pop()
            key = id(obj)
            if not expanded:
                if key in index:
                    continue
                if key in parts:
                    raise self.error(obj, "a cycle that goes through no ref")
                decomposed = self.decompose(obj)
                tag, _head, children = decomposed
                if tag in MUTABLE:
                    i = len(self.records)
                    index[key] = i
                    self.alive.append(obj)
                    self.records.append([tag])
                    self.deferred.append((i, obj, children))
                    continue
                parts[key] = decomposed
                stack.append((obj, True))
                if self.blobs is not None and self.blobs.known(obj) is not None:
                    continue  # already in the blob store, unchanged: nothing inside to visit
                if set(map(type, children)) <= ATOM_TYPES:
                    continue  # only atoms (a common case, checked at C speed): nothing to visit
                for j in range(len(children) - 1, -1, -1):
                    c = children[j]
                    if type(c) not in ATOM_TYPES and id(c) not in index:
                        parents.setdefault(id(c), (obj, j))
                        stack.append((c, False))
            elif key not in index:
                tag, head, children = parts.pop(key)
                field = self.field
                fields = []
                if self.blobs is not None and tag in CHUNKABLE and len(children) >= CHUNK:
                    hashes = self.blobs.known(obj)
                    if hashes is None and _plain(children, self.careful):
                        hashes = self.blobs.chunk_hashes(obj, children)
                    if hashes is not None:
                        index[key] = len(self.records)
                        self.alive.append(obj)
                        self.records.append([T_CHUNKED, tag, hashes] + children[len(hashes) * CHUNK:])
                        continue
                if _plain(children, self.careful):
                    fields = children
                    children = ()
                for c in children:
                    t = type(c)
                    if t in PLAIN_TYPES or (t is int and INT64[0] <= c <= INT64[1]):
                        fields.append(c)
                    else:
                        fields.append(field(c))
                if tag == T_CONT:
                    record = [tag]
                    at = 0
                    for hdr, n in head:
                        record.append(hdr + fields[at:at + n])
                        at += n
                else:
                    record = [tag]
                    record += head
                    record += fields
                index[key] = len(self.records)
                self.alive.append(obj)
                self.records.append(record)

    def field(self, x):
        t = type(x)
        if t in PLAIN_TYPES:
            return x
        if t is Keyword or t is Symbol or t is int:
            return atom(x)
        i = self.index.get(id(x))
        if i is None:  # reached again while in progress: only a cycle through no mutable cell
            raise self.error(x, "a cycle that goes through no ref")
        return ref(i)

    # -- what each kind of value is made of ---------------------------------------------------

    def decompose(self, x):
        """(tag, fixed fields, children) of a compound value."""
        t = type(x)
        if t is PList:
            return T_LIST, [], list(x)
        if t is PVECTOR:
            return T_VECTOR, [], list(x)
        if t is PMap:
            flat = []
            for kv in x.items():
                flat += kv
            return T_MAP, [], flat
        if t is PSet:
            return T_SET, [], list(x)
        if isinstance(x, StructValue):
            # a user instance of Serializable for the struct's type makes its token
            token = self.session.marshal_resource(x) if hasattr(self.session, "marshal_resource") else None
            if token is not None:
                return T_RESOURCE, [token[0]], [token[1]]
            fields = list(x.field_values())
            return T_STRUCT, [x.stype.qualname, len(fields)], fields
        if t is Ref:
            return T_REF, [], [x.value]
        if t is Box:
            return T_BOX, [], [x.v]
        if t is Continuation:
            # frames are written inline in the continuation's record: (header, locals count)
            # per frame, then all the locals in order
            headers, children = [], []
            heads = self.frame_heads
            for fr in x.frames:
                entry, locs = fr
                head = heads.get(entry)
                if head is None:  # once per resume entry: most frames share a few
                    head = heads[entry] = self.frame(fr)[1]
                headers.append((head, len(locs)))
                children += locs
            return T_CONT, headers, children
        if t is tuple:
            if len(x) == 2 and type(x[1]) is tuple and callable(x[0]) and self.is_entry(x[0]):
                return self.frame(x)
            return T_TUPLE, [], list(x)
        if t is StructType:
            return T_STYPE, [x.qualname, list(x.fields)], []
        if callable(x) and hasattr(x, "__code__") or t is type(len):
            return self.function(x)
        token = self.session.marshal_resource(x) if hasattr(self.session, "marshal_resource") else None
        if token is not None:
            tname, value = token
            return T_RESOURCE, [tname], [value]
        raise self.error(x, None)

    def labels(self, x) -> list[str]:
        """Names for the parts of x, in the order decompose gives them (for error paths)."""
        t = type(x)
        if t is PMap:
            out = []
            for k in x.keys():
                out += ["(key)", f"[{_label(k)}]"]
            return out
        if t is PSet:
            return ["(element)"] * len(x)
        if isinstance(x, StructValue):
            return [f".{f}" for f in x.stype.fields]
        if t is Ref:
            return ["(ref value)"]
        if t is Box:
            return ["(variable)"]
        if t is Continuation:
            out = []
            for i, fr in enumerate(x.frames):
                out += [f"{lab} (frame {i})" for lab in self.labels(fr)]
            return out
        if t is tuple and len(x) == 2 and type(x[1]) is tuple and hasattr(x[0], "tm_site"):
            info, i = x[0].tm_site
            names = info.sites[i].live_names
            if len(names) != len(x[1]):
                names = [f"%{j}" for j in range(len(x[1]))]
            return [f"variable {n} in {info.symbol}" for n in names]
        if callable(x) and hasattr(x, "__code__"):
            info = self.session.code_infos.get(x.__code__)
            if info is not None:
                return [f"captured {n} of {info.symbol}" for n in info.free_names]
        return [f"[{i}]" for i in range(len(x))] if hasattr(x, "__len__") else []

    def is_entry(self, f) -> bool:
        return f in SPECIAL_FRAMES or hasattr(f, "tm_site") or f is machine._raise_into_entry

    def frame(self, fr):
        entry, locs = fr
        special = SPECIAL_FRAMES.get(entry)
        if special is not None:
            return T_FRAME, [None, special, 0, ""], list(locs)
        site = getattr(entry, "tm_site", None)
        if site is None:
            raise self.error(fr, "a frame of a Python function")
        info, i = site
        return T_FRAME, [self.module_ref(info.module), info.symbol, i, info.code_hash], list(locs)

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
            return T_FN, [self.module_ref(info.module), info.symbol, info.code_hash], captured
        name = self.session.builtin_name(f)
        if name is not None:
            return T_BUILTIN, [name], []
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
        obj = x
        seen = set()
        while id(obj) in self.parents and id(obj) not in seen:
            seen.add(id(obj))
            parent, position = self.parents[id(obj)]
            if parent is None:
                break
            labels = self.labels(parent)
            path.append(labels[position] if position < len(labels) else f"[{position}]")
            obj = parent
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


def serialize(session, value, key=None, blobs=None) -> bytes:
    try:
        return wire.pack(Encoder(session, blobs).encode(value), key)
    except OverflowError:  # an integer over 64 bits inside a plain sequence
        return wire.pack(Encoder(session, blobs, careful=True).encode(value), key)
