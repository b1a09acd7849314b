"""Records -> values and continuations (spec/serialization.md).

Decoding never runs code from the data: a function or frame names a stable symbol, which
resolves only to code compiled from a module on the module path (loading that module runs
its definitions, nothing else). Every record is checked before it is used; anything malformed
is a `deserialize` error, a changed or missing function a `schema-mismatch` error whose value
is the struct (schema-mismatch detail old-version).

Three passes, no recursion: shells for refs and boxes; then every other record, from the last
to the first (the writer lists a value before what it holds, so this order mostly finds what
a record refers to already built; when not, the record waits on an explicit stack for what
it needs, and a cycle through no ref or box is refused); then the shells' contents.
"""
from __future__ import annotations

import gc
import hmac
import io
import os
import re
from array import array
from itertools import chain

import msgpack

from turmeric.runtime import machine
from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str
from turmeric.runtime.core_structs import SCHEMA_MISMATCH
from turmeric.runtime.lazy import FORWARD, LazySeq, cell, empty_lazy, step_args_ok
from turmeric.runtime.typeclasses import RESOURCE_POLICIES, unmarshal_resource
from turmeric.data.values import (
    Box, Continuation, Keyword, PList, PMap, PSet, Ref, Symbol, is_vector, plist, vector,
)
from turmeric.serialize import limits, wire
from turmeric.serialize.blobs import CHUNK, DIRNAME, BlobStore
from turmeric.serialize.limits import (   # (the names, for the modules that import them from here;
    MAX_DEPTH, MAX_INT_BYTES, MAX_INT_DIGITS, MAX_KEY_DEPTH, MAX_SAME_HASH, PREHASH_DEPTH,   # noqa: F401
    most_same_hash,                         # the checks read limits.X, the one definition)
)
from turmeric.serialize.format import (
    T_BOX, T_BUILTIN, T_CHUNKED, T_CONT, T_FN, T_FRAME, T_LIST, T_MAP, T_REF, T_RESOURCE, T_SET,
    T_STRUCT, T_SHAPED_MAP, T_STYPE, T_TUPLE, T_VECTOR, T_LAZY, TAG_NAMES, MUTABLE, DATA_TAGS,
    CHUNKED_LIST_FROM_END,
)

corrupt = wire.corrupt
# Only the special frames a captured continuation can hold. A depth unwind's %redo frame and
# a delivered error's handler frame live on the trampoline for an instant and are never
# captured, so they are refused: as data they would be a way to call any function.
# (resume entry, number of locals) of each.
SPECIAL_ENTRIES = {"%prompt": (machine.prompt_entry, 0), "%try-with": (machine.trywith_entry, 1)}
MODULE_PART = re.compile(r"[^./\\\0]+")
# The limits of spec/serialization.md §9 (#16), shared with the writer: turmeric/serialize/limits.py.
# Nesting is checked where each record is read, before the value is made: hashing, comparing
# and printing a value recurse on its nesting, so a value nested too deep would crash the
# interpreter (SIGSEGV) instead of failing. The budgets (decoded size, chunk references) are
# checked on the whole record table before any module is loaded or record built.

def valid_module_name(name) -> bool:
    """A module name a payload may ask the session to find: dot-separated, non-empty parts that
    are plain file names (no path separators, NUL or over-long parts)."""
    if not isinstance(name, str) or not name or len(name) > 1024:
        return False
    for part in name.split("."):
        if not MODULE_PART.fullmatch(part) or len(part) > 62 and len(part.encode("utf-8", "surrogatepass")) > 250:
            return False
    return True


# what malformed records can make Python raise; a TurmericError is none of these
PYTHON_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, OverflowError,
                 UnicodeError)


class RecordRef(int):
    """A reference to record `self`, as read from the data (an int subclass, so that msgpack's
    callback makes it at C speed with RecordRef.from_bytes)."""
    __slots__ = ()

    @property
    def i(self) -> int:
        return int(self)


NOT_PLAIN = frozenset({RecordRef, tuple, dict})     # what is not a value as it stands


def ext_hook(code: int, data: bytes):
    if code == wire.EXT_REF:
        if len(data) != 4:
            raise corrupt("a record reference has the wrong size")
        return RecordRef.from_bytes(data, "big")
    if code == wire.EXT_KEYWORD:
        return Keyword(_utf8(data))
    if code == wire.EXT_SYMBOL:
        return Symbol(_utf8(data))
    if code == wire.EXT_STRING:
        return _utf8(data)
    if code == wire.EXT_BIGINT:
        if not data:
            raise corrupt("an empty big integer")
        if len(data) > limits.MAX_INT_BYTES:   # made, printed or hashed, it would cost time (#16 item 3)
            raise corrupt(f"an integer of {len(data):,} bytes (about {int(len(data) * 2.40824):,} digits) "
                          f"is larger than the limit of {limits.MAX_INT_DIGITS:,} digits",
                          hint=f"the reader refuses integers of more than {limits.MAX_INT_DIGITS:,} digits "
                               f"(spec/serialization.md §9)")
        return int.from_bytes(data, "big", signed=True)
    raise corrupt(f"unknown extension type {code}")


