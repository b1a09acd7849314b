"""What a workflow is, as `turmeric workflow show` prints it and the web dashboard shows it
(turmeric/web/dashboard.py): its status, what it waits for, its steps, mailbox and parked
frames with their variables. One copy of that code for both, below the CLI and the web."""
from __future__ import annotations

import datetime
import os
import time

from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str
from turmeric.data.values import Keyword, PMap
from turmeric.serialize.inspect import frames_of, render_frames
from turmeric.session.unit import stdlib_dir
from turmeric.session.versions import Checker
from turmeric.workflow.code import CODE_WHERE
from turmeric.workflow.engine import Engine, continuation_of


def status_line(engine: Engine, wf_id: str) -> str:
    """`workflow ID: done, result 42`, `workflow ID: parked, waiting for a message on reply`."""
    row = engine.store.must_get(wf_id)
    if row.status == "done":
        return f"workflow {wf_id}: done, result {pr_str(engine.decode(row.result, row))}"
    if row.status == "failed":
        return f"workflow {wf_id}: failed: {row.error}"
    w = waiting(engine.store, row)
    return f"workflow {wf_id}: {row.status}" + (f", waiting for {describe_wait(w)}" if w else "")


def waiting(store, row) -> dict | None:
    """What a parked workflow waits for, as data."""
    if row.status != "parked" or row.wait_kind is None:
        return None
    if row.wait_kind == "timer":
        return {"kind": "timer", "at": row.wake_at, "in": round(row.wake_at - (store.clock_offset() + time.time()), 3)}
    if row.wait_kind == "result":
        return {"kind": "result", "of": row.wait_topic.split("/", 1)[1]}
    return {"kind": "message", "topic": row.wait_topic}


def describe_wait(w: dict) -> str:
    if w["kind"] == "timer":
        at = datetime.datetime.fromtimestamp(w["at"], datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"a timer at {at} (in {w['in']:g} s)"
    if w["kind"] == "result":
        return f"the result of {w['of']}"
    return f"a message on {w['topic']}"


def report(engine: Engine, wf_id: str) -> dict:
    """Everything `workflow show --json` prints about one workflow."""
    store = engine.store
    row = store.must_get(wf_id)
    out = {"id": row.id, "status": row.status, "function": row.fn, "file": row.file, "parent": row.parent,
           "result": None, "error": row.error, "waiting": waiting(store, row), "runs": row.runs}
    if row.status == "done":
        out["result"] = pr_str(engine.decode(row.result, row))
    steps = []
    for seq, key, name, result, at in store.steps(wf_id):
        try:
            shown = pr_str(engine.decode(result, row))
        except TurmericError as e:
            shown = f"#<cannot be loaded: {e.message}>"
        steps.append({"seq": seq, "key": key, "name": name, "result": shown})
    out["steps"] = steps
    out["mailbox"] = [{"topic": t, "message_id": m, "consumed": bool(c)} for _n, t, m, c in store.mailbox(wf_id)]
    out["frames"] = []
    if row.status in ("parked", "running") and row.state is not None:
        try:
            state = engine.decode(row.state, row)
            k = continuation_of(state)
            if k is not None:
                out["frames"] = [dict(f, file=short_path(f["file"])) if f.get("file") else f
                                 for f in frames_of(engine.session, k)]
        except TurmericError as e:
            out["note"] = f"the stored continuation cannot be loaded: error[{e.kind}]: {e.message}"
            if e.kind == "schema-mismatch":
                out["code"] = code_changed(engine, row)
    return out


def code_changed(engine: Engine, row) -> dict:
    """For a state whose code changed: what `turmeric check --store` says of it, upgradable
    (`turmeric workflow upgrade` moves it) or refused, with the frames and the reason."""
    near = row.file if row.file else os.path.join(os.getcwd(), "workflow.tm")
    r = Checker().check(f"workflow {row.id}", bytes(row.state), engine.blobs, near=near, code=engine.code,
                        code_where=CODE_WHERE)
    return {"status": r["status"], "frames": r["frames"], "error": r.get("error")}


def short_path(path: str) -> str:
    """A frame's file as show prints it: relative to the current folder when inside it, the
    standard library's as <stdlib>/NAME."""
    std = str(stdlib_dir())
    if path.startswith(std + os.sep):
        return "<stdlib>" + path[len(std):]
    cwd = os.getcwd()
    return os.path.relpath(path, cwd) if path.startswith(cwd + os.sep) else path


def show_lines(r: dict) -> list[str]:
    """`turmeric workflow show`'s text, from a report."""
    lines = [f"workflow {r['id']}: {r['status']}" + (f"  ({r['function']})" if r["function"] else "")]
    if r["parent"]:
        lines.append(f"parent: {r['parent']}")
    if r["waiting"]:
        lines.append(f"waiting for: {describe_wait(r['waiting'])}")
    if r["status"] == "done":
        lines.append(f"result: {r['result']}")
    if r["error"]:
        lines.append(f"error: {r['error']}")
    if r.get("note"):
        lines.append(f"note: {r['note']}")
    code = r.get("code")
    if code is not None:
        if code["status"] == "refused":
            why = next((f["reason"] for f in code["frames"] if f.get("reason")), code.get("error"))
            lines.append(f"code changed: refused: {why}")
        else:
            lines.append(f"code changed: {code['status']}: turmeric workflow upgrade {r['id']} moves it onto the new code")
    if r["steps"]:
        lines.append(f"steps ({len(r['steps'])}):")
        for s in r["steps"]:
            lines.append(f"  {s['seq']} {s['name']} = {s['result']}  (key {s['key']})")
    lines += render_frames(r["frames"])
    return lines


def cancel(engine: Engine, wf_id: str):
    """Cancels a workflow that has not finished; a parent waiting on its result gets to know."""
    parent = engine.store.cancel(wf_id)
    if parent is not None:
        engine.store.notify_parent(parent, wf_id, engine.encode(PMap.from_pairs([
            (Keyword("status"), Keyword("cancelled")), (Keyword("error"), "cancelled")])))
