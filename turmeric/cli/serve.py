"""`turmeric serve APP.tm`: an app's pages as web continuations, through waitress (spec/web.md,
spec/cli.md). The arguments are declared here with argparse only; waitress and the web package
load when the command runs, so the rest of the command line does not pay for them."""
from __future__ import annotations

import os
import sys

from turmeric.data.errors import TurmericError

DEFAULT_PORT = 8000
DEFAULT_HOST = "127.0.0.1"
DEFAULT_SESSION = 12 * 3600.0    # turmeric/web/auth.py's, which loads only when the command runs


def add_parser(sub):
    p = sub.add_parser("serve", help="serve a web app (its start function) through waitress")
    p.add_argument("file", nargs="?", help="the app: a .tm file that defines (defn start [req] ...)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT}; 0: any free one)")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    p.add_argument("--store", metavar="URL", help="the store of parked pages (default TURMERIC_STORE or turmeric.db)")
    p.add_argument("--stateless", action="store_true", help="pages travel in signed tokens, not in the store")
    p.add_argument("--key-file", metavar="F", help="with --stateless: lines `KEY-ID SECRET`; the first signs")
    p.add_argument("--expires", type=float, default=3600.0, metavar="SECONDS",
                   help="how long a page can be submitted (default 3600)")
    p.add_argument("--max-token", type=int, default=3000, metavar="CHARS",
                   help="with --stateless: longer tokens fall back to the store (default 3000)")
    p.add_argument("--threads", type=int, default=8, help="waitress's threads (default 8)")
    p.add_argument("--request-timeout", type=float, default=30.0, metavar="SECONDS",
                   help="answer 503 for a request whose Turmeric code runs longer (default 30; 0: no limit)")
    p.add_argument("--dashboard", action="store_true", help="also serve the workflow dashboard at /dashboard/, "
                   "behind a login (the token: --dashboard-token-file or TURMERIC_DASHBOARD_TOKEN; on loopback "
                   "without one, a token made for this run is printed to standard error)")
    p.add_argument("--dashboard-token-file", metavar="F",
                   help="with --dashboard: the login token is F's first line (at least 16 characters)")
    p.add_argument("--dashboard-session", type=float, default=DEFAULT_SESSION, metavar="SECONDS",
                   help=f"with --dashboard: how long a login lasts (default {int(DEFAULT_SESSION)})")
    p.add_argument("--trust-proxy", metavar="ADDR",
                   help="requests from ADDR (a reverse proxy; * for any) are taken to come from its "
                        "X-Forwarded-For and over its X-Forwarded-Proto")
    p.add_argument("--quiet", action="store_true", help="no access log")


def stderr_log(line: str):
    print(line, file=sys.stderr, flush=True)


class Mount:
    """/dashboard/... to the dashboard, everything else to the app."""

    def __init__(self, app, prefix: str, other):
        self.app, self.prefix, self.other = app, prefix, other

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == self.prefix:     # to PREFIX/, where the dashboard's cookie (Path=PREFIX/) is sent
            query = environ.get("QUERY_STRING", "")
            location = environ.get("SCRIPT_NAME", "") + self.prefix + "/" + ("?" + query if query else "")
            start_response("308 Permanent Redirect", [("Location", location), ("Content-Length", "0")])
            return [b""]
        if path.startswith(self.prefix + "/"):
            environ = dict(environ, SCRIPT_NAME=environ.get("SCRIPT_NAME", "") + self.prefix,
                           PATH_INFO=path[len(self.prefix):] or "/")
            return self.other(environ, start_response)
        if self.app is None:
            start_response("302 Found", [("Location", self.prefix + "/"), ("Content-Length", "0")])
            return [b""]
        return self.app(environ, start_response)


