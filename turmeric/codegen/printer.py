"""The line printer: statements of the CPS form as Python lines, each with the source span
it comes from, for the direct function (`Mode.resume` false) or a resume entry."""
from __future__ import annotations

import re
from dataclasses import dataclass

from turmeric.cps.form import Assign, Evaluate, For, If, Raw, Return, SelfTailCall, Site, Try
from turmeric.cps.module import MARK, MARK_END
from turmeric.data.errors import InternalError


# tests print the same programs with these off and compare (test_compiler_speed.py)
SKIP_SAME = True      # a recur does not assign a parameter it passes on as it is
RETURN_IN_TRY = True  # a Return that calls nothing after a Site is printed inside its try
FOLD = True           # ... and `return (x + call)` when it is `(x + target)` (fold_return)
FOLDABLE = re.compile(r"\((t[0-9]+|l_\w+|-?[0-9]+) ([-+<>]|<=|>=) (t[0-9]+)\)")


def fold_return(ret, site) -> tuple | None:
    """(x, op) when the Return after `site` is `(x op target)`, x a local or an integer: the
    call can then be the operand itself (#14 item fib: one store and load of t2 fewer). x is
    read before the call instead of after it, which no one can tell: nothing assigns it in
    between, and reading a local or a constant neither fails nor has an effect."""
    m = FOLDABLE.fullmatch(unmarked(ret.expr.text))
    if m is None or m.group(3) != site.target or m.group(1) == site.target or not site.target:
        return None
    return m.group(1), m.group(2)


def unmarked(text: str) -> str:
    """Expression text without the span marks (ModuleLowering.mark) in it."""
    return re.sub(f"{MARK}[0-9]*{MARK_END}", "", text)


@dataclass(frozen=True, slots=True)
class Mode:
    """What a statement prints as, in the function being printed."""
    resume: bool             # a resume entry (a self tail call is then a real call)
    live: tuple              # per site: the Python names of its live locals
    entries: tuple           # per site: the name of its resume entry
    params: tuple            # the parameters a self tail call assigns
    self_name: str | None


