"""The pure builtins of Turmeric for printing, strings, bytes, symbols and I/O.

Part of PURE_BUILTINS (see builtins_core.py, which merges IO_BUILTINS into it). This module
imports builtins_core lazily, inside functions, because builtins_core imports this module.

Output goes to `sys.stdout` and input comes from `sys.stdin`, both looked up at call time so
that a session (or a test) can redirect them.
"""
from __future__ import annotations

import itertools
import os
import re
import sys
import time
from typing import Any, Callable

from turmeric.data.errors import TurmericError
from turmeric.data.types import short_pr
from turmeric.data.values import Keyword, Regex, Symbol, plist, regex, vector

_MISSING = object()


class TurmericExit(BaseException):
    """Raised by (exit code): the CLI ends the process with `code`. A BaseException so that
    no handler for ordinary errors swallows it."""

    def __init__(self, code: int = 0):
        super().__init__(code)
        self.code = code


def _core():
    from turmeric.runtime.builtins import core as builtins_core
    return builtins_core


def _type_error(name: str, expected: str, x: Any) -> TurmericError:
    return _core().type_error(name, expected, x)


def _value_error(name: str, message: str) -> TurmericError:
    return TurmericError("value", f"{name}: {message}")


def _str_arg(name: str, x: Any) -> str:
    if type(x) is not str:
        raise _type_error(name, "a string", x)
    return x


def _int_arg(name: str, x: Any) -> int:
    if type(x) is not int:
        raise _type_error(name, "an integer", x)
    return x


# ---------------------------------------------------------------------------------------------
# printing

from turmeric.data import printer as _printer  # noqa: E402


def _str_of(x) -> str:
    t = type(x)
    if t is str:
        return x
    if t is int and -10**15 < x < 10**15:
        return str(x)  # the common case, without the general printer
    return _printer.str_of(x)


def _pr_str(x) -> str:
    from turmeric.data.printer import pr_str
    return pr_str(x)


def print_(*xs):
    sys.stdout.write(" ".join(map(_str_of, xs)))


def println(*xs):
    sys.stdout.write(" ".join(map(_str_of, xs)) + "\n")


def pr(*xs):
    sys.stdout.write(" ".join(map(_pr_str, xs)))


def prn(*xs):
    sys.stdout.write(" ".join(map(_pr_str, xs)) + "\n")


def newline():
    sys.stdout.write("\n")


def flush():
    sys.stdout.flush()


def str_(*xs):
    """Concatenates the printed form of each argument; nil adds nothing."""
    if len(xs) == 1 and type(xs[0]) is str:
        return xs[0]
    out = []
    for x in xs:
        t = type(x)
        out.append(x if t is str else "" if x is None else _str_of(x))
    return "".join(out)


def pr_str_(*xs):
    return " ".join(map(_pr_str, xs))


# ---------------------------------------------------------------------------------------------
# strings

def subs(s, start, end=_MISSING):
    _str_arg("subs", s)
    _int_arg("subs", start)
    if end is _MISSING:
        end = len(s)
    _int_arg("subs", end)
    if not 0 <= start <= end <= len(s):
        raise _value_error("subs", f"range {start}..{end} out of bounds for a string of "
                                   f"length {len(s)}")
    return s[start:end]


def _drop_trailing_empty(parts: list[str]) -> list[str]:
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def split(s, sep=_MISSING):
    """(split s) splits on runs of whitespace; (split s sep) on each occurrence of the
    string sep, or of a match of the regex sep. Like Clojure, trailing empty strings are
    dropped. Returns a vector."""
    _str_arg("split", s)
    if sep is _MISSING:
        return vector(s.split())
    if type(sep) is Regex:
        parts, at = [], 0
        for m in sep.compiled.finditer(s):   # (not re.split, which also returns the groups)
            if m.end() == 0:
                continue                      # as Java: no empty first part from an empty match
            parts.append(s[at:m.start()])
            at = m.end()
        parts.append(s[at:])
        return vector(_drop_trailing_empty(parts))
    _str_arg("split", sep)
    if sep == "":
        return vector(s)
    return vector(_drop_trailing_empty(s.split(sep)))


def split_lines(s):
    """Splits on \\n or \\r\\n; trailing empty lines are dropped, like Clojure. A vector."""
    _str_arg("split-lines", s)
    return vector(_drop_trailing_empty(re.split(r"\r?\n", s)))


