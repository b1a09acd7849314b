"""The reader's limits (spec/serialization.md §9), in one place for the reader and the writer.

decode.py refuses bytes past these limits (a `deserialize` error); encode.py's check_limits
refuses, when a checkpoint is written, a value whose bytes the reader would refuse (a
`serialize` error), so that a program never writes what it cannot read back (#16 part 2).
Each limit is a number here and a function of what both sides know exactly: the records
(their tags, their counts, the chunk names they hold), the nesting of their values, the
hashes of map keys, the size of integers and the size of the framed bytes.
"""
from __future__ import annotations

import re
from collections import Counter
from itertools import chain

import msgpack

from turmeric.data.errors import TurmericError
from turmeric.data.values import (
    EMPTY_VECTOR, LOOSE_KEY_TYPES, Keyword, MapKey, PList, PMap, PSet, StructValue, Symbol,
)
from turmeric.serialize import wire
from turmeric.serialize.blobs import CHUNK
from turmeric.serialize.format import T_BOX, T_CHUNKED, T_CONT, T_LAZY, T_MAP, T_REF, T_SET

MAX_SIZE = wire.MAX_SIZE            # 1 GiB of framed bytes (checked before anything is read)
# nesting (#16 item 1): hashing, comparing and printing recurse on it
MAX_DEPTH = 100_000                 # any value: records nested through references (a ref, box
                                    # or lazy seq counts 1: its contents are not counted)
MAX_KEY_DEPTH = 1_000               # a map key or set element, hashed as soon as it is read
PREHASH_DEPTH = 32                  # maps and sets nested deeper are hashed as soon as built
# cost (#16 items 2 and 3): what bytes can make the reader spend in memory and time
MAX_INT_DIGITS = 1_000_000          # an integer's size, checked on its bytes before it is made
MAX_INT_BYTES = 415_242             # bytes of two's complement that hold MAX_INT_DIGITS digits
MAX_SAME_HASH = 64                  # keys of one map (members of one set) sharing one hash value
CHUNK_ITEMS_FREE = 1 << 21          # items that repeated chunk references may expand to, before
                                    # each further one must be paid for by a byte of input
# the decoded size (#16 part 1): every record becomes an object of a few hundred bytes (a
# persistent vector of 1 to 32 items is 336 bytes), every frame a pair of tuples; their
# estimated memory must be paid for by the input, COST_PER_BYTE bytes per byte beyond COST_FREE
RECORD_COST = 320
FRAME_COST = 64
COST_FREE = 256 << 20     # 64 MiB refused checkpoints of 380,000 tiny records; 256 MiB allows 1.5 million
COST_PER_BYTE = 16

# keys whose hash Python keys per process (PYTHONHASHSEED): bytes cannot make them collide
SEEDED_KEY_TYPES = frozenset({str, Keyword, Symbol, bytes})
INT_ONLY = {int}
P61 = (1 << 61) - 1         # Python's hash of an integer is the integer modulo P61


def int_bytes(x: int) -> int:
    """The bytes of two's complement the writer gives integer x (encode.atom)."""
    return (x.bit_length() + 8) // 8


def most_same_hash(keys) -> int:
    """How many of `keys` (map keys or set members, as values) share the most common hash, as
    the map or set holds them, when that is over MAX_SAME_HASH; else a number at most
    MAX_SAME_HASH (0 when too few to matter or all hashed with the secret seed)."""
    if len(keys) <= MAX_SAME_HASH:
        return 0
    types = set(map(type, keys))
    if types <= SEEDED_KEY_TYPES:
        return 0
    if types == INT_ONLY and MAX_SAME_HASH >= 2 and -P61 < min(keys) and max(keys) < P61:
        return 0        # (each such integer is its own hash, but -1 and -2 share one)
    if LOOSE_KEY_TYPES.isdisjoint(types):
        hashes = list(map(hash, keys))
    else:
        hashes = [MapKey(k).hash if type(k) in LOOSE_KEY_TYPES else hash(k) for k in keys]
    if len(hashes) - len(set(hashes)) < MAX_SAME_HASH:     # (no hash can be shared by more)
        return 0
    return Counter(hashes).most_common(1)[0][1]


