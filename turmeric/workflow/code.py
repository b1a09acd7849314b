"""Module sources kept by hash in the workflow store (its `turmeric_code` table): what
`.turmeric-code` beside a checkpoint file is for a file (serialize/codestore.py), for the
states of workflows.

Every state the engine stores names, in its header's "code" entry, the module versions of the
session that wrote it (`[[module, source hash], ...]`, Session.code_versions); the sources of
those versions go to the table in the same transaction as the state, once per hash (a process
remembers the versions it committed, and the transaction only checks that those are still
there: `turmeric workflow gc` drops the versions no kept state names). `turmeric check
--store` and `turmeric workflow upgrade` read a parked workflow's old code from here, so a
frame of changed code is upgradable or refused exactly as for a checkpoint file.

A StoreCode is also the code store that Session.use_code_store reads (root, path, get): a
version's text comes from the table and is checked against its hash, never from the state's
bytes (spec/serialization.md §6, §10).
"""
from __future__ import annotations

from turmeric.data.errors import TurmericError
from turmeric.serialize.codestore import MAX_SOURCE_BYTES, SOURCE_HASH, source_hash

TABLE = "turmeric_code"
ROOT = "<the workflow store>/" + TABLE   # the folder a saved version's module is shown in
CODE_WHERE = "the workflow store"        # where a refusal says the old code is looked for


class StoreCode:
    def __init__(self, store):
        self.store = store
        self.root = ROOT
        self.known: set[str] = set()            # versions committed (or found) by this process
        self.pending: dict[str, tuple] = {}     # hash -> (module, text): named since the last take
        self._texts: dict[str, str] = {}        # versions read

    # -- writing: the versions a state names, for the transaction that stores it ---------------

    def names(self, session) -> list:
        """The header's "code" entry for a state encoded now; its versions are kept for the
        next take."""
        out = []
        for name, h, text in session.code_versions():
            if len(text) <= MAX_SOURCE_BYTES:
                self.pending.setdefault(h, (name, text))
                out.append([name, h])
        return out

    def take(self) -> list:
        """(hash, module, text, known) of each version named since the last take: the
        transaction writes the unknown ones and checks that the known ones are still there."""
        out = [(h, name, text, h in self.known) for h, (name, text) in self.pending.items()]
        self.pending = {}
        return out

    def committed(self, rows: list):
        self.known.update(r[0] for r in rows)

    def forget(self):
        self.known.clear()
        self.pending = {}

    # -- reading: a code store for Session.use_code_store ---------------------------------------

    def path(self, h: str) -> str:
        return f"{self.root}/{h}.tm"

    def get(self, h) -> str | None:
        """The source text named h, or None when the store lacks it; a row whose text does not
        match its hash is a `deserialize` error (the table was changed by hand)."""
        if not isinstance(h, str) or not SOURCE_HASH.fullmatch(h):
            return None
        text = self._texts.get(h)
        if text is not None:
            return text
        row = self.store.code_source(h)
        if row is None:
            return None
        try:
            text = row[1].decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            text = None
        if text is None or source_hash(text) != h:
            raise TurmericError("deserialize", f"the module source {h} ({row[0]}) in the workflow store's {TABLE} "
                                               f"table is corrupt (its text does not match its hash)")
        self._texts[h] = text
        return text
