"""Values and continuations -> records (spec/serialization.md).

The graph is written as a table of records, each a msgpack array [tag, ...]. Atoms (nil,
booleans, integers, floats, strings, bytes, keywords, symbols) are written in place; every
other value is a record, referred to by index, so sharing and cycles (through refs and boxes)
survive.

Speed comes from leaving the per-item work to msgpack's C packer: a record holds the values
themselves, and the packer calls `Encoder.reference` only for what it cannot write itself (a
value that has or gets a record, a keyword, a symbol, an integer over 64 bits). So records are
made as the packer meets their values, and written in batches until no new one appears; no
Python loop visits the atoms. msgpack writes a Python tuple as an array, so the one kind of
value that is a tuple (an internal sequence) is replaced by its reference before packing. A
continuation's frames are written by columns (frame headers once, then a header index and a
locals array per frame), and a map with keyword keys as its shape and its values.
"""
from __future__ import annotations

import os
from itertools import chain
from operator import itemgetter

import msgpack

from turmeric import __version__
from turmeric.runtime import machine
from turmeric.runtime.lazy import LazySeq
from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str
from turmeric.data.types import type_name
from turmeric.data.values import (
    EMPTY_VECTOR, Box, Continuation, Keyword, PList, PMap, PSet, Ref, StructType, StructValue,
    Symbol, vector,
)
from turmeric.serialize import wire
from turmeric.serialize.format import (
    CHUNKABLE, CHUNKED_LIST_FROM_END, DATA_TAGS, SPECIAL_FRAMES, T_BOX, T_BUILTIN, T_CHUNKED, T_CONT, T_FN,
    T_FRAME, T_LIST, T_MAP, T_LAZY, T_REF, T_RESOURCE, T_SET, T_SHAPED_MAP, T_STRUCT, T_STYPE, T_TUPLE, T_VECTOR,
)
from turmeric.serialize.blobs import CHUNK, DIRNAME, UNUSABLE
from turmeric.serialize.limits import check_limits, where

INT64 = (-(1 << 63), (1 << 64) - 1)
PVECTOR = type(EMPTY_VECTOR)
PLAIN_TYPES = frozenset({type(None), float, str, bytes, bool, int})   # msgpack writes them itself
ATOM_TYPES = PLAIN_TYPES | {Keyword, Symbol}                           # never records
NOT_VALUES = frozenset({tuple, list, dict})   # what msgpack would write as an array or map
KEYWORD_ONLY = frozenset({Keyword})

def ref_ext(i: int) -> msgpack.ExtType:
    """The reference to record i. (tuple.__new__ skips ExtType's argument checks, which cost
    more than the rest of writing a small record.)"""
    return tuple.__new__(msgpack.ExtType, (wire.EXT_REF, i.to_bytes(4, "big")))


REFS = tuple(map(ref_ext, range(256)))   # the common ones, made once


def atom(x):
    """The msgpack form of an atom, or None if x is not an atom (None itself is handled apart)."""
    t = type(x)
    if t is int:
        if INT64[0] <= x <= INT64[1]:
            return x
        n = (x.bit_length() + 8) // 8
        return msgpack.ExtType(wire.EXT_BIGINT, x.to_bytes(n, "big", signed=True))
    if t in PLAIN_TYPES:
        return x
    if t is Keyword:
        ext = x.wire
        if ext is None:   # keywords are interned and immutable: so is their encoding
            ext = x.wire = msgpack.ExtType(wire.EXT_KEYWORD, x.name.encode("utf-8", "surrogatepass"))
        return ext
    if t is Symbol:
        return msgpack.ExtType(wire.EXT_SYMBOL, x.name.encode("utf-8", "surrogatepass"))
    return None


def careful_string(x):
    """A string with a lone surrogate (msgpack's str must be UTF-8) as extension 4; anything
    else as it is."""
    if type(x) is str:
        try:
            x.encode("utf-8")
        except UnicodeEncodeError:
            return msgpack.ExtType(wire.EXT_STRING, x.encode("utf-8", "surrogatepass"))
    return x


class NotData(Exception):
    """Met by an Encoder with data_only: the value is not immutable data."""