def decoded_cost(records: int, frames: int) -> int:
    """The estimated memory (bytes) of what `records` records holding `frames` frames become."""
    return records * RECORD_COST + frames * FRAME_COST


def cost_allowed(size: int) -> int:
    """The most decoded_cost that `size` bytes of input may have."""
    return COST_FREE + COST_PER_BYTE * size


def chunk_items_over(references: int, distinct: int, size: int) -> int:
    """How many items repeated chunk references expand to beyond the budget of `size` bytes of
    input (0 when within it): each distinct chunk's items are paid for by its own bytes (at
    least one per item), each further reference to one costs CHUNK items of the budget."""
    from_repeats = (references - distinct) * CHUNK
    return max(0, from_repeats - (CHUNK_ITEMS_FREE + size))



# -- the writer's side: refuse at checkpoint time what the reader would refuse (#16 part 2) ----

SHELLS = frozenset({T_REF, T_BOX, T_LAZY})     # read as empty shells first: their nesting is 1
KEYED = frozenset({T_MAP, T_SET})


def check_limits(enc, body: bytes) -> None:
    """Refuse (a `serialize` error naming the value's path, what is over and the limit) the
    body that Encoder `enc` packed when the reader would refuse it: the same numbers as
    decode.py's checks, computed from the encoder's records and values. A data chunk's body
    (enc.data_only) is stored as it is; any other is framed (wire.frame) before it is read."""
    size = len(body) + (0 if enc.data_only else wire.HEADER_SIZE + wire.CHECK_SIZE)
    records = enc.records
    root = enc.alive[0] if enc.alive else None
    if size > MAX_SIZE:
        raise refused(enc, root, f"a value whose serialized form is {size:,} bytes",
                      f"the reader refuses more than {MAX_SIZE:,} bytes")
    frames, chunked, keyed = 0, [], []
    for i, r in enumerate(records):
        tag = r[0]
        if tag == T_CONT:
            frames += len(r[2])
        elif tag == T_CHUNKED:
            chunked.append(i)
            if r[1] == T_MAP:
                keyed.append(i)
        elif tag in KEYED:
            keyed.append(i)
    cost = decoded_cost(len(records), frames)
    if cost > cost_allowed(size):
        raise refused(enc, root, f"a value of {len(records):,} records" + (f" and {frames:,} frames" if frames else "")
                      + f": they would take about {cost >> 20:,} MiB to read back, more than its {size:,} bytes "
                        f"allow ({cost_allowed(size) >> 20:,} MiB)",
                      f"the reader counts {RECORD_COST} bytes per record and {FRAME_COST} per frame, and allows "
                      f"{COST_FREE >> 20} MiB plus {COST_PER_BYTE} bytes per byte of input: fewer, larger "
                      f"collections (or more data in each) read back")
    if chunked:
        names = [records[i][2] for i in chunked]
        references = sum(map(len, names))
        over = chunk_items_over(references, len({h for hs in names for h in hs}), size)
        if over:
            raise refused(enc, enc.alive[chunked[0]], f"a value whose {references:,} chunk references repeat "
                          f"chunks {over:,} items over the budget", f"references that repeat a chunk may expand to "
                          f"{CHUNK_ITEMS_FREE:,} items, and one more for each byte of input")
    if len(body) > MAX_INT_BYTES:
        big = _huge_integer(body)
        if big is not None:
            step = _huge_holder(enc)
            raise refused(enc, None, f"an integer of {big:,} bytes (about {int(big * 2.40824):,} digits)",
                          f"the reader refuses integers of more than {MAX_INT_DIGITS:,} digits", step)
    for i in keyed:
        keys = list(enc.alive[i])
        worst = most_same_hash(keys)
        if worst > MAX_SAME_HASH:
            what = "members" if records[i][0] == T_SET else "keys"
            raise refused(enc, enc.alive[i], f"a {'set' if what == 'members' else 'map'} with {worst:,} {what} "
                          f"of the same hash",
                          f"the reader refuses a map or set with more than {MAX_SAME_HASH} keys that hash alike")
    if len(records) > min(MAX_KEY_DEPTH, MAX_DEPTH) or chunked:   # (fewer records cannot nest deeper)
        _check_depths(enc, keyed)