def _utf8(data: bytes) -> str:
    """A name or string (lone surrogates allowed: Turmeric strings may hold them)."""
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        raise corrupt("a string, keyword or symbol name is not UTF-8") from None


class Unbuilt(Exception):
    """A record refers to one that is not built yet (Decoder.build_from)."""


def schema_mismatch(detail: str, old_version,
                    hint: str = ("the code this checkpoint was saved with changed (a function, struct or module it "
                                 "names was edited or removed): resume it with the code it was saved with")
                    ) -> TurmericError:
    value = SCHEMA_MISMATCH.cls(detail, old_version)
    return TurmericError("schema-mismatch", detail, value=value, hint=hint)


def missing_module(module: str, rel: str, saved_path, dirs: list[str], old_version=None) -> TurmericError:
    """A module the data names that is nowhere to be found: not a change of the code, so it
    has its own message and hint (#9 item 5)."""
    where = f" (it was at {saved_path} when the checkpoint was saved)" if saved_path else ""
    return schema_mismatch(
        f"module {module} is not on the module path{where}", old_version,
        hint=f"{rel} was looked for in: {', '.join(dirs)} (the folders of the program's modules; for "
             f"turmeric resume and inspect the checkpoint's folder and the current folder; "
             f"TURMERIC_PATH; the standard library): put it there, or add its folder to TURMERIC_PATH")


def versions(old, new) -> str:
    """`saved with version V, the code is version W`, leaving out a version that is nil."""
    parts = ([f"saved with version {pr_str(old) if not isinstance(old, str) else old}"] if old is not None else []) \
        + ([f"the code is version {pr_str(new) if not isinstance(new, str) else new}"] if new is not None else [])
    return ", ".join(parts)