class Encoder:
    """Writes one value: `pack` gives the body's bytes. A record is made the first time msgpack
    meets its value (`reference`, msgpack's default hook) and written in a later batch, so
    records come in the order they are found, parents before children; the reader builds
    them in whatever order their references need."""

    def __init__(self, session, blobs=None, data_only: bool = False, careful: bool = False):
        self.session = session
        # careful: strings may hold lone surrogates, which msgpack refuses: every string is
        # checked (a second try, after msgpack refused one; no chunks, no shapes then)
        self.careful = careful
        self.blobs = None if careful else blobs   # a BlobStore: large sequences and maps go there by hash
        self.data_only = data_only     # refuse (NotData) anything but immutable data: a chunk
        self.refs: dict[int, msgpack.ExtType] = {}   # id(obj) -> the reference to its record
        self.records: list = []        # [tag, field...] each, fields holding values
        self.alive: list = []          # the value of each record: keeps ids unique; error paths
        self.walked: list = []         # the values inside each record, for error paths
        self.modules: dict[str, int] = {}
        self.module_table: list = []
        self.frame_heads: dict = {}           # resume entry -> its frame header
        self.sites = session.sites            # resume entry -> (FnInfo, site index)
        self.shapes: dict[tuple, int] = {}    # the keys of a map with keyword keys -> shape number
        self.shape_table: list = []           # each shape's key names, in the header
        self.code: list | None = None         # [[module, source hash], ...] (a checkpoint's)
        self.lists_from_end = False           # a list chunked from its end: format version 4
        self.offsets: dict[int, int] = {}     # id(value) -> where its walked items start, if not 0

    def pack(self, root) -> bytes:
        """The msgpack body [header, records, root]."""
        packer = msgpack.Packer(use_bin_type=True, default=self.reference)
        if type(root) is tuple:       # msgpack would write it as an array
            root = self.reference(root)
        if self.careful:
            root = careful_string(root)
        root_bytes = packer.pack(root)
        batches = []
        done = stated = 0
        state = []         # [module index, global name, value] per state global (§5)
        while done < len(self.records) or stated < len(self.module_table):
            while done < len(self.records):   # writing a batch finds the next one's records
                batch = self.records[done:]
                done += len(batch)
                packed = packer.pack(batch)
                batches.append(packed[len(packer.pack_array_header(len(batch))):])
            while stated < len(self.module_table):   # a global's value may name more modules
                module = self.module_table[stated][0]
                for name, value in self.session.module_state(module):
                    state.append([stated, name, self.global_value(module, name, value)])
                stated += 1
        header = {"turmeric": __version__, "modules": self.module_table}
        if state:
            header["state"] = state
        if self.careful:
            header["modules"] = [list(map(careful_string, m)) for m in self.module_table]
        if self.shape_table:
            header["shapes"] = self.shape_table
        if self.blobs is not None:
            header["blobs"] = DIRNAME
        if self.code:
            header["code"] = ([list(map(careful_string, m)) for m in self.code] if self.careful
                              else self.code)   # module versions kept in the code store (codestore.py)
        body = b"".join([packer.pack_array_header(3), packer.pack(header),
                         packer.pack_array_header(len(self.records)), *batches, root_bytes])
        check_limits(self, body)    # what the reader would refuse is refused now (limits.py, #16 part 2)
        return body

    def reference(self, x):
        """msgpack's `default`: what to write for a value it cannot write itself."""
        r = self.refs.get(id(x))
        if r is not None:
            return r
        t = type(x)
        if t is Keyword:         # interned, so alive and its id unique: found first next time
            r = self.refs[id(x)] = atom(x)
            return r
        if t is Symbol or t is int:
            return atom(x)
        return self.add(x)

    def add(self, obj):
        """Give obj a record; return the reference to it."""
        t = type(obj)
        chunks = UNUSABLE     # (None: not chunkable)
        if self.blobs is not None and (t is PVECTOR or t is PList) and len(obj) >= CHUNK:
            # a vector by its tree nodes, a list from its end: what an earlier checkpoint
            # stored is named again without reading its items (#14)
            chunks = (self.blobs.vector_chunks if t is PVECTOR else self.blobs.list_chunks)(obj, self.data_chunk)
        if chunks is not None and chunks is not UNUSABLE:
            hashes, values = chunks
            tag = T_CHUNKED
            if t is PList:
                fields = [CHUNKED_LIST_FROM_END, hashes] + values
                self.lists_from_end = True
            else:
                fields = [T_VECTOR, hashes] + values
            inline = values
            offset = 0 if t is PList else len(hashes) * CHUNK     # where the inline items start
            if offset:
                self.offsets[id(obj)] = offset
        else:
            offset = 0
            tag, fields, values = self.decompose(obj)
            if self.data_only and tag not in DATA_TAGS:
                raise NotData
            hashes = None
            if chunks is UNUSABLE and self.blobs is not None and tag in CHUNKABLE and len(values) >= CHUNK \
                    and t is not PList:
                hashes = self.blobs.known(obj)     # stored before, and immutable: nothing to check
                if hashes is None:
                    hashes = self.blobs.chunk_hashes(obj, values, self.data_chunk)
            inline = values
            if hashes is not None:
                inline = values[len(hashes) * CHUNK:]     # the items after the last full chunk
                fields = [tag, hashes] + inline
                tag = T_CHUNKED
        if inline:
            types = set(map(type, inline))
            if not types.isdisjoint(NOT_VALUES):
                fields = self.checked(obj, tag, fields, values, types, offset)
        if self.careful:
            if tag == T_CONT:
                fields[0] = [list(map(careful_string, h)) for h in fields[0]]   # headers
                fields[2] = [list(map(careful_string, locs)) for locs in fields[2]]
            else:
                fields = list(map(careful_string, fields))
        i = len(self.records)
        r = self.refs[id(obj)] = REFS[i] if i < 256 else ref_ext(i)
        self.alive.append(obj)
        self.walked.append(values)
        self.records.append([tag] + fields)
        return r

    def data_chunk(self, items: list) -> bytes | None:
        """A chunk of items that are not all plain, as the body of a payload of its own (a
        vector of them), or None if something in it is not immutable data (a ref, a function,
        a continuation, a resource): those must stay in the checkpoint, where sharing is kept."""
        try:
            return Encoder(self.session, data_only=True).pack(vector(items))
        except (NotData, TurmericError):   # (an error is raised again, with its path, inline)
            return None

    def checked(self, obj, tag, fields, values, types, offset: int = 0):
        """msgpack would write a tuple, list or dict as an array or map: an internal tuple goes
        by reference, and a Python list or dict is not a Turmeric value. `offset`: the
        position in obj of values[0]."""
        for bad in (list, dict):
            if bad in types:
                j = next(j for j, v in enumerate(values) if type(v) is bad)
                raise self.error(values[j], None, parent=(obj, offset + j))
        if tag == T_CONT:
            fields[2] = [[self.reference(v) if type(v) is tuple else v for v in locs] for locs in fields[2]]
            return fields
        return [self.reference(v) if type(v) is tuple else v for v in fields]

    # -- what each kind of value is made of ---------------------------------------------------

    def decompose(self, x):
        """(tag, the record's fields after the tag, the values among them to walk)."""
        t = type(x)
        if t is PList or t is PVECTOR or t is PSet or t is tuple and not self.is_frame(x):
            items = list(x)
            return (T_LIST if t is PList else T_VECTOR if t is PVECTOR else T_SET if t is PSet
                    else T_TUPLE), items, items
        if t is PMap:
            return self.map(x)
        if t is Continuation:
            return self.continuation(x)
        if t is tuple:
            return self.frame(x)
        if t is LazySeq:
            return self.lazy_seq(x)
        if t is Ref:
            return T_REF, [x.value], [x.value]
        if t is Box:
            return T_BOX, [x.v], [x.v]
        if isinstance(x, StructValue):
            # a user instance of Serializable for the struct's type makes its token
            resource = self.resource(x)
            if resource is not None:
                return resource
            fields = list(x.field_values())
            self.defining_module(x.stype.module)
            return T_STRUCT, [x.stype.qualname, len(fields)] + fields, fields
        if t is StructType:
            self.defining_module(x.module)
            return T_STYPE, [x.qualname, list(x.fields)], []
        if callable(x) and hasattr(x, "__code__") or t is type(len):
            return self.function(x)
        resource = self.resource(x)
        if resource is None:
            raise self.error(x, None)
        return resource

    @staticmethod
    def lazy_seq(x):
        """[T_LAZY, n, the n realized items, "end"], [..., "more", the rest (a list or the
        first unrealized lazy seq, a record of its own, so that what shares it still does)]
        or, for an unrealized one, [T_LAZY, 0, step name, its arguments...]; nothing is
        realized (spec/serialization.md §4)."""
        items, tail = x.realized_prefix()
        if tail is None:
            rest = ["end"]
        elif tail is x:
            rest = [x._step, *x._args]
        else:
            rest = ["more", tail]
        fields = [len(items), *items, *rest]
        return T_LAZY, fields, items + rest[1:]

    def resource(self, x):
        """The resource record of x when an instance (or a built-in resource) makes a token."""
        made = self.session.marshal_resource(x)
        if made is None:
            return None
        type_name, token, module = made
        if module is not None:
            self.defining_module(module)
        return T_RESOURCE, [type_name, token], [token]

    def defining_module(self, name: str):
        """Put in the module table a module that defines a struct type or an instance the data
        uses, so that a reader loads it (from its saved path) before building any record."""
        if name != "core" and name not in self.modules:
            self.module_ref(name)

    def map(self, m):
        """A map whose keys are all keywords (a record-like map, the common case) is written as
        its shape (the key names, once per payload in the header) and its values; keys are
        then neither written nor read one by one."""
        keys = tuple(m)
        shape = self.shapes.get(keys)
        if shape is None and self.shaped(keys):
            shape = self.shapes[keys] = len(self.shape_table)
            self.shape_table.append([k.name for k in keys])
        if shape is not None:
            values = list(m.values())
            return T_SHAPED_MAP, [shape, *values], values
        flat = list(chain.from_iterable(m.items()))
        return T_MAP, flat, flat

    def shaped(self, keys: tuple) -> bool:
        """Whether a map with these keys is written by shape: all keywords (not in the careful
        pass, whose header holds no shapes)."""
        return bool(keys) and not self.careful and set(map(type, keys)) == KEYWORD_ONLY

    def continuation(self, k):
        """Frames by columns: [headers, header index of each frame, locals of each frame].
        Only locals that are not atoms are walked (most frames hold numbers and strings)."""
        if not k.frames:
            return T_CONT, [[], [], []], []
        entries = list(map(itemgetter(0), k.frames))
        locals_ = list(map(itemgetter(1), k.frames))
        if entries.count(entries[0]) == len(entries):   # a recursion: one header (#14)
            numbers = {entries[0]: 0}
            column = [0] * len(entries)
        else:
            numbers = dict.fromkeys(entries)    # each distinct resume entry, in order
            for n, entry in enumerate(numbers):
                numbers[entry] = n
            column = list(map(numbers.__getitem__, entries))
        headers = []
        for entry in numbers:
            head = self.frame_heads.get(entry)
            if head is None:
                head = self.frame_heads[entry] = self.frame_header(entry)
            headers.append(head)
        walked = () if not any(locals_) or set(map(type, chain.from_iterable(locals_))) <= ATOM_TYPES \
            else list(chain.from_iterable(locals_))
        return T_CONT, [headers, column, locals_], walked

    def is_frame(self, x) -> bool:
        return len(x) == 2 and type(x[1]) is tuple and callable(x[0]) and (
            x[0] in SPECIAL_FRAMES or x[0] in self.sites or x[0] is machine._raise_into_entry)

    def frame(self, fr):
        """A frame that is a value of its own (outside a continuation)."""
        locs = list(fr[1])
        return T_FRAME, self.frame_header(fr[0]) + locs, locs

    def frame_header(self, entry) -> list:
        special = SPECIAL_FRAMES.get(entry)
        if special is not None:
            return [None, special, 0, ""]
        site = self.sites.get(entry)
        if site is None:
            raise self.error(entry, "a frame of a Python function")
        info, i = site
        return [self.module_ref(info.module), info.symbol, i, info.code_hash]

    def function(self, f):
        code = getattr(f, "__code__", None)
        found = self.session.function_info(code) if code is not None else None
        if found is not None:
            info = found
            captured = []
            if info.free:
                cells = dict(zip(f.__code__.co_freevars, f.__closure__ or ()))
                for name in info.free:
                    cell = cells.get(name)
                    captured.append(cell.cell_contents if cell is not None else None)
            return T_FN, [self.module_ref(info.module), info.symbol, info.code_hash] + captured, captured
        name = self.session.builtin_name(f)
        if name is not None:
            return T_BUILTIN, [name], []
        raise self.error(f, "a Python function that is not part of a Turmeric module")

    def global_value(self, module: str, name: str, value):
        """What the header's state table holds for a global's value (a reference, for a
        value msgpack does not write itself)."""
        try:
            if type(value) is str:
                return careful_string(value) if self.careful else value
            return value if value is None or type(value) in (bool, float, bytes) else self.reference(value)
        except TurmericError as e:
            e.message = f"the global {name} of module {module}: {e.message}"
            raise

    def module_ref(self, name: str) -> int:
        i = self.modules.get(name)
        if i is None:
            i = len(self.module_table)
            self.modules[name] = i
            facts = self.session.module_facts(name)
            version = facts.version if facts is not None else None
            if atom(version) is None and version is not None:
                version = str(version)
            path = facts.path if facts is not None and facts.path and not facts.path.startswith("<") else None
            if path is not None and not os.path.isabs(path):
                path = os.path.abspath(path)
            self.module_table.append([name, version, path])
        return i

    def labels(self, x) -> list[str]:
        """Names for the parts of x, in the order decompose gives them (for error paths)."""
        t = type(x)
        if t is PMap:
            if self.shaped(tuple(x.keys())):   # a shaped map: values only
                return [f"[{_label(k)}]" for k in x.keys()]
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
        if t is tuple and len(x) == 2 and type(x[1]) is tuple and x[0] in self.sites:
            info, i = self.sites[x[0]]
            names = info.sites[i].live_names
            if len(names) != len(x[1]):
                names = [f"%{j}" for j in range(len(x[1]))]
            return [f"variable {n} in {info.symbol}" for n in names]
        if callable(x) and hasattr(x, "__code__"):
            info = self.session.function_info(x.__code__)
            if info is not None:
                return [f"captured {n} of {info.symbol}" for n in info.free_names]
        return [f"[{i}]" for i in range(len(x))] if hasattr(x, "__len__") else []

    # -- errors ----------------------------------------------------------------------------

    def error(self, x, what: str | None, parent: tuple | None = None) -> TurmericError:
        """A serialize error naming x's type and its path from the value inward to the root;
        `parent`: (the value holding x, x's position in it) when x's holder has no record yet."""
        what = what or f"a value of type {type_name(x)}"
        return TurmericError(
            "serialize", f"cannot serialize {what}: at {where(self, x, parent, most=None)}",
            hint="give its type an instance of Serializable or Resource-Serializable, "
                 "or keep an identifier in the variable instead of the value")

    def parent_of(self, x) -> tuple | None:
        """(the first value with a record that holds x, x's position in it): a search, made
        only for an error message."""
        for holder, values in zip(self.alive, self.walked):
            for j, v in enumerate(values):
                if v is x:
                    return holder, self.offsets.get(id(holder), 0) + j
        return None


def _label(k) -> str:
    s = pr_str(k)
    return s if len(s) < 40 else s[:37] + "..."


def serialize(session, value, key=None, blobs=None, code=None) -> bytes:
    """`code`: the module versions to name in the header ([[module, source hash], ...])."""
    try:
        enc = Encoder(session, blobs)
        enc.code = code
        body = enc.pack(value)
    except UnicodeEncodeError:   # a string with a lone surrogate: msgpack refused it
        enc = Encoder(session, blobs, careful=True)
        enc.code = code
        body = enc.pack(value)
    if blobs is not None:
        blobs.sync()     # the chunks it names are durable before the data that names them
    return wire.frame(body, key, wire.LIST_FROM_END_VERSION if enc.lists_from_end else wire.FORMAT_VERSION)
