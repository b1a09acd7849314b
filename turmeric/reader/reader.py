"""The reader: Turmeric source text -> data (runtime values) with spans.

    read_string(text, file="<string>") -> list   every top-level form
    read_one(text, file="<string>") -> datum     exactly one form

Every datum read has a Span(file, line, col, end_line, end_col): 1-based, with end_col one
past the last character. Symbols and non-empty lists carry theirs; a list also keeps its
items' spans (item_spans), and a vector, map or set has its items' spans in its own span, a
CollectionSpan (see values.spans_of_items). Syntax errors raise TurmericError("syntax", ...)
whose span is the offending place (for an unclosed bracket, the opening bracket). The text
may not be on disk, so to show the source line pass it along: `format_error(err, {file: text})`.

A Reader holds the state of one read. Lark is imported lazily (startup time matters) and the
LALR parser is built once per process, with its tables cached on disk. It builds the data
directly through callbacks, so reading never recurses in Python, however deeply the data is
nested.
"""
from __future__ import annotations

import gc
import re
from contextvars import ContextVar
from pathlib import Path
from typing import Any, NamedTuple

from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str
from turmeric.data.span import Span
from turmeric.data.values import (
    EMPTY_LIST, CollectionSpan, Keyword, PMap, PSet, Regex, Symbol, plist, vector,
)

_GRAMMAR = Path(__file__).with_name("grammar.lark")
_DISCARDED = object()  # what #_ form leaves behind; containers drop it

_OPENERS = {"LPAR": "(", "LBRACK": "[", "LBRACE": "{", "HASH_LBRACE": "#{", "HASH_LPAR": "#("}
_CLOSERS = {"RPAR": ")", "RBRACK": "]", "RBRACE": "}"}
_CLOSER_OF = {"LPAR": ")", "LBRACK": "]", "LBRACE": "}", "HASH_LBRACE": "}", "HASH_LPAR": ")"}
_NOTHING_OPEN = {")": "no list is open here", "]": "no vector is open here",
                 "}": "no map or set is open here"}
_PREFIXES = {"QUOTE": "'", "BACKQUOTE": "`", "TILDE": "~", "TILDE_AT": "~@", "AT": "@",
             "DISCARD": "#_", "BYTES_TAG": "#bytes"}
_MACRO_SYMBOLS = {"quote": "quote", "quasiquote": "quasiquote", "unquote": "unquote",
                  "unquote_splicing": "unquote-splicing", "deref": "deref"}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "0": "\0"}
_CONSTANTS = {"true": True, "false": False, "nil": None}
_SPECIAL_FLOATS = {"##Inf": float("inf"), "##-Inf": float("-inf"), "##NaN": float("nan")}
_SYMBOL_PUNCT = "-?!*<>=/+._&%$'#"


