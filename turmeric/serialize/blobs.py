"""Incremental checkpoints: large sequences written once, by content hash.

A checkpoint written with a blob store (the stdlib `checkpoint` macro uses the folder
`.turmeric-blobs` beside the checkpoint file) cuts every list, vector, tuple or map of at least
CHUNK items (a map's keys and values counted in turn) into chunks of CHUNK items; each full
chunk is a file named by the hash of its bytes, written only if it is not there yet. Plain
items (numbers, strings, nil, booleans, bytes, keywords, symbols) are written as a msgpack
array; immutable data (maps, vectors, structs...) as a payload of its own. The record keeps
the chunk hashes and the partial chunk inline (a list is cut from its end, so the partial
chunk is its first items). So a checkpoint of a loop over 100,000 items writes the items
once, and each later checkpoint writes only what changed. What was stored is remembered by
the parts that versions of a persistent value share (#14): a vector's tree nodes, a list's
cells, the tuple behind a list made in one go; so a vector grown with conj or a list grown
with cons is neither read nor hashed again, except for its new items.

On load, each chunk file is read, its hash checked, and its msgpack unpacked with limits;
a missing or changed chunk is a `deserialize` error.

Chunks are deleted only by `collect_garbage` (`turmeric gc-blobs DIR`): those that no
checkpoint file in DIR names and that were not written or reused recently.
"""
from __future__ import annotations

import hashlib
import os
import re
import time

import msgpack
try:
    from pvectorc import pvector    # (pyrsistent's C vector, whose nodes this module reads)
except ImportError:     # (pyrsistent installed without its C extension: read as any vector)
    from pyrsistent import pvector

from turmeric.data.errors import TurmericError
from turmeric.serialize.atomic import atomic_write, sync_dir
from turmeric.serialize.format import T_CHUNKED
from turmeric.serialize.wire import MAGIC, MAX_SIZE, corrupt, unpack

CHUNK = 1024
DIRNAME = ".turmeric-blobs"
MEMO_LIMIT = 64      # sequences whose chunk hashes are remembered between checkpoints
NODE_LIMIT = 4096    # vector tree nodes (of 1,024 items or more) whose chunk hashes are remembered
MAX_CHUNK_BYTES = 64 << 20   # a larger chunk is neither written nor read
CHUNK_NAME = re.compile(r"[0-9a-f]{32}")
STALE_TEMP = re.compile(r"\.tmp-.*\.part")
PLAIN_TYPES = frozenset({type(None), float, str, bytes, bool, int})   # msgpack writes them itself
UNUSABLE = object()  # vector_chunks: this vector's tree cannot be read (the generic path writes it)


class StoreMemo:
    """What a writer remembers of one blob store between checkpoints (#14). Each entry holds
    the value it describes, so that the ids and addresses it is keyed by stay unique:
    `sequences` id -> (sequence, hashes); `nodes` address of a vector tree node that holds
    whole chunks -> [hashes or None (not chunkable), a vector holding the node, generation];
    `lists` id of a list cell -> [cell, names of chunks counted from the end (shared by the
    cells of one list), how many of them are the cell's, its items before them, generation];
    `tuples` id of the tuple of a list made in one go -> [tuple, names of its chunks counted
    from its end, or None]."""
    __slots__ = ("sequences", "nodes", "lists", "tuples", "generation")

    def __init__(self):
        self.sequences: dict = {}
        self.nodes: dict = {}
        self.lists: dict = {}
        self.tuples: dict = {}
        self.generation = 0