class Decoder:
    def __init__(self, session, header, records, blobs=None, resources: str = "reopen"):
        self.session = session
        self.resources = resources          # what a FileHandle or Socket token does (§8)
        self.blobs = blobs
        if type(header) is not dict or type(header.get("modules")) is not tuple:
            raise corrupt("the header is malformed")
        if type(records) is not tuple:
            raise corrupt("the record table is malformed")
        self.modules = header["modules"]
        for m in self.modules:
            if not (type(m) is tuple and len(m) == 3 and valid_module_name(m[0])
                    and (m[2] is None or isinstance(m[2], str))):
                raise corrupt("a module entry in the header is malformed")
        self.paths = {m[0]: m[2] for m in self.modules}    # module -> its saved path
        self.state = header.get("state", ())   # [module index, name, value] per state global
        if type(self.state) is not tuple or not all(
                type(g) is tuple and len(g) == 3 and type(g[0]) is int and 0 <= g[0] < len(self.modules)
                and type(g[1]) is str for g in self.state):
            raise corrupt("the header's table of module state is malformed")
        self.shapes = self.read_shapes(header.get("shapes", ()))
        # a list, so that each record can be let go once its value is built (#16 part 1:
        # the record tuples of many small records weigh as much as their values)
        self.records = list(records)
        self.values: list = [None] * len(records)
        self.built = bytearray(len(records))
        self.depth = array("i", (1,)) * len(records)   # the nesting of each built record's value (§9)
        self.resolved: dict = {}
        self.entries: dict = {}     # frame header -> (resume entry, number of locals)
        # the budgets of §9 (#16 item 2 and part 1) are checked against the size of the
        # framed input, when the caller knows it (deserialize, turmeric resume and check)
        self.input_bytes: int | None = None
        self.chunks: dict = {}      # chunk name -> (its items, the nesting of each, or None)

    def decode(self, root):
        recs, values, built = self.records, self.values, self.built
        self.check_cost(0)                  # (the records alone, before looking at any)
        cells = []                          # (index, record) of each ref and box
        lazies = []                         # (index, record) of each lazy seq
        counted = []                        # each continuation and chunked record
        for i, r in enumerate(recs):
            if type(r) is not tuple or not r or type(r[0]) is not int or not 0 <= r[0] < len(TAG_NAMES):
                raise corrupt(f"record {i} is malformed")
            if r[0] in MUTABLE:
                values[i] = Ref(None) if r[0] == T_REF else Box(None)
                built[i] = True
                cells.append((i, r))
            elif r[0] == T_LAZY:     # mutable too (it realizes), so it may be in a cycle
                values[i] = empty_lazy()
                built[i] = True
                lazies.append((i, r))
            elif r[0] == T_CONT or r[0] == T_CHUNKED:
                counted.append(r)
        self.check_budgets(counted)
        # every module of the table is loaded (definitions only) before any record is built,
        # so that the typeclass instances it defines rebuild the tokens of resources and
        # Serializable values (#9 item 4), whatever order the records are built in
        for name, version, path in self.modules:
            self.session.require_for_data(name, path, version)
        build = self.build
        for i in range(len(recs) - 1, -1, -1):
            if not built[i]:
                try:
                    values[i] = build(i, recs[i])
                    built[i] = True
                    recs[i] = None          # (no longer needed: only unbuilt records are read)
                except Unbuilt:
                    self.build_from(i)
        for i, r in lazies:
            self.lazy_seq(i, r, values[i])
        if lazies:
            self.check_forwarding(lazies)
        for i, r in cells:
            if len(r) != 2:
                raise corrupt(f"record {i} ({TAG_NAMES[r[0]]}) is malformed")
            if r[0] == T_REF:
                values[i].value = self.val(r[1], i)
            else:
                values[i].v = self.val(r[1], i)
        for j, name, value in self.state:
            self.session.restore_module_state(self.modules[j][0], name, self.val(value, -1))
        return self.val(root, -1)

    def check_cost(self, frames: int):
        """#16 part 1: refuse records whose decoded size (limits.decoded_cost: each record and
        each frame at a fixed estimate) is more than the input pays for (limits.cost_allowed)."""
        size = self.input_bytes
        if size is not None and limits.decoded_cost(len(self.records), frames) > limits.cost_allowed(size):
            raise cost_error(len(self.records), frames, size)

    def check_budgets(self, counted: list):
        """The budgets that need a look at the continuation and chunked records: their frames
        (check_cost), and the items that repeated chunk references expand to (#16 item 2), each
        counted on the whole table at once, before any chunk is read."""
        size = self.input_bytes
        if size is None or not counted:
            return
        frames = sum(len(r[2]) for r in counted if r[0] == T_CONT and len(r) == 4 and type(r[2]) is tuple)
        if frames:
            self.check_cost(frames)
        names = [r[2] for r in counted if r[0] == T_CHUNKED and len(r) >= 3 and type(r[2]) is tuple]
        references = sum(map(len, names))
        distinct = len({h for hs in names for h in hs if type(h) is str})
        over = limits.chunk_items_over(references, distinct, size)
        if over:
            allowed = limits.CHUNK_ITEMS_FREE + size
            raise corrupt(f"the data's {references:,} chunk references expand to {allowed + over:,} items "
                          f"of chunks it names more than once, more than the {allowed:,} its {size:,} bytes allow",
                          hint=f"references that repeat a chunk may expand to {limits.CHUNK_ITEMS_FREE:,} items, "
                               f"and one more for each byte of input (spec/serialization.md §9)")

    def build_from(self, i: int):
        """Build record i, and first whatever records it needs that are not built yet. A record
        is tried; when it meets an unbuilt record (`Unbuilt`), all its unbuilt references go on
        the stack and it is tried once more after them. Building a record has no effect
        before its values are read, so a try that stops early changes nothing."""
        recs, values, built = self.records, self.values, self.built
        waiting = set()                      # records whose references are on the stack
        stack = [i]
        while stack:
            j = stack[-1]
            if built[j]:
                stack.pop()
                continue
            try:
                values[j] = self.build(j, recs[j])
            except Unbuilt:
                if j in waiting:             # cannot happen unless a reference is in a cycle
                    raise corrupt(f"record {j} is part of a cycle that goes through no ref") from None
                waiting.add(j)
                for k in self.references(recs[j]):
                    if not built[k]:
                        if k in waiting:
                            raise corrupt(f"record {j} is part of a cycle that goes through no ref") from None
                        stack.append(k)
                continue
            built[j] = True
            recs[j] = None
            stack.pop()

    def references(self, r) -> list:
        """The records that record r refers to."""
        items = r
        if r[0] == T_CONT and len(r) == 4 and type(r[3]) is tuple:
            items = chain(r, chain.from_iterable(row for row in r[3] if type(row) is tuple))
        n = len(self.records)
        return [x for x in items if type(x) is RecordRef and x < n]

    def val(self, x, at: int):
        if type(x) is RecordRef:
            if not x < len(self.records):
                raise corrupt(f"record {at} refers to record {x}, which does not exist")
            if not self.built[x]:
                raise Unbuilt
            return self.values[x]
        if type(x) in (tuple, dict):
            raise corrupt(f"record {at} holds a nested array where a value belongs")
        return x

    def vals(self, xs, at):
        if NOT_PLAIN.isdisjoint(map(type, xs)):
            return list(xs)
        values, built, n = self.values, self.built, len(self.records)
        # a reference to a built record is taken at once; anything else goes through val
        return [values[x] if type(x) is RecordRef and x < n and built[x] else
                self.val(x, at) if type(x) in NOT_PLAIN else x for x in xs]

    def build(self, i: int, r: tuple):
        self.check_depth(i, r)
        v = BUILDERS[r[0]](self, i, r)
        if self.depth[i] > PREHASH_DEPTH and type(v) in (PMap, PSet):
            # maps and sets cache their hash: taken bottom-up as they are read, hashing a deep
            # key later recurses one level, not its whole depth (#16 item 1)
            try:
                hash(v)
            except TypeError:
                pass
        return v

    def check_depth(self, i: int, r: tuple):
        """Record the nesting of record i from the records it refers to (those not built yet
        make the builder stop with Unbuilt, and this runs again), and refuse it past the
        limits before its value is made (#16 item 1)."""
        depth, built = self.depth, self.built
        refs = [x for x in (self.references(r) if r[0] == T_CONT else r) if type(x) is RecordRef
                and x < len(built) and built[x]]
        if not refs:
            return
        inner = max(map(depth.__getitem__, refs))
        if inner >= limits.MAX_DEPTH:
            raise corrupt(f"record {i} ({TAG_NAMES[r[0]]}) is nested more than {limits.MAX_DEPTH} deep",
                          hint=f"the reader refuses values nested deeper than {limits.MAX_DEPTH} "
                               f"(spec/serialization.md §9)")
        if r[0] == T_SET or r[0] == T_MAP:
            keys = refs if r[0] == T_SET else [x for x in r[1::2] if type(x) is RecordRef
                                               and x < len(built) and built[x]]
            self.check_keys(i, r[0], max(map(depth.__getitem__, keys), default=0))
        depth[i] = inner + 1

    @staticmethod
    def check_keys(i: int, tag: int, key_depth: int):
        if key_depth > limits.MAX_KEY_DEPTH:
            what = "an element of a set" if tag == T_SET else "a map key"
            raise corrupt(f"record {i} ({TAG_NAMES[tag]}) has {what} nested more than {limits.MAX_KEY_DEPTH} deep",
                          hint=f"a map key or set element may be nested at most {limits.MAX_KEY_DEPTH} deep "
                               f"(spec/serialization.md §9)")

    def sequence(self, i, r):
        return SEQUENCES[r[0]](self.vals(r[1:], i))

    def map(self, i, r):
        return self.pairs(i, self.vals(r[1:], i))

    @staticmethod
    def pairs(i, items: list) -> PMap:
        """The map of keys and values in turn (items already values)."""
        if len(items) % 2:
            raise corrupt(f"record {i} (map) has an odd number of items")
        try:
            check_hashes(i, T_MAP, items[0::2])
            return PMap.from_pairs(zip(items[0::2], items[1::2]))
        except TypeError:
            raise corrupt(f"record {i} (map) has a key that cannot be a key") from None
        except RecursionError:
            raise corrupt(f"record {i} (map) has a key nested too deep to hash") from None

    def shaped_map(self, i, r):
        try:
            keys = self.shapes[r[1]] if type(r[1]) is int and r[1] >= 0 else None
        except IndexError:
            keys = None
        if keys is None or len(r) - 2 != len(keys):
            raise corrupt(f"record {i} (shaped map) is malformed")
        return PMap(dict(zip(keys, self.vals(r[2:], i))))

    def set(self, i, r):
        try:
            items = self.vals(r[1:], i)
            check_hashes(i, T_SET, items)
            return PSet(items)
        except TypeError:
            raise corrupt(f"record {i} (set) has an element that cannot be in a set") from None
        except RecursionError:
            raise corrupt(f"record {i} (set) has an element nested too deep to hash") from None

    def check_forwarding(self, lazies):
        """A lazy seq that only forwards to another must not forward in a circle."""
        for i, _ in lazies:
            seen = set()
            node = self.values[i]
            while type(node) is LazySeq and node._state == FORWARD:
                if id(node) in seen:
                    raise corrupt(f"record {i} (lazy seq) forwards to itself")
                seen.add(id(node))
                node = node._rest

    def lazy_seq(self, i, r, into: LazySeq):
        """[T_LAZY, n, n items, "end" | "more" rest | step args...] (encode.py lazy_seq): the
        realized cells, then the end, a list, another lazy seq, or an unrealized step, which
        must be one runtime/lazy.py knows with arguments it can take."""
        n = r[1] if len(r) > 2 and type(r[1]) is int else -1
        if not 0 <= n <= len(r) - 3 or type(r[2 + n]) is not str:
            raise corrupt(f"record {i} (lazy seq) is malformed")
        items = self.vals(r[2:2 + n], i)
        kind = r[2 + n]
        args = self.vals(r[3 + n:], i)
        if kind == "end" and not args:
            tail = empty_lazy()
        elif kind == "more" and len(args) == 1 and type(args[0]) in (LazySeq, PList):
            tail = args[0]
        elif step_args_ok(kind, tuple(args)):
            tail = LazySeq(kind, tuple(args))
        else:
            raise corrupt(f"record {i} (lazy seq) has an unknown step or bad arguments for it")
        if n == 0 and type(tail) is PList:
            tail = cell(tail.first, tail.rest) if tail.count else empty_lazy()
        if n == 0 and type(tail) is LazySeq and kind == "more":
            into._state, into._rest = FORWARD, tail
            return into
        for x in reversed(items[1:]):
            tail = cell(x, tail)
        if n:
            tail = cell(items[0], tail)
        # the record's own object (made first, for references in a cycle) becomes it
        into._state, into._step, into._args = tail._state, tail._step, tail._args
        into._first, into._rest = tail._first, tail._rest
        return into

    def struct(self, i, r):
        self.need(r, 3, i, str, int)
        stype = self.struct_type(r[1], i)
        fields = self.vals(r[3:], i)
        if stype is None:
            raise schema_mismatch(f"struct {r[1]} no longer exists", None)
        if len(fields) != r[2] or len(fields) != len(stype.fields):
            raise schema_mismatch(f"struct {r[1]} changed: it had {r[2]} fields, now {len(stype.fields)}", None)
        return stype.cls(*fields)

    def struct_type_value(self, i, r):
        self.need(r, 3, i, str, tuple)
        stype = self.struct_type(r[1], i)
        if stype is None or tuple(stype.fields) != r[2]:
            raise schema_mismatch(f"struct {r[1]} no longer exists or changed its fields", None)
        return stype

    def builtin(self, i, r):
        self.need(r, 2, i, str)
        f = self.session.core_value(r[1])
        if f is None:
            raise schema_mismatch(f"the builtin {r[1]} no longer exists", None)
        return f

    def resource(self, i, r):
        self.need(r, 3, i, str)
        token = self.val(r[2], i)
        try:
            if self.resources == "reopen":
                return self.session.unmarshal_resource(r[1], token)
            return unmarshal_resource(self.session, r[1], token, self.resources)
        except TurmericError:
            raise
        except Exception as e:  # noqa: BLE001 - a malformed token for a built-in resource
            raise corrupt(f"record {i} (resource {r[1]}) has a malformed token ({type(e).__name__})") from None

    def cell(self, i, r):
        raise corrupt(f"record {i} ({TAG_NAMES[r[0]]}) is malformed")  # refs and boxes are shells

    def continuation(self, i, r):
        """[8, headers, header index of each frame, locals of each frame]: checked and built by
        whole columns, at C speed. Only a frame header can make a frame."""
        if len(r) != 4 or type(r[1]) is not tuple or type(r[2]) is not tuple or type(r[3]) is not tuple \
                or len(r[2]) != len(r[3]):
            raise corrupt(f"record {i} (continuation) is malformed")
        headers, numbers, locals_ = r[1], r[2], r[3]
        entries, sizes = {}, {}
        for h, head in enumerate(headers):
            if type(head) is not tuple or len(head) != 4:
                raise corrupt(f"record {i} (continuation) has a malformed frame header")
            try:
                found = self.entries.get(head)
            except TypeError:  # an unhashable header field: not a frame header
                raise corrupt(f"record {i} (continuation) has a malformed frame header") from None
            if found is None:
                found = self.entries[head] = self.frame_entry(i, head)
            entries[h], sizes[h] = found
        if set(map(type, locals_)) - {tuple}:
            raise corrupt(f"record {i} (continuation) has frame locals that are not an array")
        try:
            # each frame has as many locals as its header says: when all headers say the same
            # (a recursion), one pass over the lengths; else each distinct (header, length) pair
            # once. An index that is not a header's fails a lookup (KeyError); 1.0 and True
            # find header 1, which is harmless.
            distinct = set(sizes.values())
            if len(distinct) != 1 or set(map(len, locals_)) != distinct:
                for h, n in set(zip(numbers, map(len, locals_))):
                    if sizes[h] != n:
                        _mod, symbol, site, _hash = headers[h]
                        raise schema_mismatch(
                            f"function {symbol} keeps different variables at call site {site} now", None)
            if not NOT_PLAIN.isdisjoint(map(type, chain.from_iterable(locals_))):
                locals_ = [locs if NOT_PLAIN.isdisjoint(map(type, locs)) else tuple(self.vals(locs, i))
                           for locs in locals_]
            # one new tuple per frame, all alive, made in C: the cyclic GC would scan the
            # heap over and over while they are made (at 10,000 frames, 1 of 1.5 ms; #14)
            gc_was_on = gc.isenabled()
            gc.disable()
            try:
                frames = tuple(zip(map(entries.__getitem__, numbers), locals_))
            finally:
                if gc_was_on:
                    gc.enable()
            return Continuation(frames)
        except (KeyError, TypeError):
            raise corrupt(f"record {i} (continuation) has a frame with no header") from None

    @staticmethod
    def read_shapes(shapes) -> list:
        """The header's map shapes: each a non-empty array of distinct keyword names."""
        if type(shapes) is not tuple:
            raise corrupt("the header's map shapes are malformed")
        out = []
        for names in shapes:
            if type(names) is not tuple or not names or set(map(type, names)) != {str} \
                    or len(set(names)) != len(names):
                raise corrupt("a map shape in the header is malformed")
            out.append(tuple(map(Keyword, names)))
        return out

    def struct_type(self, qualname: str, i: int):
        module, _, _name = qualname.rpartition(".")
        if not valid_module_name(module):
            raise corrupt(f"record {i} names a struct type {qualname[:80]!r} that belongs to no module")
        return self.session.find_struct_type(qualname, self.paths.get(module))

    def chunked(self, i, r):
        """[T_CHUNKED, tag, [chunk name...], last items...]: a sequence or map kept in a blob
        store; [T_CHUNKED, CHUNKED_LIST_FROM_END, [chunk name...], first items...]: a list
        whose chunks hold its last items. A chunk is CHUNK plain items, or a payload of a vector of CHUNK data items."""
        from_end = len(r) > 1 and r[1] == CHUNKED_LIST_FROM_END   # [.., first items]: version 4
        if len(r) < 3 or (r[1] not in SEQUENCES and r[1] != T_MAP and not from_end) or type(r[2]) is not tuple:
            raise corrupt(f"record {i} (chunked) is malformed")
        if self.blobs is None:
            raise corrupt("this checkpoint keeps large sequences in a .turmeric-blobs folder, "
                          "and none was given to read them from")
        tail = self.vals(r[3:], i)          # first: a try that stops early reads no file
        items = []
        deepest = deepest_key = 0           # the nesting of the chunks' items (§9)
        for h in r[2]:
            chunk, depths = self.chunk(i, h)
            if depths is not None:
                deepest = max(deepest, max(depths))
                if r[1] == T_MAP:
                    deepest_key = max(deepest_key, max(depths[(len(items)) % 2::2], default=0))
            items += chunk
        if deepest >= limits.MAX_DEPTH:
            raise corrupt(f"record {i} (chunked) is nested more than {limits.MAX_DEPTH} deep")
        if r[1] == T_MAP:   # the keys in the chunks, and those of the last items (check_depth saw them all)
            tail_keys = [x for x in r[3 + len(items) % 2::2] if type(x) is RecordRef and x < len(self.built)]
            self.check_keys(i, T_MAP, max([deepest_key, *map(self.depth.__getitem__, tail_keys)]))
        self.depth[i] = max(self.depth[i], deepest + 1)
        if from_end:
            return plist(list(tail) + items)
        items += tail
        return self.pairs(i, items) if r[1] == T_MAP else SEQUENCES[r[1]](items)

    def chunk(self, i: int, h) -> tuple:
        """(the items of chunk h, the nesting of each or None for plain items), read and
        decoded once per decoder (#16 item 2: references that repeat it share its items,
        within the budget of check_budgets)."""
        found = self.chunks.get(h) if type(h) is str else None
        if found is None:
            content, size = self.blobs.read_sized(h, ext_hook)
            if len(content) == CHUNK:
                if not NOT_PLAIN.isdisjoint(map(type, content)):
                    raise corrupt(f"the chunk {h} is not a chunk of plain items")
                found = (content, None)
            else:
                found = self.data_chunk(h, content, size)
            self.chunks[h] = found
        return found

    def data_chunk(self, h, body, size: int | None = None) -> tuple:
        """The items of a chunk written as a payload: only immutable data may be in it."""
        header, records, root = body
        if type(records) is not tuple or any(type(r) is not tuple or not r or r[0] not in DATA_TAGS
                                             for r in records):
            raise corrupt(f"the chunk {h} holds something that is not immutable data")
        sub = Decoder(self.session, header, records)
        sub.input_bytes = size
        value = sub.decode(root)
        if not is_vector(value) or len(value) != CHUNK:
            raise corrupt(f"the chunk {h} does not hold {CHUNK} items")
        # the nesting of each item: 1 for a plain item, else its record's
        rec = records[root] if type(root) is RecordRef and root < len(records) else ()
        depths = [sub.depth[x] if type(x) is RecordRef and x < len(records) else 0 for x in rec[1:]]
        if len(depths) != CHUNK:
            depths = [max(sub.depth, default=0)] * CHUNK
        return tuple(value), depths

    def need(self, r, n, i, *types):
        if len(r) < n:
            raise corrupt(f"record {i} ({TAG_NAMES[r[0]]}) is too short")
        for j, t in enumerate(types, start=1):
            if not isinstance(r[j], t) or isinstance(r[j], bool) and t is int:
                raise corrupt(f"record {i} ({TAG_NAMES[r[0]]}) has a malformed field {j}")

    def module(self, j, i):
        if type(j) is not int or not 0 <= j < len(self.modules):
            raise corrupt(f"record {i} names module {j}, which is not in the header")
        return self.modules[j]

    def resolve(self, mod_index, symbol: str, code_hash: str, i: int):
        self.module(mod_index, i)          # an index that is not an int cannot be a cache key
        key = (mod_index, symbol, code_hash)
        hit = self.resolved.get(key)
        if hit is None:
            hit = self.resolved[key] = self._resolve(mod_index, symbol, code_hash, i)
        return hit

    def _resolve(self, mod_index, symbol: str, code_hash: str, i: int):
        name, version, path = self.module(mod_index, i)
        found = self.session.resolve_symbol(name, symbol, path)
        facts = self.session.module_facts(name)
        note = versions(version, facts.version if facts is not None else None)
        if found is None:
            raise schema_mismatch(
                f"module {name}: function {symbol} no longer exists" + (f" ({note})" if note else ""), version)
        if found.module != name or (facts is None and found.code_hash != "builtin"):
            raise corrupt(f"record {i} names the function {symbol} in module {name}, "
                          f"but that function belongs to module {found.module}")
        if found.code_hash != code_hash:
            raise schema_mismatch(
                f"module {name}: function {symbol} changed since the checkpoint was saved "
                f"(code hash {code_hash} -> {found.code_hash}" + (f"; {note})" if note else ")"), version)
        return found

    def frame(self, i, r):
        """A frame record [T_FRAME, module, symbol, site, code hash, locals...]."""
        if len(r) < 5:
            raise corrupt(f"record {i} (frame) is malformed")
        entry, n = self.frame_entry(i, (r[1], r[2], r[3], r[4]))
        locs = tuple(self.vals(r[5:], i))
        if len(locs) != n:
            raise schema_mismatch(f"function {r[2]} keeps different variables at call site {r[3]} now", None)
        return (entry, locs)

    def frame_entry(self, i, head):
        """(resume entry, number of live locals) for a frame header."""
        mod_index, symbol, site, code_hash = head
        if not isinstance(symbol, str) or type(site) is not int or not isinstance(code_hash, str):
            raise corrupt(f"record {i} has a malformed frame header")
        if mod_index is None:
            special = SPECIAL_ENTRIES.get(symbol)
            if special is None:
                raise corrupt(f"record {i} names an unknown special frame {symbol!r}")
            return special
        info = self.resolve(mod_index, symbol, code_hash, i)
        if not 0 <= site < len(info.sites):
            raise schema_mismatch(f"function {symbol} has no call site {site} any more",
                                  self.module(mod_index, i)[1])
        entry = self.session.resume_entry(info, site)
        if entry is None:
            raise schema_mismatch(f"the resume entry of {symbol} at site {site} is gone", None)
        return entry, len(info.sites[site].live)

    def function(self, i, r):
        if len(r) < 4 or not isinstance(r[2], str) or not isinstance(r[3], str):
            raise corrupt(f"record {i} (fn) is malformed")
        info = self.resolve(r[1], r[2], r[3], i)
        captured = self.vals(r[4:], i)
        if len(captured) != len(info.free):
            raise schema_mismatch(f"function {r[2]} captures different variables now", None)
        f = self.session.compiled_function(info)
        if f is None:
            raise schema_mismatch(f"function {r[2]} is not defined in module {info.module}", None)
        return f(*captured) if info.free else f