class Printer:
    """Writes statements as Python lines, recording the span of each line.

    An expression marked with the span of the form it comes from (see ModuleLowering.mark)
    starts a new physical line when it is inside brackets, so a Python traceback's line
    number names the exact Turmeric call that failed, not just the statement."""

    def __init__(self, lines: list[str], spans: list, marks):
        self.lines = lines
        self.spans = spans
        self.marks = list(marks)   # (a folded return adds the span of its call: fold_return)
        self.depth1 = False   # the calls pass `d1` (the function computed d1 = d + 1: emit.py)

    def emit(self, indent: int, text: str, span):
        if self.depth1 and "(d + 1" in text:
            text = with_depth1(text)
        if MARK not in text:
            self.lines.append("    " * indent + text)
            self.spans.append(span)
            return
        for k, (segment, sp) in enumerate(split_marked(text, span, self.marks)):
            self.lines.append("    " * (indent + (2 if k else 0)) + segment)
            self.spans.append(sp)

    def block(self, stmts, indent: int, mode: Mode):
        if not stmts:
            self.emit(indent, "pass", None)
            return
        # a Return that calls nothing after a Site goes inside the site's try: one jump over
        # the handler fewer (#14 item fib). No Unwind can pass through it there: it calls no
        # user code (a lazy sequence it realizes runs on its own trampoline)
        merged = (RETURN_IN_TRY and len(stmts) >= 2 and type(stmts[-2]) is Site
                  and type(stmts[-1]) is Return and "d" not in stmts[-1].expr.reads)
        last = len(stmts) - 1
        for i, s in enumerate(stmts):
            if merged and i == last:
                break
            self.stmt(s, indent, mode, stmts[-1] if merged and i == last - 1 else None)

    def stmt(self, s, indent: int, mode: Mode, then=None):
        """Print s; `then` is the Return printed inside the try of s, a Site (`block`)."""
        t = type(s)
        if t is Assign:
            self.emit(indent, f"{s.target} = {s.expr.text}", s.span)
        elif t is Evaluate:
            self.emit(indent, s.expr.text, s.span)
        elif t is Raw:
            self.emit(indent, s.text, s.span)
        elif t is Return:
            self.emit(indent, f"return {s.expr.text}", s.span)
        elif t is Site:
            live = mode.live[s.number - 1]
            entry = mode.entries[s.number - 1]
            frame = f"({entry}, ({''.join(x + ', ' for x in live)}))"
            self.emit(indent, "try:", s.span)
            folded = fold_return(then, s) if then is not None and FOLD else None
            if folded is not None:
                # `return (x + call)`: the call starts a line of the site's span, so an error
                # inside it is still located at the call, and one of `+` at the return
                x, op = folded
                self.marks.append(s.span)
                mark = f"{MARK}{len(self.marks) - 1}{MARK_END}"
                self.emit(indent + 1, f"return ({x} {op} {mark}{s.call.text})", then.span)
            else:
                self.emit(indent + 1, f"{s.target} = {s.call.text}" if s.target else s.call.text, s.span)
                if then is not None:
                    self.stmt(then, indent + 1, mode)
            self.emit(indent, "except Unwind as u:", s.span)
            self.emit(indent + 1, f"u.frames.append({frame})", s.span)
            self.emit(indent + 1, "raise", s.span)
        elif t is If:
            self.emit(indent, f"if {s.test.text}:", s.span)
            self.block(s.then, indent + 1, mode)
            if s.else_:
                self.emit(indent, "else:", s.span)
                self.block(s.else_, indent + 1, mode)
        elif t is SelfTailCall:
            names = mode.params
            vals = [a.text for a in s.args] + ([s.rest.text] if s.rest is not None else [])
            if mode.resume:
                self.emit(indent, f"return {mode.self_name}(d{''.join(', ' + v for v in vals)})", s.span)
            else:
                # a parameter passed on as it is (a loop's invariant) is not assigned (#14, nqueens)
                pairs = [(n, v) for n, v in zip(names, vals) if unmarked(v) != n] if SKIP_SAME else \
                    list(zip(names, vals))
                if pairs:
                    self.emit(indent, f"{', '.join(n for n, _ in pairs)}, = {', '.join(v for _, v in pairs)},",
                              s.span)
                self.emit(indent, "continue", s.span)
        elif t is For:
            self.emit(indent, f"for {s.var} in {s.iter.text}:", s.span)
            self.block(s.body, indent + 1, mode)
        elif t is Try:
            self.emit(indent, "try:", s.span)
            self.block(s.body, indent + 1, mode)
            self.emit(indent, "except (Thrown, Exception) as e:", s.span)
            conv = "ERROR_VALUE(e)"
            self.emit(indent + 1, f"{s.var} = Box({conv})" if s.boxed else f"{s.var} = {conv}", s.span)
            self.emit(indent + 1, "del e", s.span)
            self.block(s.handler, indent + 1, mode)
        else:
            raise InternalError(f"codegen: cannot print {t.__name__} at {getattr(s, 'span', None)}")


def string_end(text: str, i: int) -> int:
    """The index just after the Python string literal that starts at text[i] (a quote)."""
    quote, j, n = text[i], i + 1, len(text)
    while j < n and text[j] != quote:
        j += 2 if text[j] == "\\" else 1
    return j + 1


def with_depth1(text: str) -> str:
    """text with each call's depth argument `(d + 1, ` or `(d + 1)` written `(d1`, outside
    string literals (user text; a bare `d` is only ever the depth: locals are `l_...`)."""
    out, i, n = [], 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"":
            j = string_end(text, i)
            out.append(text[i:j])
            i = j
            continue
        if ch == "(" and text.startswith("(d + 1", i) and i + 6 < n and text[i + 6] in ",)":
            out.append("(d1")
            i += 6
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def split_marked(text: str, span, marks) -> list[tuple[str, object]]:
    """Break a marked expression into physical lines at the marks inside brackets."""
    out = []
    cur, cur_span, depth, i = "", span, 0, 0
    while i < len(text):
        ch = text[i]
        if ch == MARK:
            j = text.index(MARK_END, i)
            sp = marks[int(text[i + 1:j])]
            i = j + 1
            if depth > 0 and cur.strip():
                out.append((cur, cur_span))
                cur = ""
            cur_span = sp or cur_span
            continue
        if ch in "'\"":
            j = i + 1
            while j < len(text) and text[j] != ch:
                j += 2 if text[j] == "\\" else 1
            cur += text[i:j + 1]
            i = j + 1
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        cur += ch
        i += 1
    out.append((cur, cur_span))
    return out
