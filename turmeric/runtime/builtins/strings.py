"""Strings: str, subs, the clojure.string functions (split, join, trim, replace ...), format,
regexes (re-pattern, re-find, re-matches, re-seq; split and replace take one too), and the
conversions between strings and bytes."""
from __future__ import annotations

import math
import re
import sys
from typing import Callable

from turmeric.data.errors import TurmericError
from turmeric.data.printer import float_to_str, pr_str
from turmeric.data.types import type_error, value_error
from turmeric.data.values import Keyword, PList, Regex, plist, regex, vector
from turmeric.runtime.builtins.args import MISSING, int_arg, str_arg
from turmeric.runtime.builtins.predicates import is_coll, is_sequential
from turmeric.runtime.builtins.printing import text_of
from turmeric.runtime.builtins.seqs import items


_JAVA_FLOATS = {math.inf: "Infinity", -math.inf: "-Infinity"}


_SMALL_INT = 10 ** 18   # printed by Python alone; a huge one goes to the printer (its digit limit)


def str_text(x) -> str:
    """One argument of `str` (and an item of `join`): a string raw, nil as "", ##Inf,
    ##-Inf and ##NaN as Java's toString names them (Infinity, -Infinity, NaN; inside a
    collection and in print they stay ##Inf ...), a collection readably (its strings quoted,
    as Clojure's str; print shows them raw), anything else as print shows it."""
    t = type(x)
    if t is str:
        return x
    if t is int and -_SMALL_INT < x < _SMALL_INT:   # the common case, first (string join 10^5)
        return int.__repr__(x)
    if x is None:
        return ""
    if t is Keyword:
        return ":" + x.name
    if t is float:
        if x != x or x in _JAVA_FLOATS:
            return "NaN" if x != x else _JAVA_FLOATS[x]
        return float_to_str(x)
    if is_coll(x):   # as Clojure's toString of a collection: readable, "[1 \"a\"]" (print shows [1 a])
        return pr_str(x)
    return text_of(x)


def str_(a="", b="", *more):
    """Concatenates the printed form of each argument (str_text); nil adds nothing.
    (Two named parameters, not *xs: the common call (str "#" x) then makes no tuple.)"""
    if type(b) is int and type(a) is str and not more:    # (str "#" 42): one f-string
        try:
            return f"{a}{b}"
        except ValueError:      # more digits than Python converts: the printer's int_to_str
            pass
    if more:
        return "".join(map(str_text, (a, b, *more)))
    if type(a) is str and type(b) is str:
        return a + b
    return str_text(a) + str_text(b)


def subs(s, start, end=MISSING):
    str_arg("subs", s)
    int_arg("subs", start)
    if end is MISSING:
        end = len(s)
    int_arg("subs", end)
    if not 0 <= start <= end <= len(s):
        raise value_error("subs", f"range {start}..{end} out of bounds for a string of "
                                   f"length {len(s)}")
    return s[start:end]


def _drop_trailing_empty(parts: list[str]) -> list[str]:
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def split(s, sep=MISSING):
    """(split s) splits on runs of whitespace; (split s sep) on each occurrence of the
    string sep, or of a match of the regex sep. Like Clojure (Java's String.split), trailing
    empty strings are dropped, and a string with no occurrence at all is the one part
    (`(split "" #",")` is `[""]`). Returns a vector."""
    str_arg("split", s)
    if sep is MISSING:
        return vector(s.split())
    if type(sep) is Regex:
        parts, at = [], 0
        for m in sep.compiled.finditer(s):   # (not re.split, which also returns the groups)
            if m.end() == 0:
                continue                      # as Java: no empty first part from an empty match
            parts.append(s[at:m.start()])
            at = m.end()
        if not parts:
            return vector((s,))
        parts.append(s[at:])
        return vector(_drop_trailing_empty(parts))
    str_arg("split", sep)
    if sep == "":
        return vector(s or (s,))
    if sep not in s:
        return vector((s,))
    return vector(_drop_trailing_empty(s.split(sep)))


def split_lines(s):
    """Splits on \\n or \\r\\n; trailing empty lines are dropped, like Clojure. A vector."""
    str_arg("split-lines", s)
    return vector(_drop_trailing_empty(re.split(r"\r?\n", s)))