def cost_error(records: int, frames: int, size: int) -> TurmericError:
    cost, allowed = limits.decoded_cost(records, frames), limits.cost_allowed(size)
    return corrupt(f"the data's {records:,} records" + (f" and {frames:,} frames" if frames else "")
                   + f" would take about {cost >> 20:,} MiB, more than its {size:,} bytes allow ({allowed >> 20:,} MiB)",
                   hint=f"the reader counts {limits.RECORD_COST} bytes per record and {limits.FRAME_COST} per frame, "
                        f"and allows {limits.COST_FREE >> 20} MiB plus {limits.COST_PER_BYTE} bytes per byte of input "
                        f"(spec/serialization.md §9)")


def check_hashes(i: int, tag: int, keys: list):
    """Refuse a map or set whose keys share one hash value more than limits.MAX_SAME_HASH times:
    Python's dict takes time quadratic in such keys (integers hash alike modulo 2^61 - 1, so
    bytes can choose 100,000 colliding ones; #16 item 3). Strings, keywords and symbols hash
    with the process's secret seed, so maps of them are not counted."""
    worst = most_same_hash(keys)
    if worst > limits.MAX_SAME_HASH:
        what = "members" if tag == T_SET else "keys"
        raise corrupt(f"record {i} ({TAG_NAMES[tag]}) has {worst:,} {what} with the same hash",
                      hint=f"a map or set may hold at most {limits.MAX_SAME_HASH} keys that hash alike: more make "
                           f"reading it take quadratic time (spec/serialization.md §9)")


