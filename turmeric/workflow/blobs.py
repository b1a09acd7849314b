"""Chunks of large values in the store's `chunks` table, by content hash.

The serializer cuts large sequences and maps into chunks (serialize/blobs.py) and asks the
blob store to keep each by its hash; here they go to the table instead of a folder. A chunk
is written once: an unchanged large value in the next continuation costs nothing but its
names. Writes are collected and committed in the same transaction as the state that names
them (`take`)."""
from __future__ import annotations

from turmeric.serialize.blobs import BlobStore, unpack_chunk
from turmeric.serialize.wire import corrupt
from turmeric.workflow.store import ChunksMissing


class StoreBlobs(BlobStore):
    def __init__(self, store, memo: dict | None = None):
        super().__init__("<workflow store>", memo)
        self.store = store
        self.written: dict[str, bytes] = {}    # not committed yet
        self.known_names: set[str] = set()     # committed (or found) in this process
        self.reused: set[str] = set()          # named since the last take without being written

    def reuse(self, h: str) -> bool:
        """A chunk committed before is named again (the transaction checks it is still
        there: take_reused), or one written since the last take; False for any other."""
        if h in self.known_names:
            self.reused.add(h)
            return True
        return h in self.written

    def put(self, h: str, data: bytes):
        if not self.reuse(h):
            self.written[h] = data

    def take(self) -> list:
        """The chunks written since the last take, for the transaction that names them."""
        out = list(self.written.items())
        self.written = {}
        return out

    def take_reused(self) -> set:
        """The chunks named since the last take that were committed before and not written
        again: the transaction checks they are still there (a gc may have removed them)."""
        out, self.reused = self.reused, set()
        return out

    def forget(self):
        """After ChunksMissing: nothing is known to be in the store any more."""
        self.known_names.clear()
        self.written = {}
        self.reused = set()
        self.memo.clear()

    def committed(self, chunks: list):
        self.known_names.update(h for h, _ in chunks)

    def write_encoded(self, encode, write):
        """encode() a value, then write(bytes, new chunks, reused chunk names) in one
        transaction; encoded again, writing every chunk, if a gc removed a chunk this process
        thought stored (the transaction's check raises ChunksMissing). What write returns."""
        for attempt in (1, 2):
            data = encode()
            chunks, reused = self.take(), self.take_reused()
            try:
                out = write(data, chunks, reused)
            except ChunksMissing:
                self.forget()
                if attempt == 2:   # pragma: no cover - after forget, nothing is reused
                    raise
                continue
            except BaseException:
                self.memo.clear()
                raise
            self.committed(chunks)
            return out

    def read(self, h, ext_hook) -> tuple:
        if not isinstance(h, str) or len(h) != 32:
            raise corrupt("a chunk name is malformed")
        data = self.written.get(h) or self.store.chunk(h)
        if data is None:
            raise corrupt(f"the chunk {h} is missing from the workflow store")
        return unpack_chunk(h, data, ext_hook, "the workflow store")