class Reader:
    """One read of one text: the state the parser's callbacks need while it runs (the file
    name, for spans and errors, and the text, for error messages)."""

    def __init__(self, text: str, file: str = "<string>"):
        self.text = text
        self.file = file

    def forms(self) -> list:
        """[(datum, span of the whole form)] for each top-level form."""
        lark = _lark()
        # Lark gives its callbacks nothing per parse, so they find this reader through a
        # context variable: reads in other threads (or nested ones) each see their own.
        reading = _reading.set(self)
        # Reading allocates many objects and no cycles: the cyclic GC would only waste
        # about a quarter of the time.
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            return lark.parser.parse(self.text)
        except lark.UnexpectedInput as e:
            raise self.diagnose(lark, e) from None
        finally:
            _reading.reset(reading)
            if gc_was_on:
                gc.enable()

    def span(self, tok) -> Span:
        return Span(self.file, tok.line, tok.column, tok.end_line, tok.end_column)

    def error(self, message: str, tok=None, span: Span | None = None, hint: str | None = None):
        return TurmericError("syntax", message, span or self.span(tok), hint=hint)

    def diagnose(self, lark, e) -> TurmericError:
        """A TurmericError in plain words for a Lark UnexpectedInput."""
        text, file = self.text, self.file
        if isinstance(e, lark.UnexpectedCharacters):
            where = Span(file, e.line, e.column)
            if text[e.pos_in_stream] == '"':
                return TurmericError("syntax", f"unclosed string opened at {_at(where)}: "
                                     "reached the end of the file", where)
            return TurmericError("syntax", f"unexpected character {text[e.pos_in_stream]!r}", where)
        if not isinstance(e, lark.UnexpectedToken):
            return TurmericError("syntax", "could not read this", Span(file, 1, 1))
        bad = e.token
        at_end = bad.type == "$END"
        stop = len(text) if at_end else bad.start_pos
        # Replay the tokens before the error: open brackets and prefixes still waiting for a form.
        pending: list = []
        for tok in lark.parser.lex(text[:stop]):
            if tok.type in _OPENERS or tok.type in _PREFIXES:
                pending.append(tok)
                continue
            if tok.type in _CLOSERS and pending:
                pending.pop()  # the parser accepted it, so it closed the innermost bracket
            # a form is complete: it feeds the prefixes waiting for it; #_ swallows it
            while pending and pending[-1].type in _PREFIXES:
                if pending.pop().type == "DISCARD":
                    break
        found = "reached the end of the file" if at_end else f"found '{bad}'"
        top = pending[-1] if pending else None
        if top is not None and top.type in _PREFIXES:
            p = _PREFIXES[top.type]
            sep = ": " if at_end else ", "
            return TurmericError("syntax", f"expected a form after '{p}'{sep}{found}", self.span(top))
        if at_end and top is not None:
            return TurmericError("syntax", f"unclosed '{_OPENERS[top.type]}' opened at "
                                 f"{top.line}:{top.column}: {found}", self.span(top))
        where = self.span(bad) if not at_end else Span(file, 1, 1)
        if bad.type in _CLOSERS:
            if top is None:
                return TurmericError("syntax", f"unexpected '{bad}': {_NOTHING_OPEN[str(bad)]}",
                                     where)
            return TurmericError("syntax", f"unexpected '{bad}': expected "
                                 f"'{_CLOSER_OF[top.type]}' to close the '{_OPENERS[top.type]}' "
                                 f"opened at {top.line}:{top.column}", where)
        return TurmericError("syntax", f"unexpected '{bad}'", where)


_reading: ContextVar[Reader] = ContextVar("turmeric_reading")


def read_string(text: str, file: str = "<string>") -> list:
    """Read every top-level form of `text`. Raises TurmericError("syntax", ...)."""
    return [datum for datum, _span in Reader(text, file).forms()]


def read_one(text: str, file: str = "<string>"):
    """Read exactly one form; anything else (nothing, or two forms) is a syntax error."""
    forms = Reader(text, file).forms()
    if len(forms) == 1:
        return forms[0][0]
    if not forms:
        raise TurmericError("syntax", "expected a form, found nothing", Span(file, 1, 1))
    raise TurmericError("syntax", f"expected one form, found {len(forms)}: "
                        f"another one starts at {_at(forms[1][1])}", forms[1][1])


class _Lark(NamedTuple):
    """The LALR parser and the Lark exceptions the reader handles."""
    parser: Any
    UnexpectedInput: type
    UnexpectedCharacters: type
    UnexpectedToken: type


_LARK: list[_Lark] = []   # the parser, built once per process: it is immutable and costly


def _lark() -> _Lark:
    if not _LARK:
        # Imported here, not at the top (a start-up win): importing lark takes about 27 ms (python -X
        # importtime), close to a third of the 90 ms of `turmeric run` on a program found
        # in the compile cache, which reads nothing.
        from lark import Lark
        from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
        # cache=True keeps the parse tables on disk: 22 ms to load them, 140 ms to build them
        parser = Lark(_GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="basic",
                      cache=True, transformer=_Builder(), lexer_callbacks=_LEXER_CALLBACKS)
        _LARK.append(_Lark(parser, UnexpectedInput, UnexpectedCharacters, UnexpectedToken))
    return _LARK[0]


