"""What the serializer and the typeclasses ask of the running program, as one small typed
interface. `Session` implements it; nothing below the session reads the session's dicts or
the Python names the code generator gives globals.

It lives in runtime/ rather than session/ because its users (runtime/typeclasses.py,
serialize/) sit below the session: the interface belongs to them, and the session depends on
it, never the other way round."""
from __future__ import annotations

from dataclasses import dataclass
from types import CodeType
from typing import Any, Callable, Protocol

from turmeric.data.code import FnInfo
from turmeric.data.span import Span
from turmeric.data.values import StructType


@dataclass(frozen=True, slots=True)
class ModuleFacts:
    """What a payload's module table says about a loaded module."""
    version: Any
    path: str | None          # the file it was loaded from; None for the REPL's modules


class Services(Protocol):
    blob_memo: dict      # chunk names of large values already in a blob store (serialize/blobs.py)
    code_memo: set       # module versions already kept in a code store (serialize/codestore.py)

    def code_versions(self) -> list[tuple[str, str, str]]:
        """(module, source hash, source text) of each module loaded from a file (#10 item 4)."""

    def function_info(self, code: CodeType) -> FnInfo | None:
        """The function whose compiled code this is, or None for code that is not Turmeric's."""

    def builtin_name(self, f: Callable) -> str | None:
        """The core name of a builtin function, or None."""

    def core_value(self, name: str) -> Any | None:
        """The value the core module gives `name` (a builtin, a stdlib class), or None."""

    def resolve_symbol(self, module: str, symbol: str, path_hint: str | None) -> FnInfo | None:
        """The function a saved frame names, loading its module (definitions only) from the
        module path if it is not loaded yet."""

    def resume_entry(self, info: FnInfo, site: int) -> Callable | None:
        """The compiled resume entry of a function's call site (a builtin's for core ones)."""

    def compiled_function(self, info: FnInfo) -> Callable | None:
        """A function's compiled code: the function itself, or for a closure the factory
        that takes its captured values."""

    def module_facts(self, name: str) -> ModuleFacts | None:
        """Version and file of a loaded module, or None if it is not loaded."""

    def require_for_data(self, module: str, path_hint: str | None, version: Any = None) -> None:
        """Load a module a payload's module table names (definitions only) if it is not
        loaded: from the module path, else the checkpoint's code store (never the saved path,
        #15 item 2); a schema-mismatch error if it is nowhere."""

    def find_struct_type(self, qualname: str, path_hint: str | None = None) -> StructType | None:
        """The struct type `module.Name`, loading the module if needed, as require_for_data
        does (`path_hint` is only reported)."""

    def marshal_resource(self, x: Any) -> tuple[str, Any, str | None] | None:
        """(type name, token, module of the instance that made it or None) for a resource
        value, or None for a value that is not one."""

    def unmarshal_resource(self, type_name: str, token: Any) -> Any:
        """The resource a token describes, rebuilt by its instance (or the built-in one)."""

    def define_global(self, module: str, name: str, value: Any) -> None:
        """Bind a global of a loaded module (defclass binds its methods' dispatchers)."""

    def module_state(self, name: str) -> list[tuple[str, Any]]:
        """The values of the module's state globals, which a saved continuation carries."""

    def restore_module_state(self, name: str, global_name: str, value: Any) -> None:
        """Bind a state global from saved data, in a module loaded only to resolve it."""

    def call(self, fn: Callable, *args: Any, who: str = "a builtin") -> Any:
        """Call a Turmeric function from Python, on its own trampoline (a barrier)."""

    def run(self, runner: Callable, *args: Any) -> Any:
        """runner(*args), which may run Turmeric code; every error leaves as a TurmericError."""

    def source_line(self, span: Span) -> str | None:
        """The source line a span points into, if the session read that file."""
