"""When REPL input is complete: a command, or forms whose brackets and strings are closed."""
from __future__ import annotations

import re

from turmeric.data.errors import TurmericError
from turmeric.reader.reader import read_string
from turmeric.repl.commands import COMMANDS

EMPTY, COMPLETE, INCOMPLETE = "empty", "complete", "incomplete"


def form_status(text: str) -> str:
    """EMPTY (nothing but blanks), INCOMPLETE (a bracket or string is still open) or
    COMPLETE (ready to evaluate, including text with a syntax error to show)."""
    if not text.strip():
        return EMPTY
    try:
        read_string(text, "<input>")
    except TurmericError as e:
        if e.kind == "syntax" and "unclosed" in e.message:
            return INCOMPLETE
    return COMPLETE


def split_command(text: str) -> tuple[str, str] | None:
    """(name, argument text) if `text` is a REPL command such as `:doc map`, else None. Only
    the known command names are commands: any other `:word` is a keyword to evaluate."""
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
    name, arg = cmd
    if COMMANDS[name].takes_expr and form_status(arg) == INCOMPLETE:
        return INCOMPLETE
    return COMPLETE