def join(a, b=MISSING):
    """(join coll) or (join sep coll): the str of each item (nil as ""), separated by sep."""
    if b is MISSING:
        sep, coll = "", a
    else:
        sep, coll = str_arg("join", a), b
    if type(coll) in _JOIN_DIRECT:    # a list or vector of strings: joined in C, no list made
        try:
            return sep.join(coll)
        except TypeError:             # an item that is not a string: each item's str
            pass
    return sep.join([str_text(x) for x in items("join", coll)])


_JOIN_DIRECT = frozenset({PList, type(vector())})


def upper_case(s):
    return str_arg("upper-case", s).upper()


def lower_case(s):
    return str_arg("lower-case", s).lower()


def trim(s):
    return str_arg("trim", s).strip()


def triml(s):
    return str_arg("triml", s).lstrip()


def trimr(s):
    return str_arg("trimr", s).rstrip()


def _two_strings(name, s, t):
    str_arg(name, s)
    str_arg(name, t)


def starts_with(s, prefix):
    _two_strings("starts-with?", s, prefix)
    return s.startswith(prefix)


def ends_with(s, suffix):
    _two_strings("ends-with?", s, suffix)
    return s.endswith(suffix)


def includes(s, sub):
    _two_strings("includes?", s, sub)
    return sub in s


def index_of(s, sub, start=0):
    _two_strings("index-of", s, sub)
    int_arg("index-of", start)
    i = s.find(sub, max(start, 0))
    return None if i < 0 else i


def last_index_of(s, sub, start=MISSING):
    _two_strings("last-index-of", s, sub)
    if start is MISSING:
        i = s.rfind(sub)
    else:
        int_arg("last-index-of", start)
        if start < 0:
            return None
        i = s.rfind(sub, 0, start + len(sub))
    return None if i < 0 else i


def replace(s, match, replacement):
    """Replaces every occurrence of the string match, or every match of the regex match, by
    replacement; with a regex, $1, $2 ... in replacement are the groups (as Clojure)."""
    return _replace("replace", s, match, replacement, 0)


def replace_first(s, match, replacement):
    """As replace, but only the first occurrence (or the first match of a regex)."""
    return _replace("replace-first", s, match, replacement, 1)


def _replace(name: str, s, match, replacement, count: int):
    """replace (count 0: all) and replace-first (count 1)."""
    str_arg(name, s)
    str_arg(name, replacement)
    if type(match) is Regex:
        def expand(m):
            def group(g):
                n = int(g.group(1))
                if n > m.re.groups:
                    raise TurmericError("value", f"{name}: ${n} names no group of {match!r}")
                return m.group(n) or ""
            return _DOLLAR_GROUP.sub(group, replacement)
        return match.compiled.sub(expand, s, count=count)
    str_arg(name, match)
    return s.replace(match, replacement, count or -1)


def capitalize(s):
    """The first character upper case, the rest lower case (Clojure's)."""
    str_arg("capitalize", s)
    return s[:1].upper() + s[1:].lower()


def trim_newline(s):
    """s without its trailing newlines and carriage returns."""
    return str_arg("trim-newline", s).rstrip("\r\n")


def str_reverse(s):
    """The characters of s in reverse order (clojure.string/reverse)."""
    return str_arg("str-reverse", s)[::-1]


def char(x):
    """(char n): the one-character string of the code point n; a one-character string is
    itself. Turmeric has no character type: this is what Clojure's \\c values are here."""
    if type(x) is str and len(x) == 1:
        return x
    if type(x) is not int:
        raise type_error("char", "an integer code point or a one-character string", x)
    if not 0 <= x <= sys.maxunicode:
        raise value_error("char", f"{x} is not a Unicode code point (0 to {sys.maxunicode})")
    return chr(x)


def is_blank(s):
    if s is None:
        return True
    return str_arg("blank?", s).strip() == ""


class _FormatArg:
    """A Turmeric value given to %-formatting: %s prints it like str, %r like pr-str."""
    __slots__ = ("x",)

    def __init__(self, x):
        self.x = x

    def __str__(self):
        return "nil" if self.x is None else str_text(self.x)

    def __repr__(self):
        return pr_str(self.x)


