"""The command lines of `turmeric workflow ...` and `turmeric worker`, apart from what they do
(cli/workflow.py), so that building the parser loads no workflow engine."""
from __future__ import annotations

from turmeric.workflow.defaults import DEFAULT_LEASE, STATUSES


def add_parsers(sub):
    """The subcommands, on the main parser's subparsers."""
    common = dict(help="the store: a SQLite file or a postgresql:// URL (default TURMERIC_STORE, else turmeric.db)")
    p_wf = sub.add_parser("workflow", help="durable workflows: start, send, list, show, cancel, fork, edit, upgrade, clock, gc")
    wsub = p_wf.add_subparsers(dest="wf_command", required=True)

    p = wsub.add_parser("start", help="create a workflow running FN of FILE and run it here until it parks or ends")
    p.add_argument("file")
    p.add_argument("fn")
    p.add_argument("args", nargs="*", help="the arguments, Turmeric literals")
    p.add_argument("--id", dest="wf_id", help="the workflow's id (default: a new random one)")
    p.add_argument("--lease", type=float, default=DEFAULT_LEASE, metavar="SECONDS")
    p.add_argument("--detach", action="store_true", help="only record the workflow: a worker runs it")
    p.add_argument("--store", **common)

    p = wsub.add_parser("send", help="send a message to a workflow")
    p.add_argument("wf_id", metavar="id")
    p.add_argument("topic")
    p.add_argument("value", help="a Turmeric literal")
    p.add_argument("--message-id", help="deliver a message with this id once, however often it is sent")
    p.add_argument("--store", **common)

    p = wsub.add_parser("list", help="list the workflows of the store")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--store", **common)

    p = wsub.add_parser("show", help="a workflow's status, what it waits for, its steps and parked frames")
    p.add_argument("wf_id", metavar="id")
    p.add_argument("--json", action="store_true", help="print JSON for tools")
    p.add_argument("--store", **common)

    p = wsub.add_parser("cancel", help="cancel a workflow")
    p.add_argument("wf_id", metavar="id")
    p.add_argument("--store", **common)

    p = wsub.add_parser("fork", help="copy a parked workflow")
    p.add_argument("wf_id", metavar="id")
    p.add_argument("--id", dest="new_id", required=True, help="the id of the copy")
    p.add_argument("--store", **common)

    p = wsub.add_parser("edit", help="change a variable of a parked workflow's frame")
    p.add_argument("wf_id", metavar="id")
    p.add_argument("frame", type=int, help="the frame's number, as workflow show prints it")
    p.add_argument("var")
    p.add_argument("expr", help="a Turmeric expression: the variable's new value")
    p.add_argument("--store", **common)

    p = wsub.add_parser("upgrade", help="move parked workflows onto changed code (as resume --upgrade)")
    p.add_argument("ids", nargs="*", metavar="id", help="the workflows to upgrade")
    p.add_argument("--all", action="store_true", help="every parked workflow of the store")
    p.add_argument("--json", action="store_true", help="print JSON for tools")
    p.add_argument("--store", **common)

    p = wsub.add_parser("clock", help="show the workflows' clock, or move it ahead")
    p.add_argument("--advance", metavar="DURATION", help="seconds, or a number with s, m, h or d (30d)")
    p.add_argument("--store", **common)

    p = wsub.add_parser("gc", help="remove the chunks of large values that nothing stored names any more")
    p.add_argument("--dry-run", action="store_true", help="say what would be removed, remove nothing")
    p.add_argument("--store", **common)

    p = sub.add_parser("worker", help="run the runnable workflows of a store")
    p.add_argument("--store", **common)
    p.add_argument("--lease", type=float, default=DEFAULT_LEASE, metavar="SECONDS",
                   help="how long a claim holds without a commit (default 30)")
    p.add_argument("--drain", action="store_true",
                   help="exit once no workflow is runnable, held under a lease, or waiting for a timer")
    p.add_argument("--skip-time", action="store_true",
                   help="when only timers are left, move the store's clock to the next one")
    p.add_argument("--poll", type=float, default=0.1, metavar="SECONDS", help="the longest wait between looks")
    p.add_argument("--step-timeout", metavar="DURATION",
                   help="fail a workflow whose code runs this long without a commit (seconds, or 30s, 10m, 2h)")
    p.add_argument("--no-notify", action="store_true",
                   help="PostgreSQL: poll instead of waiting for LISTEN/NOTIFY (as on SQLite)")
