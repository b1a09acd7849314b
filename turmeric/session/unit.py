"""A compiled unit (a module file, or one REPL input): its code object and the metadata the
runtime needs; and where the standard library's source is."""
from __future__ import annotations

from dataclasses import dataclass
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


PACKAGE_STDLIB_DIR = Path(__file__).resolve().parents[1] / "stdlib"   # installed: the package turmeric.stdlib
STDLIB_DIR = Path(__file__).resolve().parents[2] / "stdlib"   # in a source checkout (or an editable install)

_stdlib_dir: Path | None = None


def stdlib_dir() -> Path:
    """The folder of stdlib/*.tm: inside the installed package (turmeric.stdlib), else the
    checkout's. Found by where this file is, not with importlib.resources, whose import (with
    zipfile and tempfile) was 4 ms of the start-up of `turmeric run` (#14); it is asked only
    when neither folder exists. Computed once: the folder of the running code does not move."""
    global _stdlib_dir
    if _stdlib_dir is None:
        _stdlib_dir = next((p for p in (PACKAGE_STDLIB_DIR, STDLIB_DIR) if p.is_dir()), None) or _stdlib_resource()
    return _stdlib_dir


def _stdlib_resource() -> Path:
    from importlib.resources import files   # start-up: only when the package is laid out otherwise
    try:
        p = Path(str(files("turmeric.stdlib")))
        if p.is_dir():
            return p
    except (ImportError, ModuleNotFoundError, TypeError):
        pass
    return STDLIB_DIR
