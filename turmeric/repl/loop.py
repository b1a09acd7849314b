"""`turmeric repl`: an interactive session whose state is plain data.

    Repl(session, state).handle(text)   one input: a command (:help) or Turmeric forms
    run_interactive(repl)               prompt_toolkit front end (a terminal)
    run_piped(repl, stream)             line-oriented front end (a pipe, a script)
    main(restore=None)                  what `turmeric repl [--restore PATH]` runs

Everything the REPL itself remembers is in a `ReplState` (the numbered results `$1`, `$2`,
... and the source text of every evaluated input, in order), so that the whole session can
be saved and restored (turmeric/repl_state.py). A numbered result is also a global of the
module `user`, named `$N`, so later input can refer to it.

Each evaluated input is its own source file `<repl-N>` (N: its index in `state.inputs`,
from 1), so an error in a function defined by an earlier input still shows that input's
line.

The commands (:help, :doc, :time, ...) are in turmeric/repl_commands.py.
"""
from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TextIO

from turmeric.data.errors import TurmericError, debug_enabled, format_error
from turmeric.data.names import mangle

USER = "user"


# -- the REPL's own state -------------------------------------------------------------------

@dataclass
class ReplState:
    """What the REPL remembers besides the session: plain data, to be serialized."""
    counter: int = 0                                          # the number of the last result
    results: dict[int, Any] = field(default_factory=dict)    # N -> the value of $N
    inputs: list[str] = field(default_factory=list)          # evaluated source texts, in order

    @staticmethod
    def input_file(index: int) -> str:
        """The source file name of the input `inputs[index - 1]`."""
        return f"<repl-{index}>"

    def install(self, session) -> None:
        """Make the session agree with this state: every $N a global of `user`, every input's
        text known to the session (for the source lines of error messages)."""
        for n, value in self.results.items():
            install_result(session, n, value)
        for i, text in enumerate(self.inputs, 1):
            session.sources.setdefault(self.input_file(i), text)


def user_module(session):
    """The module `user`, created (empty) if no input made it yet."""
    return session.scratch_module(USER)


def install_result(session, n: int, value) -> None:
    """Define the global `$n` of the module `user` as `value`."""
    mod = user_module(session)
    name = f"${n}"
    mod.ns["g_" + mangle(name)] = value
    mod.globals.add(name)


# -- reading input ----------------------------------------------------------------------------

EMPTY, COMPLETE, INCOMPLETE = "empty", "complete", "incomplete"


def form_status(text: str) -> str:
    """EMPTY (nothing but blanks), INCOMPLETE (a bracket or string is still open) or
    COMPLETE (ready to evaluate, including text with a syntax error to show)."""
    if not text.strip():
        return EMPTY
    from turmeric.reader.reader import read_string
    try:
        read_string(text, "<input>")
    except TurmericError as e:
        if e.kind == "syntax" and "unclosed" in e.message:
            return INCOMPLETE
    return COMPLETE


def split_command(text: str) -> tuple[str, str] | None:
    """(name, argument text) if `text` is a REPL command such as `:doc map`, else None. Only
    the known command names are commands: any other `:word` is a keyword to evaluate."""
    from turmeric.repl.commands import COMMANDS
    m = re.match(r"\s*:([A-Za-z][\w-]*)(?=\s|$)", text)
    if m is None or m.group(1) not in COMMANDS:
        return None
    return m.group(1), text[m.end():].strip()


def input_status(text: str) -> str:
    """form_status for REPL input: a command is complete unless it takes an expression that
    is still open (`:time (loop [i 0]`)."""
    cmd = split_command(text)
    if cmd is None:
        return form_status(text)
    from turmeric.repl.commands import COMMANDS
    name, arg = cmd
    if COMMANDS[name].takes_expr and form_status(arg) == INCOMPLETE:
        return INCOMPLETE
    return COMPLETE


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


class Quit(Exception):
    """Leave the REPL with `code`."""

    def __init__(self, code: int = 0):
        super().__init__(code)
        self.code = code


# -- the REPL ---------------------------------------------------------------------------------

class Repl:
    """One REPL: a session, its ReplState, and where output goes. `handle(text)` runs one
    complete input; the front ends only read input and call it."""

    def __init__(self, session=None, state: ReplState | None = None, *,
                 interactive: bool = False, out: TextIO | None = None,
                 err: TextIO | None = None):
        if session is None:
            from turmeric.session.session import Session
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
            import traceback
            self.complain("".join(traceback.format_exception(e)).rstrip())
        self.complain(f"error[internal]: {type(e).__name__}: {e}\nThis is a bug in Turmeric; "
                      "TURMERIC_DEBUG=1 shows the Python traceback.")

    def print_result(self, n: int, value) -> None:
        from turmeric.data.printer import pr_str
        text = pr_str(value)
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
        from turmeric.reader.reader import read_string
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
        from turmeric.runtime.builtins.io import TurmericExit
        if not text.strip():
            return
        cmd = split_command(text)
        try:
            if cmd is not None:
                from turmeric.repl.commands import COMMANDS
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


