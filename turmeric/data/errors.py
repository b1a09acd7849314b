"""The two error families: TurmericError for the user's mistakes, InternalError for ours.

A TurmericError has a kind (one of ERROR_KINDS), a message, the span where it happened, an
optional hint and the Turmeric call stack. `format_error` is the single format every user sees:

    file:line:col: error[kind]: message
       12 |   (foo x y)
          |   ^
    hint: ...
    Turmeric call stack (most recent call last):
      main.run  at file:3:1
      main.foo  at file:12:3
"""
from __future__ import annotations

import os
from typing import Any

from turmeric.data.span import Span

# kind -> process exit code used by `turmeric run` when the error is not caught
ERROR_KINDS = {
    "syntax": 65,          # the reader could not read the source
    "compile": 65,         # a malformed special form, bad macro use, bad pattern
    "unbound": 1,          # an unbound name
    "arity": 1,            # wrong number of arguments
    "type": 1,             # an operation got a value of the wrong type
    "value": 1,            # a value out of range (index, division by zero, bad argument)
    "thrown": 1,           # an uncaught (throw v)
    "io": 74,              # a file or socket operation failed
    "serialize": 1,        # a value that cannot be serialized
    "deserialize": 65,     # corrupt, truncated, foreign or tampered bytes
    "schema-mismatch": 1,  # a saved continuation names code that changed or is gone
    "control": 1,          # a capture with no prompt, or across a builtin that cannot resume
    "module": 66,          # a module that cannot be found
    "no-input": 66,        # the program or checkpoint file named on the command line is missing
    "usage": 64,           # the command line was wrong
}


class TurmericError(Exception):
    """An error in the user's program or input. `value` is what (catch [e]) binds."""

    def __init__(self, kind: str, message: str, span: Span | None = None,
                 hint: str | None = None, value: Any = None):
        super().__init__(message)
        assert kind in ERROR_KINDS, kind
        self.kind = kind
        self.message = message
        self.span = span
        self.hint = hint
        self.value = value
        self.tstack: list[tuple[str, Span | None]] = []

    @property
    def exit_code(self) -> int:
        return ERROR_KINDS[self.kind]

    def __str__(self):
        return format_error(self)


class InternalError(Exception):
    """A bug in Turmeric itself, never the user's fault."""


def source_line(span: Span | None, sources: dict[str, str] | None = None) -> str | None:
    if span is None or span.line <= 0:
        return None
    text = (sources or {}).get(span.file)
    if text is None:
        try:
            with open(span.file, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError):
            return None
    lines = text.splitlines()
    if span.line - 1 < len(lines):
        return lines[span.line - 1]
    return None


def format_error(err: TurmericError, sources: dict[str, str] | None = None) -> str:
    where = f"{err.span}: " if err.span is not None and err.span.line > 0 else ""
    out = [f"{where}error[{err.kind}]: {err.message}"]
    line = source_line(err.span, sources)
    if line is not None:
        num = str(err.span.line)
        out.append(f" {num} | {line}")
        out.append(f" {' ' * len(num)} | {' ' * (err.span.col - 1)}^")
    if err.hint:
        out.append(f"hint: {err.hint}")
    if err.tstack:
        out.append("Turmeric call stack (most recent call last):")
        for name, span in err.tstack:
            out.append(f"  {name}  at {span}" if span else f"  {name}")
    return "\n".join(out)


def debug_enabled() -> bool:
    """TURMERIC_DEBUG=1 shows Python tracebacks of internal errors."""
    return os.environ.get("TURMERIC_DEBUG", "") not in ("", "0")


def import_hint(name: str) -> str | None:
    """The hint for an unbound `alias/name`: the module may just not be imported."""
    alias, slash, member = name.partition("/")
    if not (alias and slash and member):
        return None
    return f"{alias} is not imported in this module: if it is a module, (import {alias}) first"
