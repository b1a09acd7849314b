"""What the REPL remembers besides the session, as plain data (so a session can be saved):
the numbered results `$1`, `$2`, ... and the source text of every evaluated input."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from turmeric.data.names import mangle_global

USER = "user"


@dataclass
class ReplState:
    """What the REPL remembers besides the session: plain data, to be serialized."""
    counter: int = 0                                          # the number of the last result
    results: dict[int, Any] = field(default_factory=dict)    # N -> the value of $N
    inputs: list[str] = field(default_factory=list)          # evaluated source texts, in order

    @staticmethod
    def input_file(index: int) -> str:
        """The source file name of the input `inputs[index - 1]`."""
        return f"<repl-{index}>"

    def install(self, session) -> None:
        """Make the session agree with this state: every $N a global of `user`, every input's
        text known to the session (for the source lines of error messages)."""
        for n, value in self.results.items():
            install_result(session, n, value)
        for i, text in enumerate(self.inputs, 1):
            session.sources.setdefault(self.input_file(i), text)


def user_module(session):
    """The module `user`, created (empty) if no input made it yet."""
    return session.scratch_module(USER)


def install_result(session, n: int, value) -> None:
    """Define the global `$n` of the module `user` as `value`."""
    mod = user_module(session)
    name = f"${n}"
    mod.ns[mangle_global(name)] = value
    mod.globals.add(name)


class Quit(Exception):
    """Leave the REPL with `code`."""

    def __init__(self, code: int = 0):
        super().__init__(code)
        self.code = code


def elapsed_text(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.3f} s"


def clock() -> float:
    return time.perf_counter()