# -- the terminal UI: highlighting, completion, keys --------------------------------------------

_NOT_DELIM = r"[^\s,()\[\]{}\";`~@]"
_TOKEN = re.compile("|".join([
    r"(?P<comment>;[^\n]*)",
    r'(?P<string>"(?:[^"\\]|\\.)*(?:"|\\?\Z))',
    r"(?P<ws>[\s,]+)",
    r"(?P<open>#\{|[(\[{])",
    r"(?P<close>[)\]}])",
    r"(?P<prefix>~@|#_|['`~@])",
    r"(?P<keyword>:" + _NOT_DELIM + "+)",
    r"(?P<number>(?:[+-]?(?:0[xX][0-9a-fA-F]+|[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)"
    r"|##-?Inf|##NaN)(?!" + _NOT_DELIM + "))",
    r"(?P<atom>" + _NOT_DELIM + "+)",
    r"(?P<other>.)",
]), re.S)
_CONSTANTS = frozenset({"nil", "true", "false", "#t", "#f"})


def special_forms() -> frozenset:
    """The names the compiler treats specially at the head of a list."""
    from turmeric.expander.expander import CORE_FORMS, Expander
    names = set(CORE_FORMS) | {"recur", "catch"}
    try:
        names |= set(Expander(None).derived)
    except Exception:  # noqa: BLE001 - only for highlighting and completion
        pass
    return frozenset(n for n in names if not n.startswith("%"))


def tokens(text: str):
    """(kind, start, end) for each token of `text`; never fails (for the editor)."""
    specials = _special_names()
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "atom":
            word = m.group()
            if word in _CONSTANTS:
                kind = "constant"
            elif word in specials:
                kind = "special"
            elif re.fullmatch(r"\$[0-9]+", word):
                kind = "result"
        yield kind, m.start(), m.end()


_SPECIALS: frozenset | None = None


def _special_names() -> frozenset:
    global _SPECIALS
    if _SPECIALS is None:
        _SPECIALS = special_forms()
    return _SPECIALS


_TOKEN_STYLES = {
    "comment": "class:tm.comment", "string": "class:tm.string", "keyword": "class:tm.keyword",
    "number": "class:tm.number", "constant": "class:tm.constant", "special": "class:tm.special",
    "open": "class:tm.bracket", "close": "class:tm.bracket", "prefix": "class:tm.prefix",
    "result": "class:tm.result", "other": "class:tm.error",
}


def highlight_lines(text: str) -> list[list[tuple[str, str]]]:
    """The prompt_toolkit fragments of each line of `text`."""
    lines: list[list[tuple[str, str]]] = [[]]
    for kind, start, end in tokens(text):
        style = _TOKEN_STYLES.get(kind, "")
        parts = text[start:end].split("\n")
        for i, part in enumerate(parts):
            if i:
                lines.append([])
            if part:
                lines[-1].append((style, part))
    return lines


def indent_after(text: str) -> int:
    """How far to indent a new line after `text`: past the innermost open bracket (two more
    for a list, one for a vector, map or set), or not at all."""
    stack: list[tuple[str, int]] = []
    for kind, start, end in tokens(text):
        if kind == "open":
            col = start - (text.rfind("\n", 0, start) + 1)
            stack.append((text[start:end], col))
        elif kind == "close" and stack:
            stack.pop()
    if not stack:
        return 0
    opener, col = stack[-1]
    return col + (2 if opener == "(" else len(opener))


def names_in_scope(session) -> dict[str, str]:
    """Every name input can use now -> what it is (for completion)."""
    out: dict[str, str] = {}
    for name in session.core:
        if not name.startswith("%"):
            out[name] = "core"
    for name in session.core_macros:
        out[name] = "core macro"
    for name in _special_names():
        out[name] = "special form"
    mod = session.modules.get(USER)
    if mod is not None:
        for name in mod.globals:
            out[name] = "result" if re.fullmatch(r"\$[0-9]+", name) else "user"
        for name in mod.macros:
            out[name] = "user macro"
        for alias, target in mod.imports.items():
            other = session.modules.get(target)
            if other is None:
                continue
            for name in other.globals:
                out[f"{alias}/{name}"] = target
            for name in other.macros:
                out[f"{alias}/{name}"] = f"{target} macro"
    return out