def refused(enc, x, what: str, limit: str, step: tuple | None = None) -> TurmericError:
    return TurmericError("serialize", f"cannot serialize {what}: at {where(enc, x, step)}",
                         hint=f"{limit} (spec/serialization.md §9), so the checkpoint could not be read back")


def where(enc, x, step: tuple | None = None, most: int | None = 12) -> str:
    """The path of x from the value inward to the root, as the encoder's errors name it;
    `step`: (the value holding x, x's position in it) when x has no record; `most`: the steps
    shown before "..." (each step is a search: a limit's path is cut short), None for all."""
    path, seen = [], {id(x)}
    if step is None:
        step = enc.parent_of(x) if x is not None else None
    while step is not None:
        if len(path) == most:
            path.append("...")
            break
        holder, position = step
        labels = enc.labels(holder)
        path.append(labels[position] if position < len(labels) else f"[{position}]")
        if id(holder) in seen:
            break
        seen.add(id(holder))
        step = enc.parent_of(holder)
    return " <- ".join(path) if path else "the value"


def _huge_holder(enc) -> tuple | None:
    """(the value holding an integer over MAX_INT_BYTES, its position), for the error's path."""
    for holder, values in zip(enc.alive, enc.walked):
        for j, v in enumerate(values):
            if type(v) is int and int_bytes(v) > MAX_INT_BYTES:
                return holder, j
    return None


# an extension of at least 2^16 bytes is ext 32: 0xc9, its length (4 bytes), its type
EXT32 = re.compile(rb"\xc9(....)" + bytes([wire.EXT_BIGINT]), re.DOTALL)


class _Huge(Exception):
    pass


def _huge_hook(code: int, data: bytes):
    if code == wire.EXT_BIGINT and len(data) > MAX_INT_BYTES:
        raise _Huge(len(data))
    return None


def _huge_integer(body: bytes) -> int | None:
    """The size in bytes of an integer in the packed body over MAX_INT_BYTES, or None. The
    bytes are searched (at C speed) for the header of such an extension; only when one is
    found (an integer, or bytes inside a string that look like one) is the body unpacked to
    tell which."""
    if MAX_INT_BYTES >= 1 << 16:        # (else, as tests set it, shorter headers: unpack at once)
        for m in EXT32.finditer(body):
            n = int.from_bytes(m.group(1), "big")
            if n > MAX_INT_BYTES and m.end() + n <= len(body):
                break
        else:
            return None
    try:
        msgpack.unpackb(body, ext_hook=_huge_hook, raw=True, strict_map_key=False)
    except _Huge as e:
        return e.args[0]
    except Exception:  # noqa: BLE001 - (our own bytes unpack; nothing else to report)
        return None
    return None


PVECTOR = type(EMPTY_VECTOR)
SEQUENCE_TYPES = frozenset({PVECTOR, PList, PSet, tuple})


def _children(x) -> list:
    """The values inside a value of a data chunk (data only: sequences, sets, maps, structs)."""
    t = type(x)
    if t in SEQUENCE_TYPES:
        return list(x)
    if t is PMap:
        return list(chain.from_iterable(x.items()))
    if isinstance(x, StructValue):
        return list(x.field_values())
    return []


def value_depth(x, memo: dict) -> int:
    """The nesting of x as the reader counts it (0 for an atom, 1 + the deepest part else),
    without recursion; `memo`: id -> nesting of values already measured (kept alive by x)."""
    if type(x) not in SEQUENCE_TYPES and type(x) is not PMap and not isinstance(x, StructValue):
        return 0
    stack = [(x, None)]
    while stack:
        v, kids = stack[-1]
        if id(v) in memo:
            stack.pop()
            continue
        if kids is None:
            kids = [k for k in _children(v) if type(k) in SEQUENCE_TYPES or type(k) is PMap
                    or isinstance(k, StructValue)]
            stack[-1] = (v, kids)
            pending = [k for k in kids if id(k) not in memo]
            if pending:
                stack.extend((k, None) for k in pending)
                continue
        memo[id(v)] = 1 + max(map(memo.__getitem__, map(id, kids)), default=0)
        stack.pop()
    return memo[id(x)]