SEQUENCES = {T_LIST: plist, T_VECTOR: vector, T_TUPLE: tuple}   # tag -> what makes the sequence
BUILDERS = [None] * len(TAG_NAMES)    # tag -> the Decoder method that builds its records
for _tags, _method in [((T_LIST, T_VECTOR, T_TUPLE), Decoder.sequence), ((T_MAP,), Decoder.map),
                       ((T_SHAPED_MAP,), Decoder.shaped_map), ((T_SET,), Decoder.set),
                       ((T_STRUCT,), Decoder.struct), ((T_STYPE,), Decoder.struct_type_value),
                       ((T_CONT,), Decoder.continuation), ((T_FRAME,), Decoder.frame),
                       ((T_FN,), Decoder.function), ((T_BUILTIN,), Decoder.builtin),
                       ((T_RESOURCE,), Decoder.resource), ((T_CHUNKED,), Decoder.chunked),
                       ((T_REF, T_BOX), Decoder.cell)]:
    for _tag in _tags:
        BUILDERS[_tag] = _method


def record_count(data) -> int | None:
    """The number of records the data's body says it holds, read from its msgpack array
    headers without unpacking the records; None when the bytes do not say (unpacking them
    then gives the error)."""
    try:
        view, _flags, n = wire.framing(data)
        unpacker = msgpack.Unpacker(io.BytesIO(view[wire.HEADER_SIZE:wire.HEADER_SIZE + min(n, 1 << 16)]),
                                    raw=False, use_list=False, ext_hook=msgpack.ExtType, max_buffer_size=1 << 16)
        if unpacker.read_array_header() != 3:
            return None
        unpacker.skip()
        return unpacker.read_array_header()
    except Exception:  # noqa: BLE001 - malformed bytes: the full unpack reports them
        return None