def run(args) -> int:
    # start-up: waitress and the web package (~30 ms) load only for `turmeric serve`
    from waitress import create_server
    from turmeric.web.app import AccessLog, app_for   # start-up: as above
    from turmeric.workflow.stores import store_url    # start-up: as above
    if args.file is None and not args.dashboard:
        raise TurmericError("usage", "turmeric serve: give the app's FILE (or --dashboard)")
    if args.stateless and not args.key_file:
        raise TurmericError("usage", "turmeric serve --stateless needs --key-file F",
                            hint="F holds lines `KEY-ID SECRET`, the first one signs; e.g. "
                                 "echo \"k1 $(python3 -c 'import secrets; print(secrets.token_hex(32))')\" > keys")
    if args.key_file and not args.stateless:
        raise TurmericError("usage", "turmeric serve: --key-file is for --stateless")
    if not 0 <= args.port <= 65535:
        raise TurmericError("usage", f"turmeric serve: --port {args.port} is not a TCP port")
    if args.expires <= 0 or args.max_token < 0 or args.threads < 1 or args.request_timeout < 0:
        raise TurmericError("usage", "turmeric serve: --expires and --threads must be positive, "
                                     "--max-token and --request-timeout >= 0")
    if not args.dashboard and (args.dashboard_token_file is not None or args.dashboard_session != DEFAULT_SESSION):
        raise TurmericError("usage", "turmeric serve: --dashboard-token-file and --dashboard-session are for --dashboard")
    if not args.dashboard_session >= 1:
        raise TurmericError("usage", "turmeric serve: --dashboard-session is at least 1 (second)")
    made_token = None
    if args.dashboard:
        from turmeric.web import auth   # start-up: only with --dashboard, as below
        token = auth.configured_token(token_file=args.dashboard_token_file)
        if args.dashboard_token_file is not None and os.stat(args.dashboard_token_file).st_mode & 0o077:
            print(f"turmeric serve: warning: the dashboard token file {args.dashboard_token_file} can be read "
                  f"by other users (chmod 600 it)", file=sys.stderr, flush=True)
        if token is None:
            if not auth.is_loopback(args.host):
                raise TurmericError(
                    "usage", f"turmeric serve --dashboard on {args.host} needs a login token",
                    hint="put a secret in a file and pass --dashboard-token-file F, or set "
                         f"{auth.ENV_TOKEN}; e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))' "
                         "> token && chmod 600 token (on 127.0.0.1 a token is made for each run)")
            token = made_token = auth.new_token()
    app = None
    if args.file is not None:
        app = app_for(args.file, store=args.store, stateless=args.stateless, key_file=args.key_file,
                      expires=args.expires, max_token=args.max_token, request_timeout=args.request_timeout)
    wsgi = app
    if args.dashboard:
        from turmeric.web import dashboard   # start-up: only with --dashboard (another module's)
        # the proxy's headers are waitress's to translate (--trust-proxy), not the dashboard's
        wsgi = Mount(app, "/dashboard", dashboard.dashboard_app(store_url(args.store), token,
                                                                session_seconds=args.dashboard_session))
    if not args.quiet:
        wsgi = AccessLog(wsgi, stderr_log)
    proxy = {}
    if args.trust_proxy:
        proxy = dict(trusted_proxy=args.trust_proxy, trusted_proxy_count=1,
                     trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto"})
    try:
        server = create_server(wsgi, host=args.host, port=args.port, threads=args.threads,
                               ident="turmeric", clear_untrusted_proxy_headers=True, **proxy)
    except OSError as e:
        raise TurmericError("io", f"turmeric serve: cannot listen on {args.host}:{args.port}: {e.strerror}") from None
    what = args.file or "the dashboard"
    print(f"turmeric serve: {what} on http://{args.host}:{server.effective_port}/ "
          f"({'stateless' if args.stateless else 'stateful'} pages)", flush=True)
    if made_token is not None:
        host = f"[{args.host}]" if ":" in args.host else args.host
        login = f"http://{host}:{server.effective_port}/dashboard/login?token={made_token}"
        print(f"turmeric serve: no dashboard token was given; this run's is {made_token}\n"
              f"turmeric serve: log in to the dashboard at {login}", file=sys.stderr, flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0