# ---- atoms: decoded and checked as they are lexed, so errors come out in text order ----

def _error(message: str, tok=None, span: Span | None = None, hint: str | None = None):
    return _reading.get().error(message, tok, span, hint)


def _lex_int(tok):
    s = str(tok)
    sign = -1 if s[0] == "-" else 1
    digits = s.lstrip("+-")
    if digits[:2] in ("0x", "0X"):
        tok.value = sign * int(digits[2:], 16)
    else:
        tok.value = sign * _decimal_to_int(digits)
    return tok


def _decimal_to_int(digits: str) -> int:
    """int(digits) without Python's 4300-digit limit (integers are arbitrary precision)."""
    if len(digits) <= 4000:
        return int(digits)
    k = len(digits) // 2
    return _decimal_to_int(digits[:-k]) * 10 ** k + _decimal_to_int(digits[-k:])


def _lex_float(tok):
    tok.value = float(str(tok))
    return tok


def _lex_special_float(tok):
    tok.value = _SPECIAL_FLOATS[str(tok)]
    return tok


def _lex_hash_bool(tok):
    tok.value = str(tok) == "#t"
    return tok


def _lex_keyword(tok):
    tok.value = Keyword(str(tok)[1:])
    return tok


def _lex_colon(tok):
    tok.value = Symbol(":")   # its span is given where the form around it is built
    return tok


def _lex_symbol(tok):
    s = str(tok)
    tok.value = _CONSTANTS[s] if s in _CONSTANTS else Symbol(s)
    return tok


def _lex_string(tok):
    tok.value = _unescape(str(tok), tok)
    return tok


def _lex_regex(tok):
    """#"pattern": the text between the quotes is the pattern, as Clojure's regex literals."""
    try:
        tok.value = Regex(str(tok)[2:-1])
    except re.error as e:
        raise _error(f"invalid regular expression: {e}", tok,
                     hint='regex literals use Python\'s re syntax, as in #"[a-z]+\\d*"') from None
    return tok


def _unescape(raw: str, tok) -> str:
    """The contents of a string literal (raw includes the quotes), escapes decoded."""
    body = raw[1:-1]
    if "\\" not in body:
        return body
    out = []
    i, n = 0, len(body)
    while i < n:
        j = body.find("\\", i)
        if j < 0:
            out.append(body[i:])
            break
        out.append(body[i:j])
        c = body[j + 1]  # the grammar guarantees a character after each backslash
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
            i = j + 2
        elif c == "u":
            ch, i = _unicode_escape(body, j, tok)
            out.append(ch)
        else:
            shown = "\\" + c if c.isprintable() else "\\" + repr(c)[1:-1]
            raise _error(f"unknown escape '{shown}' in a string", span=_offset_span(tok, j),
                         hint='the escapes are \\n \\t \\r \\\\ \\" \\0 \\uXXXX and \\u{X...}')
    return "".join(out)


def _unicode_escape(body: str, j: int, tok) -> tuple[str, int]:
    """Decode the \\u escape at body[j]; return the character and the index after it."""
    bad = _error("a \\u escape needs 4 hex digits (\\u00e9) or 1 to 6 in braces (\\u{1F600})",
                 span=_offset_span(tok, j))
    if body.startswith("{", j + 2):
        end = body.find("}", j + 3)
        digits = body[j + 3:end] if end >= 0 else ""
        if not 1 <= len(digits) <= 6 or not _is_hex(digits):
            raise bad
        code, after = int(digits, 16), end + 1
        if code > 0x10FFFF:
            raise _error(f"\\u{{{digits}}} is beyond the last Unicode character \\u{{10FFFF}}",
                         span=_offset_span(tok, j))
    else:
        digits = body[j + 2:j + 6]
        if len(digits) != 4 or not _is_hex(digits):
            raise bad
        code, after = int(digits, 16), j + 6
        # a UTF-16 surrogate pair written as two escapes (as JSON does) is one character
        low = body[after:after + 6]
        if 0xD800 <= code < 0xDC00 and low[:2] == "\\u" and _is_hex(low[2:]) and len(low) == 6:
            low_code = int(low[2:], 16)
            if 0xDC00 <= low_code < 0xE000:
                return chr(0x10000 + ((code - 0xD800) << 10) + (low_code - 0xDC00)), after + 6
    return chr(code), after