def unpack_header(data):
    """The header of unsigned data, its checksum verified, without unpacking the records
    (turmeric inspect shows it even when the records are refused); for anything else, what
    wire.unpack says (a `deserialize` error for data that is not a checkpoint)."""
    view, flags, n = wire.framing(data)
    end = wire.HEADER_SIZE + n
    if not flags & wire.FLAG_SIGNED and hmac.compare_digest(wire._check((view[:end],), None), view[end:]):
        try:
            unpacker = msgpack.Unpacker(io.BytesIO(data if type(data) is bytes else bytes(view)), raw=False,
                                        use_list=False, strict_map_key=True, ext_hook=ext_hook, max_str_len=n,
                                        max_bin_len=n, max_array_len=n, max_map_len=n, max_ext_len=n)
            unpacker.read_bytes(wire.HEADER_SIZE)
            if unpacker.read_array_header() == 3:
                return unpacker.unpack()
        except TurmericError:
            raise
        except Exception:  # noqa: BLE001 - msgpack raises several types on malformed input
            pass
    return wire.unpack(data, None, ext_hook)[0]


def refuse_many_records(data, key=None):
    """#16 part 1: refuse data whose record count alone is over the decoded-size budget
    (Decoder.check_cost) before its records are unpacked, which costs time and memory in
    proportion to them; the checksum or signature is verified first, so that corrupt data
    is still reported as corrupt."""
    n = record_count(data)
    if n is None or limits.decoded_cost(n, 0) <= limits.cost_allowed(len(data)):
        return
    view, flags, _n = wire.framing(data)
    end = len(view) - wire.CHECK_SIZE
    if bool(flags & wire.FLAG_SIGNED) != (key is not None) or \
            not hmac.compare_digest(wire._check((view[:end],), key), view[end:]):
        return          # wire.unpack says what is wrong
    raise cost_error(n, 0, len(data))


def deserialize(session, data, key=None, blobs=None, resources: str = "reopen"):
    """`blobs`: where an incremental checkpoint's chunks are (default: .turmeric-blobs in the
    current directory, when the data says it has chunks). `resources`: "reopen", "closed" or
    "refuse", what a FileHandle or Socket token does (spec/serialization.md §8)."""
    if resources not in RESOURCE_POLICIES:
        raise TurmericError("value", f"deserialize: :resources must be :reopen, :closed or :refuse, not {resources!r}")
    refuse_many_records(data, key)
    header, records, root = wire.unpack(data, key, ext_hook)
    if blobs is None and isinstance(header, dict) and header.get("blobs") is not None:
        blobs = BlobStore(os.path.join(os.getcwd(), DIRNAME))
    try:
        decoder = Decoder(session, header, records, blobs, resources)
        decoder.input_bytes = len(data)
        del records         # the decoder's list lets each record go once it is built
        return decoder.decode(root)
    except PYTHON_ERRORS as e:
        # #15 item 3: whatever shape the bytes have, no Python exception escapes (a big
        # integer past Python's digit limit in a message, a key that cannot be hashed, ...)
        raise corrupt(f"the data is malformed ({type(e).__name__} while reading its records)") from None
