"""The terminal front end of the REPL (prompt_toolkit): highlighting, indentation, completion,
key bindings, history. Only `turmeric repl` in a terminal loads it."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import Completer, Completion
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.layout.processors import HighlightMatchingBracketProcessor
from prompt_toolkit.lexers import Lexer
from prompt_toolkit.styles import Style

from turmeric.analyzer.analyzer import CLOJURE_NAMESPACES, CLOJURE_STRING_ALIASES, CLOJURE_STRING_NAMES
from turmeric.repl.commands import COMMANDS, special_forms
from turmeric.repl.input import INCOMPLETE, input_status
from turmeric.repl.state import USER, Quit

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


def names_in_scope(session, word: str = "") -> dict[str, str]:
    """Every name input can use now -> what it is (for completion). For a `word` such as
    `str/jo`, whose alias is one of the Clojure namespaces the analyzer maps to the core
    (`str`, `clojure.string`, ...) or `core`, also `alias/name` for each core name."""
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
    alias = word.split("/", 1)[0] if "/" in word else None
    if alias is not None and (mod is None or alias not in mod.imports) and \
            (alias in CLOJURE_NAMESPACES or alias == "core"):
        renamed = {core: member for member, core in CLOJURE_STRING_NAMES.items()} \
            if alias in CLOJURE_STRING_ALIASES else {}
        for name in session.core:
            if not name.startswith("%"):
                out[f"{alias}/{renamed.get(name, name)}"] = "core"
    return out


def _ui_classes():
    """The prompt_toolkit classes of the front end."""
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
                    for name in sorted(COMMANDS):
                        if (":" + name).startswith(word):
                            yield Completion(":" + name, -len(word),
                                             display_meta=COMMANDS[name].summary)
                return
            if not word or word[0] in "'#":
                return
            names = names_in_scope(self.get_session(), word)
            for name in sorted(names):
                if name.startswith(word) and name != word:
                    yield Completion(name, -len(word), display_meta=names[name])

    return TurmericLexer, TurmericCompleter


def key_bindings():
    """Enter submits complete input and opens a new line otherwise; Esc Enter always opens a
    new line."""
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
    return Style.from_dict({
        "tm.comment": "ansibrightblack italic", "tm.string": "ansigreen",
        "tm.keyword": "ansimagenta", "tm.number": "ansicyan", "tm.constant": "ansicyan",
        "tm.special": "ansiblue bold", "tm.prefix": "ansiyellow", "tm.result": "ansiyellow",
        "tm.error": "ansired",
        "matching-bracket.cursor": "bold reverse", "matching-bracket.other": "bold reverse",
    })


# -- the front ends ---------------------------------------------------------------------------

def history_path() -> Path:
    """$XDG_DATA_HOME/turmeric/history, or ~/.local/share/turmeric/history."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                           "share")
    return Path(base) / "turmeric" / "history"


def run_interactive(repl) -> int:
    """The terminal front end: prompt_toolkit with highlighting, completion, history."""
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


