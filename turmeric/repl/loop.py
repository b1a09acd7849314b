"""`turmeric repl`: an interactive session whose state is plain data.

    Repl(session, state).handle(text)   one input: a command (:help) or Turmeric forms
    run_interactive(repl)               prompt_toolkit front end (a terminal)
    run_piped(repl, stream)             line-oriented front end (a pipe, a script)
    main(restore=None)                  what `turmeric repl [--restore PATH]` runs

Everything the REPL itself remembers is in a `ReplState` (the numbered results `$1`, `$2`,
... and the source text of every evaluated input, in order), so that the whole session can
be saved and restored (repl/state.py, repl/session_file.py). A numbered result is also a global of the
module `user`, named `$N`, so later input can refer to it.

Each evaluated input is its own source file `<repl-N>` (N: its index in `state.inputs`,
from 1), so an error in a function defined by an earlier input still shows that input's
line.

The commands (:help, :doc, :time, ...) are in repl/commands.py; the terminal front end in
repl/ui.py.
"""
from __future__ import annotations

import sys
import traceback
from typing import Any, Callable, TextIO

from turmeric.data.errors import TurmericError, debug_enabled, format_error
from turmeric.runtime.lazy import repl_text
from turmeric.reader.reader import read_string
from turmeric.repl.commands import COMMANDS, load_repl_state, report_unsaved
from turmeric.repl.input import INCOMPLETE, input_status, split_command
from turmeric.repl.state import USER, Quit, ReplState, install_result, user_module
from turmeric.runtime.builtins.io import TurmericExit
from turmeric.session.session import Session


# -- output -----------------------------------------------------------------------------------

class TrackingStream:
    """Wraps a text stream to remember whether the last character written ended a line, so
    that a result is never printed after `(print "no newline")` on the same line."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.at_line_start = True

    def write(self, s: str) -> int:
        if s:
            self.at_line_start = s.endswith("\n")
        return self.stream.write(s)

    def __getattr__(self, name):
        return getattr(self.stream, name)


# -- the REPL ---------------------------------------------------------------------------------

class Repl:
    """One REPL: a session, its ReplState, and where output goes. `handle(text)` runs one
    complete input; the front ends only read input and call it."""

    def __init__(self, session=None, state: ReplState | None = None, *,
                 interactive: bool = False, out: TextIO | None = None,
                 err: TextIO | None = None):
        if session is None:
            session = Session()
        self.session = session
        self.state = state if state is not None else ReplState()
        self.state.install(session)
        user_module(session)
        self.interactive = interactive
        self._out = out
        self._err = err
        self.failures = 0  # inputs that ended in an error (piped mode's exit code)

    @property
    def out(self) -> TextIO:
        return self._out if self._out is not None else sys.stdout

    @property
    def err(self) -> TextIO:
        return self._err if self._err is not None else sys.stderr

    # -- output helpers ------------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def complain(self, text: str) -> None:
        """An error message: to stderr, after whatever is pending on stdout."""
        self.out.flush()
        self.err.write(text + "\n")
        self.err.flush()

    def show_error(self, e: BaseException, sources: dict | None = None) -> None:
        self.failures += 1
        if isinstance(e, TurmericError):
            self.complain(format_error(e, {**self.session.sources, **(sources or {})}))
            return
        if debug_enabled():
            self.complain("".join(traceback.format_exception(e)).rstrip())
        self.complain(f"error[internal]: {type(e).__name__}: {e}\nThis is a bug in Turmeric; "
                      "TURMERIC_DEBUG=1 shows the Python traceback.")

    def print_result(self, n: int, value) -> None:
        text = repl_text(value)   # a lazy sequence: its first 100 items (runtime/lazy.py)
        self.say(f"${n} = {text}" if self.interactive else text)

    # -- evaluating ----------------------------------------------------------------------------

    def record(self, value) -> int:
        """Number a result: $N in the state and as a global of `user`."""
        self.state.counter += 1
        n = self.state.counter
        self.state.results[n] = value
        install_result(self.session, n, value)
        return n

    def evaluate(self, text: str, on_value: Callable[[Any], None] | None = None) -> bool:
        """Evaluate the forms of `text` in the module `user`. Each result is numbered and
        printed (or handed to on_value instead). True if it ran without an error."""
        file = ReplState.input_file(len(self.state.inputs) + 1)
        try:
            if not read_string(text, file):
                return True  # only comments: nothing to evaluate or remember
        except TurmericError as e:  # unreadable: nothing ran, so nothing to remember
            self.show_error(e, {file: text})
            return False
        self.state.inputs.append(text)

        def each(value):
            if on_value is not None:
                on_value(value)
                return
            n = self.record(value)
            if not tracking.at_line_start:
                tracking.write("\n")
            self.print_result(n, value)

        saved = sys.stdout
        tracking = TrackingStream(saved)
        sys.stdout = tracking
        try:
            self.session.eval_string(text, module=USER, file=file, on_result=each)
            return True
        except KeyboardInterrupt:
            self.end_line(tracking)
            self.complain("interrupted")
            self.failures += 1
            return False
        except TurmericError as e:
            self.end_line(tracking)
            self.show_error(e)
            return False
        except Exception as e:  # noqa: BLE001 - a Turmeric bug: say so, keep the session
            self.end_line(tracking)
            self.show_error(e)
            return False
        finally:
            sys.stdout = saved
            self.end_line(tracking)
            saved.flush()

    @staticmethod
    def end_line(tracking: TrackingStream) -> None:
        if not tracking.at_line_start:
            tracking.write("\n")

    def handle(self, text: str) -> None:
        """Run one complete input. Raises Quit to leave the REPL."""
        if not text.strip():
            return
        cmd = split_command(text)
        try:
            if cmd is not None:
                name, arg = cmd
                COMMANDS[name].run(self, arg)
            else:
                self.evaluate(text)
        except TurmericExit as e:
            raise Quit(e.code) from None

    # -- replacing the session (:restore) -------------------------------------------------------

    def replace(self, session, state: ReplState) -> None:
        self.session = session
        self.state = state
        state.install(session)
        user_module(session)


def run_piped(repl: Repl, stream: TextIO) -> int:
    """Read lines, gather them until they make complete input, run it. No prompts. The exit
    code is 0, or 1 if any input ended in an error (so that scripts can check)."""
    pending = ""
    try:
        for line in stream:
            pending += line
            if input_status(pending) == INCOMPLETE:
                continue
            text, pending = pending, ""
            repl.handle(text)
        if pending.strip():
            repl.handle(pending)  # still open at the end: shows the syntax error
    except Quit as q:
        return q.code if q.code else (1 if repl.failures else 0)
    except KeyboardInterrupt:
        repl.complain("interrupted")
        return 130
    return 1 if repl.failures else 0


def main(restore: str | None = None, stdin: TextIO | None = None) -> int:
    """`turmeric repl`: interactive on a terminal, line-oriented otherwise."""
    stdin = stdin if stdin is not None else sys.stdin
    interactive = stdin.isatty() and sys.stdout.isatty()
    if restore is not None:
        session, state, unsaved = load_repl_state(restore)
        repl = Repl(session, state, interactive=interactive)
        report_unsaved(repl, "not restored", unsaved)
    else:
        repl = Repl(interactive=interactive)
    if interactive:
        from turmeric.repl.ui import run_interactive   # start-up: prompt_toolkit takes ~60 ms to import
        return run_interactive(repl)
    return run_piped(repl, stdin)


