"""A compiled unit (a module file, or one REPL input): its code object and the metadata the
runtime needs; and where the standard library's source is."""
from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from turmeric.data.code import CompiledModule


@dataclass
class Unit:
    """What compiling one unit made, as the session runs it and the cache stores it."""
    compiled: CompiledModule
    code: Any
    filename: str
    version: Any
    imports: dict
    globals: list
    path: str | None = None
    state: dict | None = None    # a REPL chunk: the module's numbering after it compiled


STDLIB_DIR = Path(__file__).resolve().parents[2] / "stdlib"   # in a source checkout


def stdlib_dir() -> Path:
    """The folder of stdlib/*.tm: inside the installed package (turmeric.stdlib), else the
    checkout's."""
    try:
        p = Path(str(files("turmeric.stdlib")))
        if p.is_dir():
            return p
    except (ImportError, ModuleNotFoundError, TypeError):
        pass
    return STDLIB_DIR