def join(a, b=_MISSING):
    """(join coll) or (join sep coll): the str of each item (nil as ""), separated by sep."""
    if b is _MISSING:
        sep, coll = "", a
    else:
        sep, coll = _str_arg("join", a), b
    xs = _core().items("join", coll)
    return sep.join(x if type(x) is str else "" if x is None else _str_of(x) for x in xs)


def upper_case(s):
    return _str_arg("upper-case", s).upper()


def lower_case(s):
    return _str_arg("lower-case", s).lower()


def trim(s):
    return _str_arg("trim", s).strip()


def triml(s):
    return _str_arg("triml", s).lstrip()


def trimr(s):
    return _str_arg("trimr", s).rstrip()


def _two_strings(name, s, t):
    _str_arg(name, s)
    _str_arg(name, t)


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
    _int_arg("index-of", start)
    i = s.find(sub, max(start, 0))
    return None if i < 0 else i


def last_index_of(s, sub, start=_MISSING):
    _two_strings("last-index-of", s, sub)
    if start is _MISSING:
        i = s.rfind(sub)
    else:
        _int_arg("last-index-of", start)
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
    _str_arg(name, s)
    _str_arg(name, replacement)
    if type(match) is Regex:
        def expand(m):
            def group(g):
                n = int(g.group(1))
                if n > m.re.groups:
                    raise TurmericError("value", f"{name}: ${n} names no group of {match!r}")
                return m.group(n) or ""
            return _DOLLAR_GROUP.sub(group, replacement)
        return match.compiled.sub(expand, s, count=count)
    _str_arg(name, match)
    return s.replace(match, replacement, count or -1)


def capitalize(s):
    """The first character upper case, the rest lower case (Clojure's)."""
    _str_arg("capitalize", s)
    return s[:1].upper() + s[1:].lower()


def trim_newline(s):
    """s without its trailing newlines and carriage returns."""
    return _str_arg("trim-newline", s).rstrip("\r\n")


def str_reverse(s):
    """The characters of s in reverse order (clojure.string/reverse)."""
    return _str_arg("str-reverse", s)[::-1]


_DOLLAR_GROUP = re.compile(r"\$(\d)")


def _pattern(name: str, x) -> Regex:
    if type(x) is Regex:
        return x
    if type(x) is str:
        return regex(x, name)
    raise _type_error(name, "a regex or a string", x)


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
    return _match_value(_pattern("re-find", r).compiled.search(_str_arg("re-find", s)))


def re_matches(r, s):
    """The match of regex r against the whole of s, or nil."""
    return _match_value(_pattern("re-matches", r).compiled.fullmatch(_str_arg("re-matches", s)))


def re_seq(r, s):
    """A list of every match of regex r in s, left to right; nil when there is none."""
    found = [_match_value(m) for m in _pattern("re-seq", r).compiled.finditer(_str_arg("re-seq", s))]
    return plist(found) if found else None


def is_blank(s):
    if s is None:
        return True
    return _str_arg("blank?", s).strip() == ""


class _FormatArg:
    """A Turmeric value given to %-formatting: %s prints it like str, %r like pr-str."""
    __slots__ = ("x",)

    def __init__(self, x):
        self.x = x

    def __str__(self):
        return _str_of(self.x)

    def __repr__(self):
        return _pr_str(self.x)


def format_(fmt, *args):
    """Python %-formatting: (format "%s has %d items, %.2f%%" "cart" 3 0.5)."""
    _str_arg("format", fmt)
    wrapped = tuple(a if type(a) in (int, float) else _FormatArg(a) for a in args)
    try:
        return fmt % wrapped
    except TypeError as e:
        msg = str(e)
        m = re.match(r"(%\w) format: an? (\w+ )?(\w+) is required", msg)
        if m:
            raise TurmericError("type", f"format: {m.group(1)} expects a {m.group(3)}") from None
        if "requires" in msg or "must be" in msg:
            raise TurmericError("type", f"format: {msg.split(',')[0]}") from None
        raise _value_error("format", msg) from None
    except (ValueError, OverflowError) as e:
        raise _value_error("format", str(e)) from None