def _is_hex(s: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in s)


def _offset_span(tok, i: int) -> Span:
    """The span of the character at index i of a string token's contents."""
    before = str(tok)[:i + 1]  # +1: the opening quote
    newlines = before.count("\n")
    col = (len(before) - before.rfind("\n")) if newlines else tok.column + len(before)
    return Span(_reading.get().file, tok.line + newlines, col)


def _lex_bad(tok):
    """A token no other terminal matched: say what is wrong with it."""
    s = str(tok)
    if s[0] == "#":
        shown = s if len(s) > 1 else s + _reading.get().text[tok.end_pos:tok.end_pos + 1]
        raise _error(f"unknown reader syntax '{shown}'", tok,
                     hint="after '#' the reader knows #{...} (a set), #(...) (a fn), #_ (discard the next "
                          "form), #t, #f, ##Inf, ##-Inf, ##NaN, #bytes \"hex\" and #\"regex\"")
    if s.lstrip("+-")[:1].isdigit():
        raise _error(f"invalid number '{s}'", tok,
                     hint="numbers look like 42, -7, 0x1F, 1.5, -2.0e10, ##Inf")
    if s[0] == "\\":
        raise _error("unexpected '\\': Turmeric has no character literals", tok,
                     hint='write a one-character string instead, such as "a"')
    if s[0] == ":":
        what, name = "keyword", s[1:]
    else:
        what, name = "symbol", s
    bad = next((c for c in name if not (c.isalnum() or c in _SYMBOL_PUNCT)), None)
    if bad is None:  # a keyword starting with ':' again, or a symbol starting with a digit
        bad = name[0] if name else s[0]
    if what == "symbol" and s[0] == bad:
        raise _error(f"unexpected character '{bad}'", tok)
    raise _error(f"invalid {what} '{s}': '{bad}' cannot appear in a {what}", tok,
                 hint="names use letters, digits and - ? ! * < > = / + . _ & % $ '")


_LEXER_CALLBACKS = {
    "INT": _lex_int, "FLOAT": _lex_float, "SPECIAL_FLOAT": _lex_special_float,
    "HASH_BOOL": _lex_hash_bool, "KEYWORD": _lex_keyword, "COLON": _lex_colon,
    "SYMBOL": _lex_symbol, "STRING": _lex_string, "REGEX": _lex_regex, "BAD": _lex_bad,
}


# ---- forms: rule callbacks, called bottom-up as the LALR parser reduces ----------------

class _Read:
    """A form the rule callbacks built, with its span, as a child of the form around it."""
    __slots__ = ("value", "span")

    def __init__(self, value, span: Span):
        self.value = value
        self.span = span


