"""Turning whatever was raised into a TurmericError with a span and a Turmeric call stack,
and errors into the values that (catch [e]) binds.

Compiled code is a Python module per Turmeric module whose file name is `<turmeric:NAME>`;
each generated line maps back to a source span (CodeMap). A Python exception raised by an
inline operation (TypeError from `+`, NameError for an unbound global) is translated here,
so the user never sees a Python traceback.
"""
from __future__ import annotations

import inspect
import re
from types import FunctionType, MethodType

from turmeric.data.signals import Thrown
from turmeric.data.errors import TurmericError, import_hint
from turmeric.data.names import demangle, demangle_any
from turmeric.data.printer import pr_str, str_of
from turmeric.data.types import type_name
from turmeric.data.values import StructValue
from turmeric.data.span import Span
from turmeric.runtime.core_structs import ERROR, EX_INFO, SCHEMA_MISMATCH

# The struct types every module knows: error values, Option and schema mismatches.


class CodeMap:
    """Where generated Python lines come from: one per loaded Turmeric module."""

    def __init__(self):
        self.modules: dict[str, tuple[list, dict]] = {}   # filename -> (line spans, qualname -> name)
        # Python function name -> (Turmeric name, fixed params, 1 if it takes the depth d first,
        # whether it takes more than its fixed params: a `&` rest or a default, so that an
        # arity error with too few arguments says "at least")
        self.arity: dict[str, tuple[str, int, int, bool]] = {}
        # (Turmeric name, builtin) pairs whose arities are looked up after `arity`'s, in a
        # table made at the first arity error (a session names ~600 builtins: #14, start-up)
        self.builtins: list = []
        self._builtin_arity: dict | None = None
        self.sites: dict = {}   # resume entry -> (FnInfo, site index): the session's table

    def known_arity(self, pyname: str) -> tuple[str, int, int, bool] | None:
        known = self.arity.get(pyname)
        if known is None and self.builtins:
            if self._builtin_arity is None:
                self._builtin_arity = arity_table(self.builtins)
            known = self._builtin_arity.get(pyname)
        return known

    def add(self, filename: str, line_spans: list, names: dict[str, str]):
        self.modules[filename] = (line_spans, names)

    def locate(self, code, lineno: int) -> tuple[str, Span | None] | None:
        entry = self.modules.get(code.co_filename)
        if entry is None:
            return None
        spans, names = entry
        span = spans[lineno - 1] if 0 < lineno <= len(spans) else None
        if type(span) is tuple:  # as loaded from the cache or a saved session
            span = Span(*span)
        return names.get(code.co_qualname, names.get(code.co_name, code.co_name)), span


def error_value(e: BaseException):
    """What (catch [e]) binds for an exception."""
    if isinstance(e, Thrown):
        return e.value
    if isinstance(e, TurmericError):
        if e.value is None:
            e.value = ERROR.cls(e.message)
        return e.value
    return error_value(python_error(e))


def thrown_error(value) -> TurmericError:
    if isinstance(value, StructValue) and value.stype in (ERROR, EX_INFO):
        msg = str(value.f_message)
    elif isinstance(value, StructValue) and value.stype is SCHEMA_MISMATCH:
        return TurmericError("schema-mismatch", str_of(value.f_detail), value=value)
    else:
        msg = pr_str(value)
    return TurmericError("thrown", f"uncaught throw: {msg}", value=value)


_TYPES = {"int": "integer", "str": "string", "float": "float", "NoneType": "nil", "bool": "boolean",
          "PList": "list", "PVector": "vector", "pvectorc.PVector": "vector", "PMap": "map",
          "PSet": "set", "Keyword": "keyword", "Symbol": "symbol", "function": "function",
          "bytes": "bytes", "Ref": "ref", "Continuation": "continuation"}


# Clojure calls vectors (and strings never): Turmeric does not, so say what to write instead.
NOT_CALLABLE_HINTS = {"vector": "a vector is not a function in Turmeric: write (nth v i) or (get v i)"}


def python_type_word(pyname: str) -> str:
    return _TYPES.get(pyname, pyname)


