"""Chunks of large values in the store's `chunks` table, by content hash.

The serializer cuts large sequences and maps into chunks (serialize/blobs.py) and asks the
blob store to keep each by its hash; here they go to the table instead of a folder. A chunk
is written once: an unchanged large value in the next continuation costs nothing but its
names. Writes are collected and committed in the same transaction as the state that names
them (`take`)."""
from __future__ import annotations

import hashlib

import msgpack

from turmeric.data.errors import TurmericError
from turmeric.serialize.blobs import CHUNK, MAX_CHUNK_BYTES, BlobStore
from turmeric.serialize.wire import corrupt


class StoreBlobs(BlobStore):
    def __init__(self, store, memo: dict | None = None):
        super().__init__("<workflow store>", memo)
        self.store = store
        self.written: dict[str, bytes] = {}    # not committed yet
        self.known_names: set[str] = set()     # committed (or found) in this process

    def put(self, h: str, data: bytes):
        if h not in self.known_names:
            self.written[h] = data

    def take(self) -> list:
        """The chunks written since the last take, for the transaction that names them."""
        out = list(self.written.items())
        self.written = {}
        return out

    def committed(self, chunks: list):
        self.known_names.update(h for h, _ in chunks)

    def read(self, h, ext_hook) -> tuple:
        if not isinstance(h, str) or len(h) != 32:
            raise corrupt("a chunk name is malformed")
        data = self.written.get(h) or self.store.chunk(h)
        if data is None:
            raise corrupt(f"the chunk {h} is missing from the workflow store")
        if hashlib.blake2b(data, digest_size=16).hexdigest() != h or len(data) > MAX_CHUNK_BYTES:
            raise corrupt(f"the chunk {h} in the workflow store is corrupt")
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
