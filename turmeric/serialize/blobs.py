"""Incremental checkpoints: large sequences written once, by content hash.

A checkpoint written with a blob store (the stdlib `checkpoint` macro uses the folder
`.turmeric-blobs` beside the checkpoint file) cuts every list, vector, tuple or map of at least
CHUNK items (a map's keys and values counted in turn) into chunks of CHUNK items; each full
chunk is a file named by the hash of its bytes, written only if it is not there yet. Plain
items (numbers, strings, nil, booleans, bytes, keywords, symbols) are written as a msgpack
array; immutable data (maps, vectors, structs...) as a payload of its own. The record keeps
the chunk hashes and the last, partial chunk inline. So a checkpoint of a loop over 100,000 items writes the items once, and each later checkpoint
writes only what changed. Chunk hashes of a sequence that is still alive are remembered, so
an unchanged sequence is not even hashed again.

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

from turmeric.data.errors import TurmericError
from turmeric.serialize.atomic import atomic_write
from turmeric.serialize.format import T_CHUNKED
from turmeric.serialize.wire import MAGIC, MAX_SIZE, corrupt, unpack

CHUNK = 1024
DIRNAME = ".turmeric-blobs"
MEMO_LIMIT = 64      # sequences whose chunk hashes are remembered between checkpoints
MAX_CHUNK_BYTES = 64 << 20   # a larger chunk is neither written nor read
CHUNK_NAME = re.compile(r"[0-9a-f]{32}")
STALE_TEMP = re.compile(r"\.tmp-.*\.part")


class BlobStore:
    """A folder of chunk files; `memo` ((store folder, id of a live sequence) -> the sequence
    and its chunk hashes) is kept by the caller across checkpoints, with the sequences
    themselves so that ids stay unique. The folder is part of the key: chunks stored in one
    folder are not in another (#9 item 8)."""

    def __init__(self, root: str, memo: dict | None = None):
        self.root = root
        self.memo = memo if memo is not None else {}

    def known(self, seq) -> list[str] | None:
        """The chunk hashes of `seq` if it was stored in this folder before (it is immutable)
        and its chunk files are still there: each is touched, as a reused chunk is (put), so
        that gc-blobs keeps it; one that is gone (deleted by hand) makes the sequence be
        stored again."""
        known = self.memo.get((self.root, id(seq)))
        if known is None or known[0] is not seq:
            return None
        for h in known[1]:
            try:
                os.utime(os.path.join(self.root, h))
            except OSError:
                del self.memo[(self.root, id(seq))]
                return None
        return known[1]

    def chunk_hashes(self, seq, items: list, encode_chunk=None) -> list[str] | None:
        """Store the full chunks of `items` and remember their names for `seq`. Plain items
        are packed as they are; with `encode_chunk`, each chunk is whatever it returns (the
        body of a payload of that chunk alone), or None when the items cannot be chunked."""
        hashes = []
        for at in range(0, len(items) - len(items) % CHUNK, CHUNK):
            part = items[at:at + CHUNK]
            data = msgpack.packb(part, use_bin_type=True) if encode_chunk is None else encode_chunk(part)
            if data is None or len(data) > MAX_CHUNK_BYTES:   # (huge items: better written inline)
                return None
            h = hashlib.blake2b(data, digest_size=16).hexdigest()
            self.put(h, data)
            hashes.append(h)
        if len(self.memo) >= MEMO_LIMIT:  # the memo keeps sequences alive: keep it small
            self.memo.clear()
        self.memo[(self.root, id(seq))] = (seq, hashes)
        return hashes

    def put(self, h: str, data: bytes):
        path = os.path.join(self.root, h)
        if os.path.exists(path):
            try:
                os.utime(path)   # reused: young again, so gc-blobs keeps it while in use
            except OSError:
                pass
            return
        os.makedirs(self.root, exist_ok=True)
        atomic_write(path, data)

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