class _Builder:
    """Lark calls a method per grammar rule with the rule's children: atoms come as lexer
    tokens (their decoded datum in .value), built forms as _Read. Every item gets a span: a
    list keeps its items' spans (item_spans); a vector, map or set has them in its own
    CollectionSpan, which the form around it keeps."""

    def _items(self, children) -> tuple[list, list, Span]:
        """The items between a pair of brackets, their spans, and the span of the whole."""
        file = _reading.get().file
        first, last = children[0], children[-1]
        items, spans = [], []
        for c in children[1:-1]:
            if type(c) is _Read:
                items.append(c.value)
                spans.append(c.span)
            elif c is not _DISCARDED:
                value = c.value
                span = Span(file, c.line, c.column, c.end_line, c.end_column)
                if type(value) is Symbol:
                    value.span = span
                items.append(value)
                spans.append(span)
        return items, spans, Span(file, first.line, first.column, last.end_line, last.end_column)

    def list(self, children):
        items, spans, span = self._items(children)
        return _Read(plist(items, span, tuple(spans)) if items else EMPTY_LIST, span)

    def fn_literal(self, children):
        """#(+ % 1) reads as (%fn-literal (+ % 1)); the expander makes it a fn."""
        items, spans, span = self._items(children)
        body = plist(items, span, tuple(spans))
        return _Read(plist([Symbol("%fn-literal", span), body], span, (span, span)), span)

    def vector(self, children):
        items, spans, span = self._items(children)
        return _Read(vector(items), _collection_span(span, spans))

    def map(self, children):
        items, spans, span = self._items(children)
        if len(items) % 2:
            raise _error(f"a map needs an even number of forms (keys and values), "
                         f"this one has {len(items)}", span=span)
        pairs = list(zip(items[::2], items[1::2]))
        m = PMap.from_pairs(pairs)
        if len(m) != len(pairs):
            _report_duplicate([k for k, _ in pairs], "map", "key", span)
        return _Read(m, _collection_span(span, spans))

    def set(self, children):
        items, spans, span = self._items(children)
        s = PSet(items)
        if len(s) != len(items):
            _report_duplicate(items, "set", "element", span)
        return _Read(s, _collection_span(span, spans))

    def _macro(self, children, rule: str):
        """'x and the other prefixes: (quote x), spanning from the prefix to the end of x."""
        reader = _reading.get()
        tok, form = children[0], _child(children[-1], reader)
        head = reader.span(tok)
        span = Span(reader.file, tok.line, tok.column, form.span.end_line, form.span.end_col)
        return _Read(plist([Symbol(_MACRO_SYMBOLS[rule], head), form.value], span,
                           (head, form.span)), span)

    def quote(self, children):
        return self._macro(children, "quote")

    def quasiquote(self, children):
        return self._macro(children, "quasiquote")

    def unquote(self, children):
        return self._macro(children, "unquote")

    def unquote_splicing(self, children):
        return self._macro(children, "unquote_splicing")

    def deref(self, children):
        return self._macro(children, "deref")

    def bytes(self, children):
        tag, string = children
        span = Span(_reading.get().file, tag.line, tag.column, string.end_line, string.end_column)
        hexdigits = "".join(string.value.split())
        if len(hexdigits) % 2 or not _is_hex(hexdigits):
            raise _error("#bytes needs an even number of hex digits, as in #bytes \"68690a\"",
                         span=span)
        return _Read(bytes.fromhex(hexdigits), span)

    def discard(self, children):
        return _DISCARDED

    def top(self, children):
        form = _child(children[0], _reading.get())
        return form.value, form.span

    def start(self, children):
        return [c for c in children if c is not _DISCARDED]


def _child(c, reader: Reader) -> _Read:
    """A child of a rule as a _Read: a token becomes its datum with its span."""
    if type(c) is _Read:
        return c
    span = reader.span(c)
    if type(c.value) is Symbol:
        c.value.span = span
    return _Read(c.value, span)


def _collection_span(span: Span, item_spans: list) -> CollectionSpan:
    return CollectionSpan(span.file, span.line, span.col, span.end_line, span.end_col,
                          tuple(item_spans))


def _report_duplicate(items: list, coll: str, what: str, span: Span):
    seen = PSet()       # members compared with =, as the map's keys were
    for x in items:
        if x in seen:
            raise _error(f"duplicate {what} {pr_str(x)} in a {coll}", span=span)
        seen = seen.conj(x)


def _at(span: Span) -> str:
    return f"{span.line}:{span.col}"