def _ui_classes():
    """The prompt_toolkit classes, defined on first use (prompt_toolkit loads lazily)."""
    from prompt_toolkit.completion import Completer, Completion
    from prompt_toolkit.lexers import Lexer

    class TurmericLexer(Lexer):
        def lex_document(self, document):
            lines = highlight_lines(document.text)
            return lambda i: lines[i] if i < len(lines) else []

    class TurmericCompleter(Completer):
        """Names in scope; REPL commands at the start of the input."""

        def __init__(self, get_session: Callable):
            self.get_session = get_session

        def get_completions(self, document, complete_event):
            before = document.text_before_cursor
            word = re.search(_NOT_DELIM + "*$", before).group()
            if word.startswith(":"):
                if before.strip() == word:
                    from turmeric.repl.commands import COMMANDS
                    for name in sorted(COMMANDS):
                        if (":" + name).startswith(word):
                            yield Completion(":" + name, -len(word),
                                             display_meta=COMMANDS[name].summary)
                return
            if not word or word[0] in "'#":
                return
            names = names_in_scope(self.get_session())
            for name in sorted(names):
                if name.startswith(word) and name != word:
                    yield Completion(name, -len(word), display_meta=names[name])

    return TurmericLexer, TurmericCompleter


def key_bindings():
    """Enter submits complete input and opens a new line otherwise; Esc Enter always opens a
    new line."""
    from prompt_toolkit.key_binding import KeyBindings
    kb = KeyBindings()

    def newline(buf):
        buf.insert_text("\n" + " " * indent_after(buf.document.text_before_cursor))

    @kb.add("enter")
    def _enter(event):
        buf = event.current_buffer
        state = buf.complete_state
        if state is not None and state.current_completion is not None:
            buf.complete_state = None  # Enter picks the completion shown
            return
        if input_status(buf.text) == INCOMPLETE:
            newline(buf)
        else:
            buf.validate_and_handle()

    @kb.add("escape", "enter")
    def _newline(event):
        newline(event.current_buffer)

    return kb


def style():
    from prompt_toolkit.styles import Style
    return Style.from_dict({
        "tm.comment": "ansibrightblack italic", "tm.string": "ansigreen",
        "tm.keyword": "ansimagenta", "tm.number": "ansicyan", "tm.constant": "ansicyan",
        "tm.special": "ansiblue bold", "tm.prefix": "ansiyellow", "tm.result": "ansiyellow",
        "tm.error": "ansired",
        "matching-bracket.cursor": "bold reverse", "matching-bracket.other": "bold reverse",
    })


# -- the front ends ---------------------------------------------------------------------------

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


def history_path() -> Path:
    """$XDG_DATA_HOME/turmeric/history, or ~/.local/share/turmeric/history."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                           "share")
    return Path(base) / "turmeric" / "history"


def run_interactive(repl: Repl) -> int:
    """The terminal front end: prompt_toolkit with highlighting, completion, history."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
    from prompt_toolkit.history import FileHistory, InMemoryHistory
    from prompt_toolkit.layout.processors import HighlightMatchingBracketProcessor

    path = history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
        history = FileHistory(str(path))
    except OSError:
        history = InMemoryHistory()
    prompt = f"{USER}=> "

    def continuation(width, line_number, wrap_count):
        return " " * max(width - 4, 0) + "... "

    TurmericLexer, TurmericCompleter = _ui_classes()
    ps = PromptSession(
        message=prompt, multiline=True, history=history, lexer=TurmericLexer(),
        completer=TurmericCompleter(lambda: repl.session), complete_while_typing=False,
        auto_suggest=AutoSuggestFromHistory(), key_bindings=key_bindings(),
        prompt_continuation=continuation, style=style(), include_default_pygments_style=False,
        input_processors=[HighlightMatchingBracketProcessor(chars="()[]{}")],
    )
    repl.say("Turmeric REPL. :help for help, Ctrl-D to quit.")
    while True:
        try:
            try:
                text = ps.prompt()
            except KeyboardInterrupt:
                continue  # Ctrl-C at the prompt: drop the input
            except EOFError:
                return 0
            repl.handle(text)
        except Quit as q:
            return q.code
        except KeyboardInterrupt:
            repl.complain("interrupted")


def main(restore: str | None = None, stdin: TextIO | None = None) -> int:
    """`turmeric repl`: interactive on a terminal, line-oriented otherwise."""
    stdin = stdin if stdin is not None else sys.stdin
    interactive = stdin.isatty() and sys.stdout.isatty()
    if restore is not None:
        from turmeric.repl.commands import load_repl_state, report_unsaved
        session, state, unsaved = load_repl_state(restore)
        repl = Repl(session, state, interactive=interactive)
        report_unsaved(repl, "not restored", unsaved)
    else:
        repl = Repl(interactive=interactive)
    if interactive:
        return run_interactive(repl)
    return run_piped(repl, stdin)


def elapsed_text(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.3f} s"


def clock() -> float:
    return time.perf_counter()