_INT_RE = re.compile(r"[+-]?[0-9]+\Z")
_INT_RADIX_RE = re.compile(r"[+-]?[0-9a-zA-Z]+\Z")
_FLOAT_RE = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")
_FLOAT_WORDS = {"NaN": float("nan"), "Infinity": float("inf"), "+Infinity": float("inf"),
                "-Infinity": float("-inf")}


def parse_int(s, radix=10):
    """The integer written in s (optional sign, digits), or nil when s is not one."""
    _str_arg("parse-int", s)
    _int_arg("parse-int", radix)
    if not 2 <= radix <= 36:
        raise _value_error("parse-int", f"radix must be between 2 and 36, got {radix}")
    if not (_INT_RE if radix == 10 else _INT_RADIX_RE).match(s):
        return None
    try:
        return int(s, radix)
    except ValueError:
        return None


def parse_long(s):
    """Clojure's parse-long: the integer written in s (decimal), or nil."""
    _str_arg("parse-long", s)
    return int(s) if _INT_RE.match(s) else None


def parse_double(s):
    """Clojure's parse-double: the float written in s, or nil."""
    _str_arg("parse-double", s)
    return parse_float(s)


def read_string_(s):
    """The first form written in s, as data (never evaluated); nil for an empty string."""
    from turmeric.reader.reader import read_string
    forms = read_string(_str_arg("read-string", s), "<read-string>")
    return forms[0] if forms else None


def prn_str(*xs):
    return pr_str_(*xs) + "\n"


def parse_float(s):
    """The float written in s (like 1.5, -2, 3e10, NaN, Infinity), or nil when s is not one."""
    _str_arg("parse-float", s)
    if s in _FLOAT_WORDS:
        return _FLOAT_WORDS[s]
    if not _FLOAT_RE.match(s):
        return None
    return float(s)


def name(x):
    if isinstance(x, (Keyword, Symbol)):
        return x.name
    if type(x) is str:
        return x
    raise _type_error("name", "a keyword, symbol or string", x)


def keyword(x):
    if isinstance(x, Keyword) or x is None:
        return x
    if type(x) is str:
        return Keyword(x)
    if isinstance(x, Symbol):
        return Keyword(x.name)
    raise _type_error("keyword", "a string, symbol or keyword", x)


def symbol(x):
    if isinstance(x, Symbol):
        return x
    if type(x) is str:
        return Symbol(x)
    if isinstance(x, Keyword):
        return Symbol(x.name)
    raise _type_error("symbol", "a string, symbol or keyword", x)


_gensym_counter = itertools.count(1)


def gensym(prefix="G__"):
    """A fresh symbol: (gensym) -> G__12, (gensym "tmp") -> tmp13."""
    if isinstance(prefix, Symbol):
        prefix = prefix.name
    _str_arg("gensym", prefix)
    return Symbol(f"{prefix}{next(_gensym_counter)}")


# ---------------------------------------------------------------------------------------------
# bytes

def bytes_(x):
    """bytes from a string (UTF-8), from bytes, or from a list/vector of integers 0-255."""
    if type(x) is bytes:
        return x
    if type(x) is str:
        return x.encode("utf-8")
    if _core().is_sequential(x):
        out = bytearray()
        for b in x:
            if type(b) is not int:
                raise _type_error("bytes", "integers 0-255", b)
            if not 0 <= b <= 255:
                raise _value_error("bytes", f"byte value {b} out of range 0-255")
            out.append(b)
        return bytes(out)
    raise _type_error("bytes", "a string, bytes or a list or vector of integers", x)


def str_to_bytes(s):
    return _str_arg("str->bytes", s).encode("utf-8")


def bytes_to_str(b):
    if type(b) is not bytes:
        raise _type_error("bytes->str", "bytes", b)
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _value_error("bytes->str", f"invalid UTF-8 at byte {e.start}") from None


# ---------------------------------------------------------------------------------------------
# I/O

def _io_error(name: str, e: OSError, path: str) -> TurmericError:
    if isinstance(e, FileNotFoundError):
        what = "no such file"
    elif isinstance(e, IsADirectoryError):
        what = "is a directory"
    elif isinstance(e, NotADirectoryError):
        what = "not a directory"
    elif isinstance(e, PermissionError):
        what = "permission denied"
    else:
        what = (e.strerror or type(e).__name__).lower()
    return TurmericError("io", f"{name}: {what}: {path}")