def with_article(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def fn_display(pyname: str) -> str:
    for prefix in ("F_", "K_", "R_"):
        if pyname.startswith(prefix):
            return demangle(pyname[2:]) or pyname
    if pyname == "fn_":
        return "an anonymous fn"
    return demangle_any(pyname)


def _not_a_number(op: str, left: str, right: str) -> TurmericError:
    culprit = left if left not in ("int", "float") else right
    op = {"**": "expt", "//": "quot", "%": "mod"}.get(op, op)
    return TurmericError("type", f"{op}: expected a number, got {python_type_word(culprit)}")


def _raised_by_add(e: BaseException) -> bool:
    """Whether the innermost Python frame of e's traceback failed at a `+` instruction."""
    from opcode import opmap    # (here, not at the top: only this error needs it; start-up)
    tb = e.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    code, at = tb.tb_frame.f_code.co_code, tb.tb_lasti
    return at + 1 < len(code) and code[at] == opmap["BINARY_OP"] and code[at + 1] in (0, 13)   # NB_ADD, NB_INPLACE_ADD


def _count(n) -> str:
    return f"{n} argument{'s' if n != 1 else ''}"


def _arity(pyname: str, expected, got: int, codemap=None) -> TurmericError:
    known = _known_arity(pyname, codemap)
    name = known[0] if known is not None else fn_display(pyname)
    return TurmericError("arity", f"{name} takes {_count(expected)}, got {got}")


def arity_entry(name: str, f) -> tuple[str, int, int] | None:
    """(Turmeric name, fixed parameters, 1 if it takes the depth d first) of a builtin."""
    target = getattr(f, "tm_pure", f)
    if getattr(target, "__code__", None) is None:
        return None
    shape = _positional_shape(target)
    if shape is None:
        return None
    fixed, first = shape
    takes_depth = first == "d"
    return name, fixed - takes_depth, int(takes_depth)


def _positional_shape(f) -> tuple[int, str | None] | None:
    """(the positional-or-keyword parameters without a default, the first parameter's name) of
    a function, as inspect.signature reports them; None if it has no signature.

    Read from the code object for a plain function or a bound method: a session names its
    ~600 builtins at start-up, and inspect.signature over all of them cost 5 ms of the 80 of
    `turmeric run hello.tm` (#14, the start-up row). Anything else (a wrapper with
    __wrapped__ or __signature__, a callable object) goes through inspect.signature, which
    tests/test_startup.py checks these agree with for every builtin and for generated
    signatures."""
    bound = type(f) is MethodType
    func = f.__func__ if bound else f
    if type(func) is not FunctionType or hasattr(func, "__wrapped__") or hasattr(func, "__signature__"):
        return _signature_shape(f)
    code = func.__code__
    n_pos, n_kwonly = code.co_argcount, code.co_kwonlyargcount
    varargs, varkw = bool(code.co_flags & inspect.CO_VARARGS), bool(code.co_flags & inspect.CO_VARKEYWORDS)
    skip = 0   # a bound method's self is not in its signature
    if bound:
        if n_pos == 0:   # self taken by *args, or no place for it: inspect decides
            return _signature_shape(f)
        skip = 1
    # positional-only first, then positional-or-keyword; the defaults are the last positional ones
    fixed = max(0, n_pos - len(func.__defaults__ or ()) - max(code.co_posonlyargcount, skip))
    names = code.co_varnames
    if n_pos > skip:
        first = names[skip]
    else:   # after the positional ones a signature has *args, the keyword-only ones, **kwargs
        # (co_varnames holds the keyword-only ones before *args and **kwargs)
        rest = [*names[n_pos + n_kwonly:n_pos + n_kwonly + varargs], *names[n_pos:n_pos + n_kwonly],
                *names[n_pos + n_kwonly + varargs:n_pos + n_kwonly + varargs + varkw]]
        first = rest[0] if rest else None
    return fixed, first


def _signature_shape(f) -> tuple[int, str | None] | None:
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        return None
    fixed = sum(1 for p in sig.parameters.values()
                if p.kind == p.POSITIONAL_OR_KEYWORD and p.default is p.empty)
    return fixed, next(iter(sig.parameters), None)


def arity_table(builtins) -> dict:
    """Python function name -> arity_entry and whether it takes more than its fixed
    parameters (*args or a default), for (Turmeric name, builtin) pairs; compiled Turmeric
    code is left to the code map, which knows it from its FnInfo."""
    table: dict = {}
    for name, f in builtins:
        code = getattr(getattr(f, "tm_pure", f), "__code__", None)
        if code is None or "<turmeric:" in code.co_filename:
            continue
        entry = arity_entry(name, f)
        if entry is not None:
            more = bool(code.co_flags & inspect.CO_VARARGS or getattr(getattr(f, "tm_pure", f), "__defaults__", None))
            table.setdefault(code.co_name, (*entry, more))
    return table


# The builtins' own tables (runtime/builtins/table.py's PURE_BUILTINS, higher_order.py's
# HIGHER_ORDER), which add themselves when they load: this module is below them (the machine
# imports it, and the builtins import the machine), so it never imports them.
_BUILTIN_TABLES: list[dict] = []
_BUILTIN_ARITY: dict | None = None


def add_builtin_table(table: dict) -> None:
    """Makes the builtins of `table` (Turmeric name -> function) known to arity errors that
    are converted without a session's code map."""
    global _BUILTIN_ARITY
    _BUILTIN_TABLES.append(table)
    _BUILTIN_ARITY = None


def _known_arity(pyname: str, codemap) -> tuple[str, int, int, bool] | None:
    """What is known of the Python function `pyname`: from the session's code map (compiled
    code, every builtin), else from the builtins' own tables (an error caught by try is
    converted without a code map). The table is a fact about the code, computed once."""
    global _BUILTIN_ARITY
    known = codemap.known_arity(pyname) if codemap is not None else None
    if known is None:
        if _BUILTIN_ARITY is None:
            _BUILTIN_ARITY = arity_table([pair for t in _BUILTIN_TABLES for pair in t.items()])
        known = _BUILTIN_ARITY.get(pyname)
    return known


def _depth_offset(pyname: str, codemap) -> int:
    """1 if the Python function takes the depth `d` before its arguments (compiled code and
    builtins that call back into Turmeric), 0 for a plain builtin."""
    known = _known_arity(pyname, codemap)
    return known[2] if known is not None else 1


def python_error(e: BaseException, codemap: "CodeMap | None" = None) -> TurmericError:
    """Translate a Python exception raised by compiled code or a builtin."""
    if isinstance(e, TurmericError):
        return e
    msg = str(e)
    if isinstance(e, TypeError):
        m = re.match(r"([\w.<>]+)\(\) takes (\d+) positional arguments? but (\d+) (?:was|were) given", msg)
        if m:
            d = _depth_offset(m.group(1), codemap)
            return _arity(m.group(1), int(m.group(2)) - d, int(m.group(3)) - d, codemap)
        m = re.match(r"([\w.<>]+)\(\) takes from (\d+) to (\d+) positional arguments but (\d+)", msg)
        if m:
            d = _depth_offset(m.group(1), codemap)
            return _arity(m.group(1), f"{int(m.group(2)) - d} to {int(m.group(3)) - d}", int(m.group(4)) - d,
                          codemap)
        m = re.match(r"([\w.<>]+)\(\) missing (\d+) required positional arguments?", msg)
        if m:
            known = _known_arity(m.group(1), codemap)
            if known is not None:
                name, nparams, _d, more = known
                return TurmericError("arity", f"{name} takes {'at least ' if more else ''}{_count(nparams)}, "
                                              f"got {nparams - int(m.group(2))}")
            return TurmericError("arity", f"{fn_display(m.group(1))} is missing {m.group(2)} argument(s)")
        m = re.match(r"unsupported operand type\(s\) for ([^:]+): '([\w.]+)' and '([\w.]+)'", msg)
        if m:
            return _not_a_number(m.group(1).strip(), m.group(2), m.group(3))
        m = re.match(r"'(.+)' not supported between instances of '([\w.]+)' and '([\w.]+)'", msg)
        if m:
            op, left, right = m.groups()
            if "list" in (left, right):
                # a vector compared: it compares as a Python list, and when it was the right
                # operand Python tried the reflected operator, so the message's operator may be
                # the other way round: name none
                op = "<, >, <= and >="
                left, right = ("PVector" if t == "list" else t for t in (left, right))
            return _not_a_number(op, left, right)
        m = re.match(r"can only concatenate (\w+) \(not \"(\w+)\"\) to", msg)
        if m:
            return _not_a_number("+", m.group(1), m.group(2))
        m = re.match(r"'([\w.]+)' object is not callable", msg)
        if m:
            word = python_type_word(m.group(1))
            what = "nil" if word == "nil" else with_article(word)
            return TurmericError("type", f"{what} is not a function and cannot be called",
                                 hint=NOT_CALLABLE_HINTS.get(word, "the first element of a list form is called as a function"))
        m = re.match(r"'([\w.]+)' object is not iterable", msg)
        if m and _raised_by_add(e):
            # an inlined (+ v x): a vector's + extends it by x, which must be iterable
            return _not_a_number("+", "PVector", m.group(1))
        m = re.match(r"bad operand type for unary -: '([\w.]+)'", msg)
        if m:
            return TurmericError("type", f"-: expected a number, got {python_type_word(m.group(1))}")
        return TurmericError("type", msg)
    if isinstance(e, NameError):
        m = re.search(r"name '(\w+)' is not defined", msg)
        name = demangle_any(m.group(1)) if m else msg
        return TurmericError("unbound", f"{name} is not defined", hint=import_hint(name))
    if isinstance(e, KeyError):
        key = e.args[0] if e.args else ""
        return TurmericError("unbound", f"{demangle_any(str(key))} is not defined in that module")
    if isinstance(e, AttributeError):
        name = getattr(e, "name", None) or ""
        if name.startswith("f_"):
            obj = getattr(e, "obj", None)
            field = demangle(name[2:])
            if isinstance(obj, StructValue):
                return TurmericError("type", f"struct {obj.stype.name} has no field {field}",
                                     hint="its fields: " + " ".join(obj.stype.fields))
            return TurmericError("type", f"{with_article(type_name(obj))} has no field {field}")
        return TurmericError("type", msg)
    if isinstance(e, ZeroDivisionError):
        return TurmericError("value", "division by zero")
    if isinstance(e, RecursionError):
        return TurmericError("control", "the Python stack overflowed inside a builtin",
                             hint="deep recursion through a builtin that calls back into Turmeric")
    if isinstance(e, (OverflowError, ValueError)):
        return TurmericError("value", msg)
    if isinstance(e, OSError):
        return TurmericError("io", f"{e.strerror or msg}: {e.filename}" if e.filename else msg)
    if isinstance(e, MemoryError):
        return TurmericError("value", "out of memory")
    return TurmericError("type", f"internal error: {type(e).__name__}: {msg}",
                         hint="this is a bug in Turmeric; TURMERIC_DEBUG=1 shows the Python traceback")


def attach_stack(err: TurmericError, exc: BaseException, codemap: CodeMap) -> TurmericError:
    """Fill in the Turmeric call stack (heap frames, then the traceback) and the span."""
    stack: list[tuple[str, Span | None]] = []
    for entry, _locs in getattr(exc, "heap_frames", ()) or ():
        site = codemap.sites.get(entry)
        if site is not None:
            info, i = site
            stack.append((info.symbol, info.sites[i].span))
    tb = getattr(exc, "tm_traceback", None) or exc.__traceback__
    resumed = getattr(exc, "tm_resumed", None) or {}   # machine.resume: frames not yet run
    frame = None
    while tb is not None:
        for entry, _locs in reversed(resumed.get(tb.tb_frame, ())):
            site = codemap.sites.get(entry)
            if site is not None:
                info, i = site
                stack.append((info.symbol, info.sites[i].span))
        loc = codemap.locate(tb.tb_frame.f_code, tb.tb_lineno)
        if loc is not None:
            if tb.tb_frame is frame:   # an error thrown again in the frame that caught it
                stack.pop()            # (a finally, a catch of other classes): where it began
            stack.append(loc)
            frame = tb.tb_frame
        tb = tb.tb_next
    if not err.tstack:
        err.tstack = [(n, s) for n, s in stack if not n.startswith("<")]
    if err.span is None:
        for _name, span in reversed(stack):
            if span is not None:
                err.span = span
                break
    return err
