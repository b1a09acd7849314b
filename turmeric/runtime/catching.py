"""What the expansion of `try` with exception classes or `finally` calls
(expander/expander.py `expand_try`; spec/language.md §7).

The handler of such a try starts with `(core/%caught)`, which takes the exception being
handled (the Python `except` clause the handler runs in) as a `Caught`: the original
exception, so that a catch that does not match, or a finally, throws it again unchanged
(its kind, message and position), and the value `(catch e ...)` binds.
"""
from __future__ import annotations

import sys

from turmeric.data.catching import catches
from turmeric.data.errors import TurmericError
from turmeric.data.signals import Thrown
from turmeric.data.values import StructValue
from turmeric.runtime.core_structs import ERROR, EX_INFO
from turmeric.runtime.errors_convert import error_value, python_error


class Caught:
    """An error a try caught, held while its catch clauses are tried or its finally runs.
    Not a Turmeric value: only the expansion of try holds one."""
    __slots__ = ("exc", "value", "origin", "kind", "message")
    turmeric_type = "pending-error"   # what a serialize error names (a capture inside a finally)

    def __init__(self, exc: BaseException):
        self.exc = exc
        self.value = error_value(exc)
        if isinstance(exc, Thrown):
            v = exc.value
            stype = v.stype if isinstance(v, StructValue) else None
            self.origin = "ex-info" if stype is EX_INFO else "error-value" if stype is ERROR else "value"
            self.kind, self.message = "thrown", ""
        else:
            err = exc if isinstance(exc, TurmericError) else python_error(exc)
            self.origin, self.kind, self.message = "error", err.kind, err.message

    def __repr__(self):
        return "#<caught error>"


def caught():
    """(core/%caught): the exception the enclosing handler is handling."""
    return Caught(sys.exception())


def caught_is(category: str, c: Caught) -> bool:
    return catches(category, c.origin, c.kind, c.message)


def caught_value(c: Caught):
    return c.value


def rethrow(c: Caught):
    """A catch that matched none of the classes: the same exception goes on. Called directly
    (a pure builtin, not a call site) so that a Thrown's frames still end at the throw's own
    frame in this function, and a try-with's k resumes the throw itself."""
    raise c.exc


def finally_exit(d, r):
    """(core/%finally-exit r) after a finally ran: r's value, or throw r's error again. A
    Thrown is thrown anew from here (a call site), so a try-with's k resumes after this try
    (the value given to k is the try's value): the finally has run, the body is left."""
    if type(r) is not Caught:
        return r
    exc = r.exc
    if isinstance(exc, Thrown):
        raise Thrown(exc.value, exc.error).with_traceback(exc.__traceback__)
    raise exc


CATCH_PURE = {"%caught": caught, "%caught-is?": caught_is, "%caught-value": caught_value,
              "%rethrow": rethrow}
CATCH_CORE = {"%finally-exit": finally_exit}