def _path_arg(name: str, path) -> str:
    _str_arg(name, path)
    if "\0" in path:
        raise _value_error(name, "a path must not contain a NUL character")
    return path


def read_line():
    """A line from standard input without its line ending, or nil at end of input."""
    sys.stdout.flush()
    line = sys.stdin.readline()
    if line == "":
        return None
    if line.endswith("\n"):
        line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
    return line


def read_file(path):
    _path_arg("read-file", path)
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise _io_error("read-file", e, path) from None


def write_file(path, data):
    _path_arg("write-file", path)
    if type(data) is str:
        data = data.encode("utf-8")
    elif type(data) is not bytes:
        raise _type_error("write-file", "bytes or a string", data)
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as e:
        raise _io_error("write-file", e, path) from None
    return None


def slurp(path):
    _path_arg("slurp", path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise _io_error("slurp", e, path) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise TurmericError("io", f"slurp: {path} is not valid UTF-8 (byte {e.start})") from None


def spit(path, text, *opts):
    """(spit path text) writes text (UTF-8); (spit path text :append true) appends."""
    _path_arg("spit", path)
    _str_arg("spit", text)
    if len(opts) % 2:
        raise TurmericError("arity", "spit: expected options as keyword/value pairs")
    append = False
    for i in range(0, len(opts), 2):
        if opts[i] is Keyword("append"):
            append = opts[i + 1] is not None and opts[i + 1] is not False
        else:
            raise _value_error("spit", f"unknown option {short_pr(opts[i])}, "
                                       f"expected :append")
    try:
        with open(path, "a" if append else "w", encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as e:
        raise _io_error("spit", e, path) from None
    return None


def file_exists(path):
    return os.path.exists(_path_arg("file-exists?", path))


def delete_file(path, silently=False):
    _path_arg("delete-file", path)
    try:
        os.remove(path)
    except OSError as e:
        if silently is None or silently is False:
            raise _io_error("delete-file", e, path) from None
    return None


def exit_(code=0):
    _int_arg("exit", code)
    raise TurmericExit(code)


def getenv(var, default=None):
    _str_arg("getenv", var)
    return os.environ.get(var, default)


def now_ms():
    return time.time_ns() // 1_000_000


def sleep_ms(ms):
    if type(ms) is not int and type(ms) is not float:
        raise _type_error("sleep-ms", "a number", ms)
    if not 0 <= ms < float("inf"):
        raise _value_error("sleep-ms", f"expected a non-negative, finite number of "
                                       f"milliseconds, got {short_pr(ms)}")
    time.sleep(ms / 1000)
    return None


# ---------------------------------------------------------------------------------------------

IO_BUILTINS: dict[str, Callable] = {
    # printing
    "print": print_, "println": println, "pr": pr, "prn": prn, "newline": newline,
    "flush": flush, "str": str_, "pr-str": pr_str_,
    # strings
    "subs": subs, "split": split, "split-lines": split_lines, "join": join,
    "re-pattern": re_pattern, "re-find": re_find, "re-matches": re_matches, "re-seq": re_seq,
    "replace-first": replace_first, "capitalize": capitalize, "trim-newline": trim_newline,
    "str-reverse": str_reverse,
    "upper-case": upper_case, "lower-case": lower_case, "trim": trim, "triml": triml,
    "trimr": trimr, "starts-with?": starts_with, "ends-with?": ends_with,
    "includes?": includes, "index-of": index_of, "last-index-of": last_index_of,
    "replace": replace, "blank?": is_blank, "format": format_, "parse-int": parse_int, "parse-long": parse_long,
    "parse-double": parse_double, "read-string": read_string_, "prn-str": prn_str,
    "parse-float": parse_float, "name": name, "keyword": keyword, "symbol": symbol,
    "gensym": gensym,
    # bytes
    "bytes": bytes_, "str->bytes": str_to_bytes, "bytes->str": bytes_to_str,
    # I/O
    "read-line": read_line, "read-file": read_file, "write-file": write_file,
    "slurp": slurp, "spit": spit, "file-exists?": file_exists, "delete-file": delete_file,
    "exit": exit_, "getenv": getenv, "now-ms": now_ms, "sleep-ms": sleep_ms,
}
