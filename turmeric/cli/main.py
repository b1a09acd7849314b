"""The `turmeric` command: run, resume, inspect, check, compile, repl, gc-blobs, workflow, worker, serve."""
from __future__ import annotations

import argparse
import gc
import os
import sys

from turmeric.data.errors import TurmericError, debug_enabled, format_error
from turmeric.cli import serve as serve_cli
from turmeric.runtime import machine
from turmeric.runtime.builtins.io import TurmericExit
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

    whole_argv: list[str] | None = None   # set on a parser built for one command (build_parser)

    def error(self, message):
        if self.whole_argv is not None:
            # the command line is wrong beyond that one command's arguments: the whole
            # parser reports it, with the usage that lists every command
            build_parser().parse_args(self.whole_argv)
        self.print_usage(sys.stderr)
        # argparse lists a `*` argument as required beside the missing one ("file, args")
        message = message.replace("arguments are required: file, args", "argument is required: file")
        print(f"turmeric: error[usage]: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


COMMANDS = ("run", "resume", "check", "inspect", "compile", "gc-blobs", "repl", "workflow", "worker", "serve")


def build_parser(command: str | None = None) -> UsageParser:
    """The command line's parser; for a `command` of COMMANDS, with that subcommand only.

    Building every subcommand's parser (workflow's dozen included) cost 3 ms of the start-up
    of `turmeric run` (#14). A parser of one command reads its command line exactly as the
    whole one does: the subcommand's parser is the same, and any error outside it is
    reported by the whole parser (UsageParser.error)."""
    parser = UsageParser(prog="turmeric", description="Turmeric: continuations as values.")
    sub = parser.add_subparsers(dest="command", required=True)

    def wanted(name: str) -> bool:
        return command is None or command == name

    if wanted("run"):
        p_run = sub.add_parser("run", help="run a program")
        p_run.add_argument("file")
        p_run.add_argument("args", nargs="*")
    if wanted("resume"):
        p_resume = sub.add_parser("resume", help="resume a saved continuation in this fresh process")
        p_resume.add_argument("file")
        p_resume.add_argument("--value", help="a Turmeric expression: the value the suspended call returns")
        p_resume.add_argument("--code", choices=("current", "saved"), default="current",
                              help="run the module path's code (default) or the exact code saved with the checkpoint")
        p_resume.add_argument("--upgrade", action="store_true",
                              help="move frames of changed functions onto the current code (by point, or a defmigration)")
    if wanted("check"):
        p_check = sub.add_parser("check", help="check saved continuations against the current code, running none")
        p_check.add_argument("paths", nargs="*", metavar="PATH", help="checkpoint files, or folders to search")
        p_check.add_argument("--store", metavar="URL", help="also check every parked workflow of this store")
        p_check.add_argument("--json", action="store_true", help="print JSON for CI")
    if wanted("inspect"):
        p_inspect = sub.add_parser("inspect", help="show the frames and variables of a saved continuation")
        p_inspect.add_argument("file")
        p_inspect.add_argument("--json", action="store_true", help="print JSON for tools")
        p_inspect.add_argument("--full", action="store_true", help="print long values whole (default: shortened)")
    if wanted("compile"):
        p_compile = sub.add_parser("compile", help="show what the compiler makes of a file")
        p_compile.add_argument("--dump", choices=DUMP_STAGES, default="python")
        p_compile.add_argument("file")
    if wanted("gc-blobs"):
        p_gc = sub.add_parser("gc-blobs", help="delete the chunks of DIR/.turmeric-blobs no checkpoint in DIR names")
        p_gc.add_argument("dir")
        p_gc.add_argument("--min-age", type=float, default=600.0, metavar="SECONDS",
                          help="keep chunks written or reused this recently (default 600)")
        p_gc.add_argument("--dry-run", action="store_true", help="say what would be deleted, delete nothing")
    if wanted("repl"):
        p_repl = sub.add_parser("repl", help="an interactive session (line-oriented without a terminal)")
        p_repl.add_argument("--restore", metavar="PATH", help="start from a session saved with :save")
    if wanted("workflow") or wanted("worker"):
        # start-up: the workflow package (its defaults) loads only for these commands' parsers
        from turmeric.cli import workflow_args
        workflow_args.add_parsers(sub)
    if wanted("serve"):
        serve_cli.add_parser(sub)
    return parser


def parse_command_line(argv: list[str]) -> argparse.Namespace:
    """The command line read as build_parser() reads it (a usage error exits with 64)."""
    if len(argv) >= 2 and argv[0] == "run" and not any(a.startswith("-") for a in argv[1:]):
        # start-up: `run FILE ARGS...` without an option is read without argparse, whose
        # first use (its formatter imports shutil, its messages look for translations) cost
        # 4 ms of `turmeric run` (#14); tests/test_startup.py checks that the two agree
        return argparse.Namespace(command="run", file=argv[1], args=list(argv[2:]))
    command = argv[0] if argv and argv[0] in COMMANDS else None
    parser = build_parser(command)
    if command is not None:
        parser.whole_argv = list(argv)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, gc_paused: bool = False) -> int:
    """The `turmeric` command. `gc_paused`: the caller (cli/__main__.py, which owns the
    process) turned the garbage collector off while Python started; it is turned on again
    once start-up is done (resume_collection)."""
    args = parse_command_line(sys.argv[1:] if argv is None else argv)
    if gc_paused and args.command != "run":
        resume_collection()
    machine.allow_deep_python_stack()
    try:
        if args.command == "run":
            return cmd_run(args, gc_paused)
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


def resume_collection() -> None:
    """The end of start-up in a process of our own: what it made (the modules, the core
    library) will live as long as the process, so it is frozen out of the garbage
    collector's way (gc.freeze), and the collector is on again for the program.

    The collector stays off while the modules load and the core library is built (cli/
    __main__.py): its full passes over that heap, during start-up and again when the
    interpreter exits, were 16 ms of the 80 of a warm `turmeric run hello.tm` (#14)."""
    gc.freeze()
    gc.enable()


def cmd_run(args, gc_paused: bool = False) -> int:
    session = Session()
    if gc_paused:
        resume_collection()
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
    from turmeric.serialize.blobs import collect_garbage   # start-up: the blob store (msgpack) loads only here
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

