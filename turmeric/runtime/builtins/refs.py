"""Refs, the only user-visible mutable cells: ref, deref, ref-set! (swap! calls a function, so
it is in runtime/higher_order.py)."""
from __future__ import annotations

from typing import Callable

from turmeric.data.types import type_error
from turmeric.data.values import Ref


def ref(v):
    return Ref(v)


def deref(r):
    if isinstance(r, Ref):
        return r.value
    raise type_error("deref", "a ref", r)


def ref_set(r, v):
    if not isinstance(r, Ref):
        raise type_error("ref-set!", "a ref", r)
    r.value = v
    return v


BUILTINS: dict[str, Callable] = {"ref": ref, "deref": deref, "ref-set!": ref_set}