def _check_depths(enc, keyed: list) -> None:
    """The nesting of every record (decode.py check_depth: 1 + the deepest record it refers to;
    a ref, box or lazy seq 1) against MAX_DEPTH, and of every map key and set member against
    MAX_KEY_DEPTH. The items of data chunks have no record here: their nesting is measured on
    the values (value_depth)."""
    records, walked = enc.records, enc.walked
    n = len(records)
    index_of = dict(zip(map(id, enc.alive), range(n)))          # value -> its record
    index_get = index_of.get
    # records mostly refer to records written after them: a pass from the last to the first
    # finds the depths when all do; else passes again until none changes (a reference to an
    # earlier record may need one more), and past a few, a search in depth settles the rest
    depth = [1] * n
    memo: dict = {}        # id -> nesting, for the values of data chunks
    for i, r in enumerate(records):
        if r[0] == T_CHUNKED and not set(map(type, walked[i])) <= PLAIN:
            depth[i] = 1 + max((value_depth(v, memo) for v in walked[i] if index_get(id(v)) is None), default=0)
    base = depth[:]
    kids: list = [()] * n
    backward = False        # whether a record refers to one written before it
    for i in range(n - 1, -1, -1):
        w = walked[i]
        if not w or records[i][0] in SHELLS:
            continue
        if len(w) == 1:
            j = index_get(id(w[0]))
            if j is None:
                continue
            ks = (j,)
            d = depth[j] + 1
            if j <= i:
                backward = True
        else:
            ks = set(map(index_get, map(id, w)))
            ks.discard(None)
            if not ks:
                continue
            d = 1 + max(map(depth.__getitem__, ks))
            if min(ks) <= i:
                backward = True
        kids[i] = ks
        if d > depth[i]:
            depth[i] = d
    if backward:
        for _ in range(4):
            changed = False
            for i in range(n - 1, -1, -1):
                ks = kids[i]
                if ks:
                    d = 1 + max(map(depth.__getitem__, ks))
                    if d > depth[i]:
                        depth[i] = d
                        changed = True
            if not changed or max(depth) > MAX_DEPTH:
                break
        else:
            depth = _depths_in_depth(kids, base)
    deepest = max(depth, default=0)
    if deepest > MAX_DEPTH:
        i = depth.index(deepest)
        raise refused(enc, enc.alive[i], f"a value nested {deepest:,} deep" if deepest == MAX_DEPTH + 1 else
                      f"a value nested more than {MAX_DEPTH:,} deep",
                      f"the reader refuses values nested deeper than {MAX_DEPTH:,}")
    for i in keyed:
        deepest = 0
        keys = list(enc.alive[i])
        if set(map(type, keys)) <= PLAIN:
            continue
        for k in keys:
            j = index_get(id(k))
            kd = depth[j] if j is not None else value_depth(k, memo)
            deepest = max(deepest, kd)
        if deepest > MAX_KEY_DEPTH:
            what = "a member" if records[i][0] == T_SET else "a key"
            raise refused(enc, enc.alive[i], f"a {'set' if what == 'a member' else 'map'} with {what} nested "
                          f"{deepest:,} deep",
                          f"the reader refuses map keys and set members nested deeper than {MAX_KEY_DEPTH:,}")


PLAIN = frozenset({type(None), float, str, bytes, bool, int, Keyword, Symbol})


def _depths_in_depth(kids: list, base: list) -> list:
    """The nesting of each record (1 + its deepest child's, at least `base`) by a search in
    depth, without recursion: for the rare tables where passes do not settle."""
    n = len(kids)
    depth = [0] * n
    for start in range(n):
        if depth[start]:
            continue
        stack = [start]
        while stack:
            i = stack[-1]
            if depth[i]:
                stack.pop()
                continue
            pending = [j for j in kids[i] if not depth[j]]
            if pending:
                stack.extend(pending)
                continue
            depth[i] = max(base[i], 1 + max(map(depth.__getitem__, kids[i]), default=0))
            stack.pop()
    return depth