class BlobStore:
    """A folder of chunk files; `memo` (store folder -> its StoreMemo) is kept by the caller
    across checkpoints. The folder is part of the key: chunks stored in one folder are not in
    another (#9 item 8)."""

    def __init__(self, root: str, memo: dict | None = None):
        self.root = root
        self.memo = memo if memo is not None else {}
        self.unsynced = False     # chunk files renamed into the folder since the last sync

    def remembered(self) -> StoreMemo:
        m = self.memo.get(self.root)
        if m is None:
            m = self.memo[self.root] = StoreMemo()
        return m

    def reuse(self, h: str) -> bool:
        """Name the stored chunk h again: its file's time is refreshed, as for any reused
        chunk, so that gc-blobs keeps it; False when it is gone (a gc or a hand deleted it)."""
        try:
            os.utime(os.path.join(self.root, h))
            return True
        except OSError:
            return False

    def reused_all(self, hashes) -> bool:
        for h in hashes:
            if not self.reuse(h):
                return False
        return True

    def known(self, seq) -> list[str] | None:
        """The chunk hashes of `seq` if it was stored in this folder before (it is immutable)
        and its chunk files are still there: each is touched (reuse); one that is gone
        (deleted by hand) makes the sequence be stored again."""
        sequences = self.remembered().sequences
        known = sequences.get(id(seq))
        if known is None or known[0] is not seq:
            return None
        if not self.reused_all(known[1]):
            del sequences[id(seq)]
            return None
        return known[1]

    def chunk_hashes(self, seq, items: list, encode_chunk=None) -> list[str] | None:
        """Store the full chunks of `items` and remember their names for `seq`. Plain items
        are packed as they are; with `encode_chunk`, each chunk is whatever it returns (the
        body of a payload of that chunk alone), or None when the items cannot be chunked."""
        hashes = []
        for at in range(0, len(items) - len(items) % CHUNK, CHUNK):
            h = self.store_chunk(items[at:at + CHUNK], encode_chunk)
            if h is None:
                return None
            hashes.append(h)
        sequences = self.remembered().sequences
        if len(sequences) >= MEMO_LIMIT:  # the memo keeps sequences alive: keep it small
            sequences.clear()
        sequences[id(seq)] = (seq, hashes)
        return hashes

    def store_chunk(self, part: list, encode_chunk) -> str | None:
        """Store one chunk of CHUNK items; its name, or None when it cannot be a chunk. Plain
        items are packed as they are (unless one is an integer msgpack cannot write), others
        go through encode_chunk."""
        data = None
        if encode_chunk is None or set(map(type, part)) <= PLAIN_TYPES:
            try:
                data = msgpack.packb(part, use_bin_type=True)
            except OverflowError:   # an integer over 64 bits: an extension in a payload
                if encode_chunk is None:
                    return None
        if data is None:
            data = encode_chunk(part)
        if data is None or len(data) > MAX_CHUNK_BYTES:   # (huge items: better written inline)
            return None
        h = hashlib.blake2b(data, digest_size=16).hexdigest()
        self.put(h, data)
        return h

    # -- vectors: chunks named by the tree nodes that hold them (#14) ---------------------------

    def vector_chunks(self, v, encode_chunk):
        """(the names of the full chunks of vector v, its items after them), or None when v
        cannot be chunked, or UNUSABLE when its tree cannot be read. A persistent vector's
        tree nodes are shared between its versions: a node that holds whole chunks and was
        stored before gives their names without reading an item, so a vector that grew by
        1,000 items costs what the new items cost, not what it holds."""
        layout = vector_layout()
        if layout is None:
            return UNUSABLE
        n = len(v)
        full = n // CHUNK * CHUNK
        memo = self.remembered()
        memo.generation += 1
        walk = _VectorWalk(self, memo, v, full, layout, encode_chunk)
        count, shift, root = layout.header(v)
        if count != n:
            return UNUSABLE
        tail_off = 0 if n < 32 else ((n - 1) >> 5) << 5
        walk.tail_off = tail_off
        if not walk.visit(root, shift, 0):
            return None
        hashes = walk.hashes
        at = len(hashes) * CHUNK
        while at < full:        # what no whole node holds: the chunk that reaches into the tail
            h = self.store_chunk(v[at:at + CHUNK].tolist(), encode_chunk)
            if h is None:
                return None
            hashes.append(h)
            at += CHUNK
        if len(memo.nodes) > NODE_LIMIT:   # entries hold vectors alive: drop those not used now
            g = memo.generation
            memo.nodes = {k: e for k, e in memo.nodes.items() if e[2] == g}
        return hashes, v[full:].tolist()

    # -- lists: chunked from their end, which cons leaves alone (#14) ----------------------------

    def list_chunks(self, lst, encode_chunk):
        """(the names of the chunks of list lst's last items, in list order, the items before
        them), or None when lst cannot be chunked. The chunks are counted from the end of the
        list, so that consing onto it (or taking its rest) leaves every chunk as it was: the
        cells walked are only those above a cell remembered from an earlier checkpoint (a
        list's head, or the first cell of its last m chunks), and a list made in one go (its
        cells a tuple's items) is cut from the tuple's end."""
        n = lst.count
        memo = self.remembered()
        memo.generation += 1
        g = memo.generation
        lists = memo.lists
        gathered = []          # the items above the known chunks, in order
        bounds = []            # the walked cells whose last items are whole chunks
        known: list = []       # names of the chunks below them, counted from the end
        node = lst
        while node.count:
            e = lists.get(id(node))
            if e is not None and e[0] is node:
                if e[1] is None:
                    return None
                hashes = e[1][:e[2]]
                if self.reused_all(hashes):
                    e[4] = g
                    known = hashes
                    gathered += e[3]
                    break
                del lists[id(node)]
            items = node._items
            if items is not None:      # a list made in one go: its tuple's chunks, from the end
                found = self.tuple_chunks(memo, items, node._at, encode_chunk)
                if found is None:
                    return None
                known, head = found
                gathered += head
                break
            if not node.count & (CHUNK - 1):
                bounds.append((len(gathered), node))
            gathered.append(node.first)
            node = node.rest
        head = n % CHUNK
        new = []
        for at in range(head, len(gathered), CHUNK):
            h = self.store_chunk(gathered[at:at + CHUNK], encode_chunk)
            if h is None:
                lists[id(lst)] = [lst, None, 0, (), g]
                return None
            new.append(h)
        tail_hashes = known + new[::-1]
        m = len(tail_hashes)
        lists[id(lst)] = [lst, tail_hashes, m, gathered[:head], g]
        for at, cell in bounds:        # the first cell of its last (m - chunks above it) chunks
            lists[id(cell)] = [cell, tail_hashes, m - (at - head) // CHUNK, (), g]
        if len(lists) > NODE_LIMIT:    # entries hold lists alive: drop those not used now
            memo.lists = {k: e for k, e in lists.items() if e[4] == g}
        return tail_hashes[::-1], gathered[:head]

    def tuple_chunks(self, memo, items: tuple, at: int, encode_chunk):
        """(names of the chunks of items[at:] counted from the end, the items before them), or
        None; the names of a tuple's chunks are remembered with the tuple."""
        tuples = memo.tuples
        e = tuples.get(id(items))
        if e is None or e[0] is not items:
            if len(tuples) >= MEMO_LIMIT:
                tuples.clear()
            e = tuples[id(items)] = [items, []]
        if e[1] is None:
            return None
        size = len(items)
        m = (size - at) // CHUNK
        names = e[1]
        if not self.reused_all(names[:m]):
            names = e[1] = []
        while len(names) < m:
            j = len(names)
            h = self.store_chunk(list(items[size - CHUNK * (j + 1):size - CHUNK * j]), encode_chunk)
            if h is None:
                e[1] = None
                return None
            names.append(h)
        return names[:m], list(items[at:size - CHUNK * m])

    # -- the files ------------------------------------------------------------------------------

    def put(self, h: str, data: bytes):
        """Keep chunk h: reused if its file is there, else written (renamed into the folder;
        `sync` makes the renames durable, once for all the chunks of a checkpoint)."""
        if self.reuse(h):
            return
        path = os.path.join(self.root, h)
        try:
            atomic_write(path, data, sync_directory=False)
        except FileNotFoundError:
            os.makedirs(self.root, exist_ok=True)
            atomic_write(path, data, sync_directory=False)
        self.unsynced = True

    def sync(self):
        """Make the chunk files written since the last sync survive a crash (before the
        checkpoint that names them is renamed into place)."""
        if self.unsynced:
            sync_dir(self.root)
            self.unsynced = False

    def read(self, h, ext_hook) -> tuple:
        """The unpacked content of chunk h (arrays as tuples), its name checked against it:
        CHUNK plain items, or a payload body (header, records, root) of CHUNK data items."""
        return self.read_sized(h, ext_hook)[0]

    def read_sized(self, h, ext_hook) -> tuple:
        """(read(h), the size of its file in bytes): the reader's budget counts it (#16 item 2).
        A store that reads chunks from elsewhere (a workflow store's table) overrides read:
        its chunk counts CHUNK bytes, a lower bound (a chunk holds at least a byte per item)."""
        if type(self).read is not BlobStore.read:
            return self.read(h, ext_hook), CHUNK
        if not isinstance(h, str) or not CHUNK_NAME.fullmatch(h):
            raise corrupt("a chunk name is malformed")
        try:
            with open(os.path.join(self.root, h), "rb") as f:
                data = f.read(MAX_CHUNK_BYTES + 1)
        except OSError:
            raise corrupt(f"the chunk {h} is missing from {self.root}",
                          hint="an incremental checkpoint needs the .turmeric-blobs folder written beside it") from None
        return unpack_chunk(h, data, ext_hook, self.root), len(data)


class _VectorWalk:
    """One walk of a vector's tree, in item order, collecting chunk names (vector_chunks)."""

    def __init__(self, store, memo, v, full, layout, encode_chunk):
        self.store, self.memo, self.v, self.full = store, memo, v, full
        self.layout, self.encode_chunk = layout, encode_chunk
        self.hashes: list = []
        self.tail_off = 0

    def visit(self, node, shift: int, start: int) -> bool:
        """Collect the names of the chunks under `node` (at `shift`, its first item `start`)
        that are whole in the tree; False when one cannot be chunked. Stops at the first
        chunk that is not whole (what is left is read from the vector)."""
        span = 1 << (shift + 5)
        whole = start + span <= min(self.tail_off, self.full)
        if whole:
            entry = self.memo.nodes.get(node)
            if entry is not None:
                if entry[0] is None:
                    return False
                if self.store.reused_all(entry[0]):
                    entry[1] = self.v       # the newest vector holding the node keeps it alive
                    entry[2] = self.memo.generation
                    self.hashes += entry[0]
                    return True
        if shift <= 5:     # a node of one chunk's items
            if not whole:
                return True    # (the chunk reaches into the tail: read from the vector)
            h = self.store.store_chunk(self.v[start:start + CHUNK].tolist(), self.encode_chunk)
            self.memo.nodes[node] = [None if h is None else [h], self.v, self.memo.generation]
            if h is None:
                return False
            self.hashes.append(h)
            return True
        first = len(self.hashes)
        step = 1 << shift
        for i, child in enumerate(self.layout.children(node)):
            if child is None or start + i * step >= self.full:
                break
            if not self.visit(child, shift - 5, start + i * step):
                return False
            if len(self.hashes) * CHUNK < start + (i + 1) * step:   # stopped at a chunk not whole
                return True
        if whole:
            self.memo.nodes[node] = [self.hashes[first:], self.v, self.memo.generation]
        return True


class _Layout:
    """Reads a pyrsistent C vector's tree (pvectorc's PVector and VNode structs): its count,
    shift and root, and a node's 32 pointers. Checked against a known vector before use."""

    def __init__(self, ctypes):
        head = ctypes.sizeof(ctypes.c_ssize_t) + ctypes.sizeof(ctypes.c_void_p)   # PyObject_HEAD
        self.uint = ctypes.c_uint.from_address
        self.ptr = ctypes.c_void_p.from_address
        self.node = (ctypes.c_void_p * 32).from_address
        self.count_at, self.shift_at, self.root_at = head, head + 4, head + 8

    def header(self, v) -> tuple[int, int, int]:
        a = id(v)
        return self.uint(a + self.count_at).value, self.uint(a + self.shift_at).value, \
            self.ptr(a + self.root_at).value

    def children(self, node: int) -> list:
        return self.node(node)[:]


_LAYOUT: list = []     # [the _Layout, or None when vectors are not pyrsistent's C ones]


def vector_layout() -> _Layout | None:
    if not _LAYOUT:
        _LAYOUT.append(_check_layout())
    return _LAYOUT[0]


def _check_layout() -> _Layout | None:
    """The _Layout if this process's vectors are pyrsistent's C vectors laid out as expected:
    the count and shift of a known vector are read first, and only then its pointers, each
    item of which must be the vector's own item."""
    probe = pvector(object() for _ in range(3 * CHUNK + 40))
    if type(probe).__module__ != "pvectorc":
        return None
    import ctypes   # start-up: 1.6 ms, paid only by the first checkpoint that holds a large vector
    layout = _Layout(ctypes)
    count, shift, root = layout.header(probe)
    if count != len(probe) or shift != 10 or not root:
        return None
    for i in (0, 31, 32, CHUNK, 2 * CHUNK + 5, 3 * CHUNK - 1):
        chunk_node = layout.children(root)[i >> 10]
        leaf = layout.children(chunk_node)[(i >> 5) & 31] if chunk_node else None
        if not leaf or layout.children(leaf)[i & 31] != id(probe[i]):
            return None
    return layout


def unpack_chunk(h: str, data: bytes, ext_hook, where: str) -> tuple:
    """The content of the chunk named h, whose bytes are `data` (read from `where`), checked
    against its name: CHUNK plain items, or a payload body (header, records, root)."""
    if hashlib.blake2b(data, digest_size=16).hexdigest() != h or len(data) > MAX_CHUNK_BYTES:
        raise corrupt(f"the chunk {h} in {where} is corrupt")
    limit = len(data)
    try:
        content = msgpack.unpackb(data, raw=False, use_list=False, ext_hook=ext_hook, max_str_len=limit,
                                  max_bin_len=limit, max_array_len=limit, max_map_len=limit,
                                  max_ext_len=limit)
    except TurmericError:
        raise
    except Exception:  # noqa: BLE001 - msgpack raises several types on malformed input
        raise corrupt(f"the chunk {h} is not valid msgpack") from None
    if type(content) is not tuple or len(content) not in (CHUNK, 3):
        raise corrupt(f"the chunk {h} is not a chunk")
    return content



def store_beside(path: str, memo: dict | None = None) -> "BlobStore":
    """The blob store of the checkpoint file at `path`: the .turmeric-blobs folder beside it."""
    return BlobStore(os.path.join(os.path.dirname(os.path.abspath(path)), DIRNAME), memo)


def collect_garbage(directory: str, min_age: float = 600.0, dry_run: bool = False) -> dict:
    """Delete the chunk files of DIRECTORY/.turmeric-blobs that no checkpoint file in DIRECTORY
    names, unless written or reused less than `min_age` seconds ago (a program may be about to
    write a checkpoint that names them), and the temporary files of interrupted writes
    (`.tmp-*.part`) there and in DIRECTORY itself, by the same age rule (#9 item 9). Every other
    file of DIRECTORY that starts like Turmeric data is read; one that cannot be read stops
    the collection before anything is deleted."""
    if not os.path.isdir(directory):
        raise TurmericError("no-input", f"no such directory: {directory}")
    live: set[str] = set()
    checkpoints = 0
    temporaries = []     # leftovers of interrupted atomic writes in DIRECTORY: never checkpoints
    for entry in sorted(os.scandir(directory), key=lambda e: e.name):
        if not entry.is_file():
            continue
        if STALE_TEMP.fullmatch(entry.name):
            temporaries.append(entry)
            continue
        try:
            with open(entry.path, "rb") as f:
                if f.read(4) != MAGIC:
                    continue
                size = os.fstat(f.fileno()).st_size
                if size > MAX_SIZE:     # checked before reading it (#16 item 4)
                    raise corrupt(f"the file is too large ({size} bytes; the limit is {MAX_SIZE})")
                f.seek(0)
                data = f.read(MAX_SIZE + 1)
            _header, records, _root = unpack(data, None, msgpack.ExtType, verify=False)
        except OSError as e:
            raise TurmericError("io", f"gc-blobs: cannot read {entry.path}: {e.strerror}") from None
        except TurmericError as e:
            raise TurmericError("deserialize", f"gc-blobs: {entry.path}: {e.message}",
                                hint="nothing was deleted: a checkpoint that cannot be read might need "
                                     "any chunk; move it out of the directory or delete it") from None
        checkpoints += 1
        if type(records) is tuple:
            for r in records:
                if type(r) is tuple and len(r) >= 3 and r[0] == T_CHUNKED and type(r[2]) is tuple:
                    live.update(h for h in r[2] if type(h) is str)
    report = {"checkpoints": checkpoints, "referenced": 0, "young": 0, "removed": 0, "bytes": 0}
    store = os.path.join(directory, DIRNAME)
    candidates = list(temporaries)
    if os.path.isdir(store):
        candidates += os.scandir(store)
    now = time.time()
    for entry in candidates:
        chunk = CHUNK_NAME.fullmatch(entry.name) is not None
        if not entry.is_file() or not chunk and not STALE_TEMP.fullmatch(entry.name):
            continue
        if chunk and entry.name in live:
            report["referenced"] += 1
            continue
        try:
            st = entry.stat()
        except FileNotFoundError:       # a temporary file renamed into place meanwhile
            continue
        if now - st.st_mtime < min_age:  # (a write may be under way)
            report["young"] += 1
            continue
        report["removed"] += 1
        report["bytes"] += st.st_size
        if not dry_run:
            try:
                os.unlink(entry.path)
            except FileNotFoundError:
                pass
            except OSError as e:
                raise TurmericError("io", f"gc-blobs: cannot delete {entry.path}: {e.strerror}") from None
    return report
