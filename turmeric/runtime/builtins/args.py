"""The argument checks every builtin shares: each returns its argument when it has the right type
and raises the type or value error of spec/builtins.md ("name: expected an integer, got ...")
when it has not."""
from __future__ import annotations

from typing import Any

from turmeric.data.types import type_error, value_error

MISSING = object()  # the default of an optional argument: no caller can pass it


def int_arg(name: str, x: Any) -> int:
    if type(x) is not int:
        raise type_error(name, "an integer", x)
    return x


def num_arg(name: str, x: Any):
    if type(x) is not int and type(x) is not float:
        raise type_error(name, "a number", x)
    return x


def str_arg(name: str, x: Any) -> str:
    if type(x) is not str:
        raise type_error(name, "a string", x)
    return x


def path_arg(name: str, path) -> str:
    str_arg(name, path)
    if "\0" in path:
        raise value_error(name, "a path must not contain a NUL character")
    return path


def plural_count(n: int, word: str = "item") -> str:
    """"1 item", "3 items": a count for an error message."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
