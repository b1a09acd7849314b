"""The `turmeric` command: run, resume, inspect, check, compile, repl, gc-blobs, workflow, worker, serve."""
from __future__ import annotations

import argparse
import os
import sys

from turmeric.data.errors import TurmericError, debug_enabled, format_error
from turmeric.cli import serve as serve_cli, workflow_args
from turmeric.runtime import machine
from turmeric.runtime.builtins.io import TurmericExit
from turmeric.serialize.blobs import collect_garbage
from turmeric.session.session import Session

# pipeline.STAGES, written out so that starting the command line imports no compiler stage
# (tests/test_architecture.py checks that the two agree)
DUMP_STAGES = ("read", "expand", "ir", "cps", "python")

EXIT_OK = 0
EXIT_USAGE = 64
EXIT_INTERNAL = 70
EXIT_BROKEN_PIPE = 141   # 128 + SIGPIPE, what a shell reports for a tool its pipe closed


class UsageParser(argparse.ArgumentParser):
    """argparse, exiting with 64 (usage) on a bad command line."""

    def error(self, message):
        self.print_usage(sys.stderr)
        # argparse lists a `*` argument as required beside the missing one ("file, args")
        message = message.replace("arguments are required: file, args", "argument is required: file")
        print(f"turmeric: error[usage]: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def main(argv: list[str] | None = None) -> int:
    parser = UsageParser(prog="turmeric", description="Turmeric: continuations as values.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="run a program")
    p_run.add_argument("file")
    p_run.add_argument("args", nargs="*")
    p_resume = sub.add_parser("resume", help="resume a saved continuation in this fresh process")
    p_resume.add_argument("file")
    p_resume.add_argument("--value", help="a Turmeric expression: the value the suspended call returns")
    p_resume.add_argument("--code", choices=("current", "saved"), default="current",
                          help="run the module path's code (default) or the exact code saved with the checkpoint")
    p_resume.add_argument("--upgrade", action="store_true",
                          help="move frames of changed functions onto the current code (by point, or a defmigration)")
    p_check = sub.add_parser("check", help="check saved continuations against the current code, running none")
    p_check.add_argument("paths", nargs="*", metavar="PATH", help="checkpoint files, or folders to search")
    p_check.add_argument("--store", metavar="URL", help="also check every parked workflow of this store")
    p_check.add_argument("--json", action="store_true", help="print JSON for CI")
    p_inspect = sub.add_parser("inspect", help="show the frames and variables of a saved continuation")
    p_inspect.add_argument("file")
    p_inspect.add_argument("--json", action="store_true", help="print JSON for tools")
    p_inspect.add_argument("--full", action="store_true", help="print long values whole (default: shortened)")
    p_compile = sub.add_parser("compile", help="show what the compiler makes of a file")
    p_compile.add_argument("--dump", choices=DUMP_STAGES, default="python")
    p_compile.add_argument("file")
    p_gc = sub.add_parser("gc-blobs", help="delete the chunks of DIR/.turmeric-blobs no checkpoint in DIR names")
    p_gc.add_argument("dir")
    p_gc.add_argument("--min-age", type=float, default=600.0, metavar="SECONDS",
                      help="keep chunks written or reused this recently (default 600)")
    p_gc.add_argument("--dry-run", action="store_true", help="say what would be deleted, delete nothing")
    p_repl = sub.add_parser("repl", help="an interactive session (line-oriented without a terminal)")
    p_repl.add_argument("--restore", metavar="PATH", help="start from a session saved with :save")
    workflow_args.add_parsers(sub)
    serve_cli.add_parser(sub)
    args = parser.parse_args(argv)
    machine.allow_deep_python_stack()
    try:
        if args.command == "run":
            return cmd_run(args)
        if args.command == "compile":
            return cmd_compile(args)
        if args.command == "repl":
            return cmd_repl(args)
        if args.command == "gc-blobs":
            return cmd_gc_blobs(args)
        if args.command == "check":
            from turmeric.cli import check   # start-up: the checker loads only here
            return check.run(args)
        if args.command in ("resume", "inspect"):
            from turmeric.cli import continuations   # start-up: inspect and its printers load only here
            return getattr(continuations, "cmd_" + args.command)(args)
        if args.command in ("workflow", "worker"):
            from turmeric.cli import workflow as workflow_cli   # start-up: the engine loads only here
            return workflow_cli.run(args)
        if args.command == "serve":
            return serve_cli.run(args)   # waitress and turmeric.web load inside, only for serve
    except TurmericError as e:
        sys.stdout.flush()
        print(format_error(e), file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our output went away (`turmeric inspect FILE | head`): stop quietly,
        # as Unix tools do, and keep Python from complaining again when it flushes stdout
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as e:  # noqa: BLE001
        if debug_enabled():
            raise
        print(f"error[internal]: {type(e).__name__}: {e}\nThis is a bug in Turmeric; "
              "TURMERIC_DEBUG=1 shows the Python traceback.", file=sys.stderr)
        return EXIT_INTERNAL
    return EXIT_OK


def cmd_run(args) -> int:
    session = Session()
    session.argv = args.args
    try:
        session.load_file(args.file, name=os.path.splitext(os.path.basename(args.file))[0], program=True)
    except TurmericExit as e:
        sys.stdout.flush()
        return e.code
    sys.stdout.flush()
    return EXIT_OK


def cmd_compile(args) -> int:
    from turmeric.cli.dump import dump   # start-up: the stages load only for a dump (or a cache miss)
    print(dump(args.file, args.dump))
    return EXIT_OK


def cmd_gc_blobs(args) -> int:
    directory = args.dir.rstrip("/") or "/"
    if os.path.basename(directory) == ".turmeric-blobs":   # the store itself was named
        directory = os.path.dirname(directory) or "."
    r = collect_garbage(directory, args.min_age, args.dry_run)
    print(f"{directory}: {r['checkpoints']} checkpoint file(s) name {r['referenced']} chunk(s); "
          f"{'would remove' if args.dry_run else 'removed'} {r['removed']} file(s) ({r['bytes']} bytes); "
          f"kept {r['young']} unnamed file(s) younger than {args.min_age:g} s")
    return EXIT_OK


def cmd_repl(args) -> int:
    from turmeric.repl.loop import main as repl_main   # start-up: the REPL needs the stages (completion)
    return repl_main(restore=args.restore)

