"""`turmeric resume FILE [--value EXPR] [--code current|saved] [--upgrade]` and `turmeric inspect FILE [--json]`."""
from __future__ import annotations

import json
import os
import sys

from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str
from turmeric.data.values import Box, Continuation
from turmeric.runtime import machine
from turmeric.runtime.builtins.io import TurmericExit
from turmeric.serialize.inspect import describe, render_text, stream_json, stream_text
from turmeric.session.session import Session
from turmeric.session.versions import load_checkpoint, read_limited


def _session_for(path: str):
    """A session whose module path starts at the checkpoint's directory and the cwd."""
    return Session(module_path=[os.path.dirname(os.path.abspath(path)), os.getcwd()])


CHECKPOINT_VALUE = "%checkpoint-value"   # the local the checkpoint macro keeps live (stdlib/core.tm)


def checkpointed_value(session, k: Continuation):
    """The value a `checkpoint` continued with when it saved k (#10 item 2): the macro keeps it
    in the local %checkpoint-value of the innermost frame, suspended at its cloneable-shift.
    nil for a continuation that some other shift captured."""
    if not k.frames:
        return None
    entry, locs = k.frames[0]
    site = session.sites.get(entry)
    if site is None:
        return None
    info, i = site
    names = info.sites[i].live_names
    if CHECKPOINT_VALUE not in names or len(names) != len(locs):
        return None
    v = locs[names.index(CHECKPOINT_VALUE)]
    return v.v if type(v) is Box else v


def cmd_resume(args) -> int:
    if args.upgrade and args.code == "saved":
        raise TurmericError("usage", "turmeric resume: --upgrade moves frames onto the current code, "
                                     "so it cannot go with --code saved")
    session = _session_for(args.file)
    data = read_limited(args.file)
    try:
        try:
            k = load_checkpoint(session, args.file, data, code=args.code, upgrade=args.upgrade)
        except TurmericError as e:
            if e.kind == "schema-mismatch" and not args.upgrade and args.code == "current" \
                    and "changed since the checkpoint was saved" in e.message:
                e.hint = (f"turmeric check {args.file} says whether turmeric resume --upgrade can move its "
                          f"frames onto the new code; turmeric resume --code saved runs the code it was saved with")
            raise
        if type(k) is not Continuation:
            raise TurmericError("type", f"{args.file} holds a {type(k).__name__}, not a continuation",
                                hint="turmeric resume takes a file written from a continuation, e.g. by checkpoint")
        value = checkpointed_value(session, k)
        if args.value is not None:
            results = session.eval_string(args.value, module="resume", file="<--value>")
            value = results[-1] if results else None
        result = session.run(machine.run, lambda d: machine.resume(d, k, value), ())
    except TurmericExit as e:
        sys.stdout.flush()
        return e.code
    if result is not None:
        print(pr_str(result))
    sys.stdout.flush()
    return 0


def cmd_inspect(args) -> int:
    data = read_limited(args.file)
    session = _session_for(args.file)
    # --full streams: each frame is described and written in turn, so that memory stays
    # bounded by the continuation, not by its text (#16 part 3)
    report = describe(session, data, args.file, full=args.full, stream=args.full)
    if args.json:
        if args.full:
            stream_json(report, sys.stdout.write)
        else:
            print(json.dumps(report, indent=2, ensure_ascii=False))
    elif args.full:
        stream_text(report, sys.stdout.write)
    else:
        print(render_text(report))
    sys.stdout.flush()   # here, not at exit: a reader that went away is main's BrokenPipeError (141)
    return 0