class _FloatArg(float):
    """A float given to %-formatting: %f, %e, %g and %d format the number, %s prints it as
    `str` does (1.0E7, Infinity), %r as pr-str."""
    __slots__ = ()

    def __str__(self):
        return str_text(float(self))

    def __repr__(self):
        return pr_str(float(self))


def format_(fmt, *args):
    """Python %-formatting: (format "%s has %d items, %.2f%%" "cart" 3 0.5)."""
    str_arg("format", fmt)
    wrapped = tuple(a if type(a) is int else _FloatArg(a) if type(a) is float else _FormatArg(a)
                    for a in args)
    try:
        return fmt % wrapped
    except TypeError as e:
        msg = str(e)
        m = re.match(r"(%\w) format: an? (\w+ )?(\w+) is required", msg)
        if m:
            raise TurmericError("type", f"format: {m.group(1)} expects a {m.group(3)}") from None
        if "requires" in msg or "must be" in msg:
            raise TurmericError("type", f"format: {msg.split(',')[0]}") from None
        raise value_error("format", msg) from None
    except (ValueError, OverflowError) as e:
        raise value_error("format", str(e)) from None


def printf(fmt, *args):
    """(printf fmt & args) writes (format fmt args...) to standard output. Returns nil."""
    sys.stdout.write(format_(fmt, *args))
    return None


# ---------------------------------------------------------------------------------------------
# regexes

_DOLLAR_GROUP = re.compile(r"\$(\d)")


def _pattern(name: str, x) -> Regex:
    if type(x) is Regex:
        return x
    if type(x) is str:
        return regex(x, name)
    raise type_error(name, "a regex or a string", x)


def _match_value(m):
    """What re-find and friends give for a match: the string, or with groups the vector of
    the whole match and each group (nil for a group that took no part)."""
    if m is None:
        return None
    if not m.re.groups:
        return m.group(0)
    return vector([m.group(0), *m.groups()])


def re_pattern(x):
    return _pattern("re-pattern", x)


def re_find(r, s):
    """The first match of regex r in s (see _match_value), or nil."""
    return _match_value(_pattern("re-find", r).compiled.search(str_arg("re-find", s)))


def re_matches(r, s):
    """The match of regex r against the whole of s, or nil."""
    return _match_value(_pattern("re-matches", r).compiled.fullmatch(str_arg("re-matches", s)))


def re_seq(r, s):
    """A list of every match of regex r in s, left to right; nil when there is none."""
    found = [_match_value(m) for m in _pattern("re-seq", r).compiled.finditer(str_arg("re-seq", s))]
    return plist(found) if found else None


# ---------------------------------------------------------------------------------------------
# bytes

def bytes_(x):
    """bytes from a string (UTF-8), from bytes, or from a list/vector of integers 0-255."""
    if type(x) is bytes:
        return x
    if type(x) is str:
        return x.encode("utf-8")
    if is_sequential(x):
        out = bytearray()
        for b in x:
            if type(b) is not int:
                raise type_error("bytes", "integers 0-255", b)
            if not 0 <= b <= 255:
                raise value_error("bytes", f"byte value {b} out of range 0-255")
            out.append(b)
        return bytes(out)
    raise type_error("bytes", "a string, bytes or a list or vector of integers", x)


def str_to_bytes(s):
    return str_arg("str->bytes", s).encode("utf-8")


def bytes_to_str(b):
    if type(b) is not bytes:
        raise type_error("bytes->str", "bytes", b)
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError as e:
        raise value_error("bytes->str", f"invalid UTF-8 at byte {e.start}") from None


BUILTINS: dict[str, Callable] = {
    "str": str_, "char": char, "subs": subs, "split": split, "split-lines": split_lines, "join": join,
    "upper-case": upper_case, "lower-case": lower_case, "trim": trim, "triml": triml,
    "trimr": trimr, "starts-with?": starts_with, "ends-with?": ends_with,
    "includes?": includes, "index-of": index_of, "last-index-of": last_index_of,
    "replace": replace, "replace-first": replace_first, "capitalize": capitalize,
    "trim-newline": trim_newline, "str-reverse": str_reverse, "blank?": is_blank,
    "format": format_, "printf": printf,
    "re-pattern": re_pattern, "re-find": re_find, "re-matches": re_matches, "re-seq": re_seq,
    "bytes": bytes_, "str->bytes": str_to_bytes, "bytes->str": bytes_to_str,
}
