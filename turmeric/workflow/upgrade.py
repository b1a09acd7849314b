"""`turmeric workflow upgrade ID...|--all`: parked workflows moved onto changed code, as
`turmeric resume --upgrade` moves a checkpoint file's (session/versions.py).

For each parked workflow whose stored continuation names code that changed, its frames are
moved onto the current code when each one's suspension point still exists with the same live
variables, or a `defmigration` of the current code covers it; the old code (which points and
variables the frame had) comes from the store's `turmeric_code` table (code.py). The moved
state is stored in place of the old one in one transaction, only if the workflow is still
parked with the state that was read: a worker that claimed it meanwhile wins, and the upgrade
reports it as refused. A workflow that cannot be moved is left parked and untouched, with the
reason, exactly as `turmeric check --store` gives it.
"""
from __future__ import annotations

import os

from turmeric.data.errors import TurmericError
from turmeric.serialize.codestore import header_code
from turmeric.session.versions import decode, moved_frames, old_session, unpack, use_code_store
from turmeric.workflow.code import CODE_WHERE
from turmeric.workflow.engine import Engine


class Upgrader:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.old: dict[tuple, object] = {}      # saved versions -> a session on that code

    def old_session(self, header):
        key = tuple(sorted(header_code(header).items()))
        if key not in self.old:
            self.old[key] = old_session(None, header, self.engine.code)
        return self.old[key]

    def upgrade(self, wf_id: str) -> dict:
        """{"workflow", "status": ok | upgraded | refused, "frames": [...], "kind"?, "error"?}"""
        engine = self.engine
        row = engine.store.must_get(wf_id)
        out = {"workflow": wf_id, "status": "refused", "frames": []}
        if row.status != "parked" or row.state is None:
            out.update(kind="value", error=f"workflow {wf_id} is {row.status}: only a parked workflow is upgraded")
            return out
        data = bytes(row.state)
        session = engine.session
        try:
            if row.file and os.path.isfile(row.file):
                engine.load_program(row.file)
            header, records, root = unpack(data)
            use_code_store(session, None, header, "current", store=engine.code)
            old = self.old_session(header)
            value, dec = session.run(lambda: decode(session, header, records, root, engine.blobs, True, old,
                                                    size=len(data), code_where=CODE_WHERE))
            out["frames"] = moved_frames(dec)
            if not dec.moved and not dec.stale:
                out["status"] = "ok"       # nothing changed: the state stays as it is
                if row.error is not None:  # a worker held it (Engine._hold): the code came back
                    engine.store.replace_state(wf_id, data, data, [], wake=True)
                return out
            engine._with_chunks(lambda new, chunks, reused, code: engine.store.replace_state(
                wf_id, data, new, chunks, reused, code, wake=True), value, True)
        except TurmericError as e:
            engine.blobs.memo.clear()
            details = getattr(e, "details", None)
            out.update(kind=e.kind, error=e.message, frames=[details] if details else out["frames"])
            return out
        out["status"] = "upgraded"
        return out
