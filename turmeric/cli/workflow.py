"""`turmeric workflow start|send|list|show|cancel|fork|edit|upgrade|clock|gc` and `turmeric worker`
(spec/cli.md, spec/workflows.md)."""
from __future__ import annotations

import datetime
import json
import re
import sys
import time

from turmeric.cli.check import report_lines
from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str
from turmeric.data.values import Symbol
from turmeric.runtime.builtins.io import TurmericExit
from turmeric.serialize.builtins import continuation_with
from turmeric.workflow.defaults import DEFAULT_LEASE
from turmeric.workflow.engine import Engine, continuation_of, stderr_log
from turmeric.workflow.report import cancel, describe_wait, report, show_lines, status_line, waiting
from turmeric.workflow.stores import open_store
from turmeric.workflow.upgrade import Upgrader

EXIT_REFUSED = 1     # workflow upgrade: some workflow was refused (as turmeric check)


def run(args) -> int:
    if args.command == "worker":
        return cmd_worker(args)
    return COMMANDS[args.wf_command](args)


def _engine(args, lease: float = DEFAULT_LEASE, step_timeout: float | None = None) -> Engine:
    return Engine(open_store(args.store), lease=lease, log=stderr_log, step_timeout=step_timeout)


def _literal(engine: Engine, text: str, what: str):
    results = engine.session.eval_string(text, module="workflow-cli", file=f"<{what}>")
    if len(results) != 1:
        raise TurmericError("usage", f"{what}: expected one Turmeric value, got {len(results)}: {text!r}")
    return results[0]


def cmd_start(args) -> int:
    engine = _engine(args, args.lease)
    values = [_literal(engine, a, f"argument {i + 1}") for i, a in enumerate(args.args)]
    try:
        wf_id, outcome = engine.start(args.file, args.fn, values, args.wf_id, detach=args.detach)
    except TurmericExit as e:   # pragma: no cover - the workflow's own (exit) is caught by the engine
        return e.code
    sys.stdout.flush()
    if outcome == "created":
        print(f"workflow {wf_id}: created, for a worker to run")
        return 0
    print(status_line(engine, wf_id))
    return 1 if engine.store.must_get(wf_id).status == "failed" else 0


def cmd_send(args) -> int:
    engine = _engine(args)
    value = _literal(engine, args.value, "the value")
    if engine.send(args.wf_id, args.topic, value, args.message_id):
        print(f"sent to {args.wf_id} on {args.topic}")
    else:
        print(f"message {args.message_id} was delivered to {args.wf_id} before: not delivered again")
    return 0


def cmd_list(args) -> int:
    store = open_store(args.store)
    for row in store.list(args.status):
        w = waiting(store, row)
        print(f"{row.id}  {row.status}" + (f"  waiting for {describe_wait(w)}" if w else "") +
              (f"  ({row.fn})" if row.fn else ""))
    return 0


def cmd_show(args) -> int:
    engine = _engine(args)
    r = report(engine, args.wf_id)
    if args.json:
        print(json.dumps(r, indent=2, ensure_ascii=False))
        return 0
    print("\n".join(show_lines(r)))
    return 0


def cmd_cancel(args) -> int:
    engine = _engine(args)
    cancel(engine, args.wf_id)
    print(f"workflow {args.wf_id}: cancelled")
    return 0


def cmd_fork(args) -> int:
    engine = _engine(args)
    engine.store.fork(args.wf_id, args.new_id)
    print(f"workflow {args.new_id}: forked from {args.wf_id}; " + status_line(engine, args.new_id).split(": ", 1)[1])
    return 0


def cmd_edit(args) -> int:
    engine = _engine(args)
    row = engine.store.must_get(args.wf_id)
    if row.status != "parked":
        raise TurmericError("value", f"workflow {args.wf_id} is {row.status}: only a parked workflow can be edited")
    state = engine.decode(row.state, row)
    k = continuation_of(state)
    if k is None:
        raise TurmericError("value", f"workflow {args.wf_id} has not started: it has no frames to edit")
    value = _literal(engine, args.expr, "the value")
    k2 = continuation_with(engine.session, k, args.frame, Symbol(args.var), value)
    new = engine.encode(state.set(1, k2), state=True)
    engine.store.replace_state(args.wf_id, bytes(row.state), new, engine.blobs.take(), engine.blobs.take_reused(),
                               engine.code.take())
    print(f"workflow {args.wf_id}: frame {args.frame} {args.var} = {pr_str(value)}")
    return 0


def cmd_upgrade(args) -> int:
    if bool(args.ids) == bool(args.all):
        which = "not both" if args.ids else "one of them"
        raise TurmericError("usage", f"turmeric workflow upgrade: name the workflows (ID...) or give --all, {which}")
    engine = _engine(args)
    ids = args.ids or [row.id for row in engine.store.list("parked")]
    upgrader = Upgrader(engine)
    reports = [upgrader.upgrade(wf_id) for wf_id in ids]
    counts = {s: sum(r["status"] == s for r in reports) for s in ("ok", "upgraded", "refused")}
    if args.json:
        print(json.dumps({"workflows": reports, "counts": counts}, indent=2, ensure_ascii=False, default=str))
    else:
        for r in reports:
            print(f"workflow {r['workflow']}: " + {"ok": "ok, its code did not change", "upgraded": "upgraded",
                                                   "refused": "refused, left parked as it was"}[r["status"]])
            for line in report_lines(r):
                print(line)
        print(f"{len(reports)} parked workflows: {counts['upgraded']} upgraded, {counts['ok']} ok, "
              f"{counts['refused']} refused")
    return EXIT_REFUSED if counts["refused"] else 0


DURATION = re.compile(r"\s*(-?[0-9]+(?:\.[0-9]*)?)\s*([smhd]?)\s*")
UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, option: str = "--advance") -> float:
    m = DURATION.fullmatch(text)
    if m is None:
        raise TurmericError("usage", f"{option}: expected seconds, or a number with s, m, h or d, got {text!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def cmd_clock(args) -> int:
    store = open_store(args.store)
    if args.advance is not None:
        store.advance_clock(parse_duration(args.advance))
    offset = store.clock_offset()
    now = time.time() + offset
    at = datetime.datetime.fromtimestamp(now, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    print(f"the workflows' clock: {at} ({offset:+g} s from the wall clock)")
    return 0


def cmd_gc(args) -> int:
    report = open_store(args.store).collect_garbage(dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    print(f"{verb} {report['removed']} chunks ({report['bytes']} bytes), kept {report['referenced']} "
          f"that stored workflows name; {verb} {report['code_removed']} module sources, kept "
          f"{report['code_kept']} that parked workflows name; {'would drop' if args.dry_run else 'dropped'} "
          f"the states of {report['states']} finished workflows and the values of {report['messages']} "
          f"consumed messages")
    return 0


def cmd_worker(args) -> int:
    timeout = parse_duration(args.step_timeout, "--step-timeout") if args.step_timeout else None
    if timeout is not None and timeout <= 0:
        raise TurmericError("usage", f"--step-timeout: expected a duration above 0, got {args.step_timeout!r}")
    engine = _engine(args, args.lease, timeout)
    try:
        engine.work(drain=args.drain, skip_time=args.skip_time, poll=args.poll, notify=not args.no_notify)
    finally:
        sys.stdout.flush()
    return 0


COMMANDS = {"start": cmd_start, "send": cmd_send, "list": cmd_list, "show": cmd_show, "cancel": cmd_cancel,
            "fork": cmd_fork, "edit": cmd_edit, "upgrade": cmd_upgrade, "clock": cmd_clock, "gc": cmd_gc}
