"""A session: the modules, globals, macros and registries of one running Turmeric program.

There is no global interpreter state: two sessions in one process share nothing but code.
The pipeline for one module reads as its stages:

    forms    = reader.read_string(text, file)
    expanded = Expander(env).expand(form)            for each form
    tops     = Analyzer(ctx).analyze_toplevel(form)  for each form
    lowered  = cps.lower(name, tops, ...)
    compiled = codegen.emit(lowered)
    code     = compile(compiled.source)              (cached on disk by content hash)

(all in pipeline.py).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from turmeric.data.code import FnInfo
from turmeric.analyzer.toplevel import ModuleState
from turmeric.data.errors import TurmericError, source_line
from turmeric.data.names import mangle, mangle_global, split_qualified
from turmeric.data.signals import Capture, Raising, Thrown, Unwind
from turmeric.data.values import (
    EMPTY_VECTOR, Box, Keyword, PList, PMap, PSet, Regex, StructType, Symbol, plist, vector,
)
from turmeric.data.types import VECTOR_CLASS
from turmeric.runtime import higher_order, machine
from turmeric.runtime.catching import CATCH_CORE, CATCH_PURE
from turmeric.runtime.builtins.symbols import GensymCounter, gensym_of
from turmeric.runtime.builtins.table import PURE_BUILTINS
from turmeric.runtime.core_structs import ERROR, EX_INFO, NONE, REDUCED, SCHEMA_MISMATCH, SOME
from turmeric.runtime.errors_convert import CodeMap, attach_stack, error_value, python_error
from turmeric.runtime.resources import RESOURCE_BUILTINS
from turmeric.runtime.services import ModuleFacts
from turmeric.runtime.typeclasses import TypeClass, add_instance, marshal_resource, unmarshal_resource
from turmeric.serialize.builtins import session_builtins
from turmeric.session.core_namespace import comprehension_items, internal_pure, wrap_pure
from turmeric.session.modcache import ModuleCache
from turmeric.session.unit import Unit, stdlib_dir

@dataclass(kw_only=True)
class Module(ModuleState):
    """A loaded module: its compile state (ModuleState) and what running it made."""
    path: str | None
    ns: dict = field(default_factory=dict)
    macros: dict[str, Callable] = field(default_factory=dict)
    fninfos: dict[str, FnInfo] = field(default_factory=dict)
    source_hash: str = ""
    chunks: int = 0
    history: list = field(default_factory=list)   # (source, top_count before, file, unit) per REPL chunk
    # the globals its non-definition forms bind, such as (def table (atom {})): a saved
    # continuation carries their values (spec/serialization.md §5, module state)
    state_names: set = field(default_factory=set)
    # loaded with its definitions only, to resolve saved data: its state globals are unbound
    # until the data that named the module restores them
    definitions_only: bool = False


class Session:
    def __init__(self, module_path: list[str] | None = None, cache: bool = True):
        self.codemap = CodeMap()
        # resume entry -> (FnInfo, site index), for every loaded module and frame-aware builtin;
        # the code map reads it for stacks, and each module namespace holds it as TM_SITES
        # for the machine (machine.site_of)
        self.sites: dict[Callable, tuple[FnInfo, int]] = self.codemap.sites
        self.modules: dict[str, Module] = {}
        self.loading: set[str] = set()
        self.search_path = [Path(p) for p in (module_path or [])]
        env_path = os.environ.get("TURMERIC_PATH")
        if env_path:
            self.search_path += [Path(p) for p in env_path.split(os.pathsep) if p]
        self.search_path.append(stdlib_dir())
        self.argv: list[str] = []          # `turmeric run FILE ARGS...`: (command-line-args)
        self.cache = ModuleCache() if cache else None
        self.symbols: dict[str, tuple[FnInfo, Module]] = {}
        self.blob_memo: dict = {}   # chunk names of large values the checkpoint macro stored (blobs.py)
        self.code_infos: dict[Any, FnInfo] = CodeInfos()   # code object -> its function's info
        self.sources: dict[str, str] = {}
        # path -> hash of its text (the code store's name), computed when a checkpoint asks
        self.source_hashes: dict[str, str] = SourceHashes(self.sources)
        self.migrations: dict = {}      # (function symbol, old code hash) -> its migration (defmigration)
        self.code_memo: set = set()     # (code store, source hash) already kept (serialize/codestore.py)
        self.gensym_counter = GensymCounter()   # this session's (gensym) numbers (a REPL :save keeps it)
        self._build_core()

    # -- the core module -----------------------------------------------------------------

    def _build_core(self):
        self.pure: dict[str, Callable] = dict(PURE_BUILTINS)
        self.pure["gensym"] = gensym_of(self.gensym_counter)
        self.pure.update(internal_pure())
        self.pure.update(CATCH_PURE)
        self.pure.update(RESOURCE_BUILTINS)
        self.core: dict[str, Any] = {name: wrap_pure(name, f) for name, f in self.pure.items()}
        self.core.update(higher_order.HIGHER_ORDER)
        self.core.update({
            "%shift": machine.shift, "cloneable-reset": machine.cloneable_reset,
            "resume": machine.resume, "continue": machine.resume, "throw": machine.throw,
            "try-with": machine.try_with, **CATCH_CORE,
            "%register-macro": self._register_macro, "%import": self._import_at_runtime,
            "%register-migration": self._register_migration,
            "%struct-type": self._struct_type, "%defclass": self._defclass, "%instance": self._instance,
            "error": ERROR, "ex-info": EX_INFO, "Some": SOME, "None": NONE, "schema-mismatch": SCHEMA_MISMATCH,
            "reduced": REDUCED,
            "command-line-args": lambda d: vector(self.argv),
        })
        self.core.update(session_builtins(self))
        self.core_macros: dict[str, Callable] = {}
        self.builtin_infos = higher_order.BUILTIN_INFOS
        self.sites.update(higher_order.BUILTIN_SITES)
        for info in self.builtin_infos.values():
            self.symbols[info.symbol] = (info, None)
        core_file = stdlib_dir() / "core.tm"
        mod = self.load_file(str(core_file), name="core")
        for g in sorted(mod.globals):
            value = mod.ns.get(mangle_global(g))
            if isinstance(value, TypeClass):
                for m in value.methods:  # a stdlib class's default is the builtin of that name
                    if m in self.core and m not in value.defaults:
                        value.defaults[m] = self.core[m]
        for g in sorted(mod.globals):
            self.core[g] = mod.ns.get(mangle_global(g))
            if g in self.pure:  # a Turmeric definition replaces the builtin of that name
                del self.pure[g]
        self.core_macros.update(mod.macros)
        self._name_builtins()

    def core_names(self) -> frozenset:
        return frozenset(self.core)

    def new_namespace(self, module: Module) -> dict:
        ns: dict[str, Any] = {
            "__name__": f"turmeric.module.{module.name}",
            "Unwind": Unwind, "Thrown": Thrown, "Raising": Raising, "Capture": Capture,
            "_depth": machine._depth, "Box": Box, "KW": Keyword, "SYM": Symbol, "PLIST": plist,
            "VEC": vector, "PMAP": PMap.from_pairs, "PSET": PSet, "INF": float("inf"),
            "NAN": float("nan"), "ERROR_VALUE": error_value, "PListT": PList, "PVecT": VECTOR_CLASS, "VEC_OF": EMPTY_VECTOR.extend,
            "B_items": comprehension_items, "REGEX": Regex,
        }
        py = _PY_NAMES
        for name, f in self.pure.items():
            ns["B_" + (py.get(name) or _py_name(name))] = f
        for name, v in self.core.items():
            ns["C_" + (py.get(name) or _py_name(name))] = v
        return ns

    def _name_builtins(self):
        """Python names of builtins -> Turmeric names, so arity errors never leak them: the
        code map looks them up after compiled code's (codemap.arity), as they were named when
        the core was built, in a table it makes at the first arity error."""
        self.codemap.builtins = list(self.pure.items()) + list(self.core.items())

    # -- finding and loading modules -----------------------------------------------------

    def find_module(self, name: str, near: str | None = None) -> Path:
        rel = Path(*name.split(".")).with_suffix(".tm")
        dirs = ([Path(near).parent] if near else []) + self.search_path
        for d in dirs:
            p = d / rel
            if p.is_file():
                return p
        raise TurmericError("module", f"cannot find module {name} ({rel})",
                            hint="modules are looked up next to the importing file, then in "
                                 "TURMERIC_PATH, then in the standard library: " +
                                 ", ".join(str(d) for d in dirs))

    def require(self, name: str, near: str | None = None, span=None) -> Module:
        """The module `name`, loaded (and run) once per session."""
        mod = self.modules.get(name)
        if mod is not None:
            return mod
        if name in self.loading:
            raise TurmericError("module", f"modules import each other in a cycle: {name}", span)
        stored = self.stored_source(name, fallback=False)
        if stored is None:
            try:
                path = self.find_module(name, near)
            except TurmericError as e:
                stored = self.stored_source(name, fallback=True)
                if stored is None:
                    e.span = e.span or span
                    raise
        try:
            if stored is not None:
                return self.load_source(stored[1], stored[0], name, definitions_only=self.resolving > 0)
            return self.load_file(str(path), name=name, definitions_only=self.resolving > 0)
        except TurmericError as e:
            e.span = e.span or span  # at the import, when the module itself has no place
            raise

    resolving = 0   # > 0 while modules load only to resolve a saved continuation's symbols
    # module -> (source hash, code store) of the checkpoint being resumed or checked (#10
    # item 4): with code_mode "saved" these versions load instead of the module path's files;
    # with "current" only a module found nowhere on the module path loads from the store
    saved_code: dict = {}
    code_mode = "current"

    def load_file(self, path: str, name: str | None = None, definitions_only: bool = False,
                  on_result: Callable | None = None, program: bool = False) -> Module:
        """Compile (or fetch from the cache) and run a module file."""
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            raise TurmericError("no-input", f"no such file: {path}") from None
        except OSError as e:
            raise TurmericError("io", f"cannot read {path}: {e.strerror}") from None
        except UnicodeDecodeError:
            raise TurmericError("io", f"{path} is not UTF-8 text") from None
        name = name or Path(path).stem
        return self.load_source(text, path, name, definitions_only, on_result, program)

    def load_source(self, text: str, path: str, name: str, definitions_only: bool = False,
                    on_result: Callable | None = None, program: bool = False) -> Module:
        """`program`: the file given to `turmeric run`, which may name itself with (module x);
        a module loaded by import must be named as it was imported."""
        self.sources[path] = text
        self.source_hashes.pop(path, None)
        declared = declared_name(text)
        if declared is not None and declared != name:
            if not program:
                raise TurmericError("module", f"{path} declares (module {declared}), but it was "
                                              f"loaded as module {name}",
                                    hint=f"name the file {declared}.tm, or import it as {Path(path).stem}")
            name = declared
        mod = Module(name=name, path=path)
        mod.ns = self.new_namespace(mod)
        self.loading.add(name)
        try:
            unit = self.compile_unit(text, path, mod, strict=True)
            self.modules[name] = mod
            self.execute(unit, mod, definitions_only, on_result)
        finally:
            self.loading.discard(name)
        return mod

    # -- compiling ------------------------------------------------------------------------

    def compile_unit(self, text: str, path: str, mod: Module, strict: bool) -> "Unit":
        """Source text -> a compiled unit (code object + metadata), through the cache."""
        key = None
        if self.cache is not None and strict:
            key = self.cache.key(text, path, mod.name)
            mod.source_hash = key
            hit = self.cache.load(key, self)
            if hit is not None:
                self.adopt(hit, mod, path, text)
                return hit
        # Imported here, not at the top (a start-up win): a cache hit needs none of the
        # compiler's stages, and importing them costs about 15 ms (python -X importtime).
        from turmeric import pipeline
        top_before = mod.top_count
        filename = f"<turmeric:{mod.name}>" if strict else f"<turmeric:{mod.name}#{mod.chunks + 1}>"
        compiled = pipeline.compile_text(text, path, mod, MacroEnv(self, mod), self.core_names(),
                                         frozenset(self.pure), strict, filename)
        mod.chunks += 1
        # a file's unit lists all its globals; a REPL chunk only the ones it adds
        unit = Unit(compiled.module, compiled.code, filename, mod.version, dict(mod.imports),
                    sorted(mod.globals if strict else compiled.new_globals), path)
        if not strict:
            unit.state = {"top_after": mod.top_count, "counters": dict(mod.counters)}
            mod.history.append((text, top_before, path, unit))
        if key is not None:
            self.cache.store(key, unit, import_hashes=[
                (t, self.modules[t].source_hash) for t in sorted(set(mod.imports.values()))])
        return unit

    def adopt(self, unit: "Unit", mod: Module, path: str, text: str):
        """Take a unit compiled earlier (from the cache or a saved session) into `mod`, as
        compiling its source would have."""
        for alias, target in unit.imports.items():
            self.require(target, path)
            mod.imports[alias] = target
        mod.version = unit.version
        mod.globals |= set(unit.globals)
        if unit.state is not None:
            mod.history.append((text, mod.top_count, path, unit))
            mod.top_count = unit.state["top_after"]
            mod.counters.update(unit.state["counters"])
            mod.chunks += 1

    def execute(self, unit: "Unit", mod: Module, definitions_only: bool = False,
                on_result: Callable | None = None, skip_defs: bool = False):
        """Run a compiled unit in its module: define its functions, then run its top-level
        forms in order, each under a prompt (only the definitions when resolving; not even
        the defs when restoring a session, whose globals come from the saved values)."""
        ns = mod.ns
        for alias, target in unit.imports.items():
            ns["M_" + mangle(target)] = self.modules[target].ns
        exec(unit.code, ns)  # noqa: S102 - code we generated from the module's source
        self.register(unit, mod)
        cm = unit.compiled
        mod.definitions_only = mod.definitions_only or definitions_only
        mod.state_names |= {g for is_def, g in zip(cm.definitions, cm.def_names) if g is not None and not is_def}
        for fname, is_def, gname, shows in zip(cm.toplevel, cm.definitions, cm.def_names, cm.shows_result):
            if definitions_only and not is_def or skip_defs and gname is not None:
                continue
            value = self.run_toplevel(ns[fname])
            if gname is not None:
                ns[mangle_global(gname)] = value
            if on_result is not None and shows:
                on_result(value)

    def register(self, unit: "Unit", mod: Module):
        cm = unit.compiled
        names: dict[str, str] = {}
        ns = mod.ns
        ns["TM_SITES"] = self.sites
        for info in cm.fninfos:
            mod.fninfos[info.symbol] = info
            self.symbols[info.symbol] = (info, mod)
            if info.free:
                factory = ns[info.pyname]
                names[info.pyname] = info.symbol
                for c in factory.__code__.co_consts:
                    if hasattr(c, "co_qualname"):
                        names[c.co_qualname] = info.symbol
                        self.code_infos[c] = info
            else:
                names[info.pyname] = info.symbol
                self.code_infos[ns[info.pyname].__code__] = info
            fixed = len([x for x in info.params if x != "&"]) - (1 if "&" in info.params else 0)
            inner = info.pyname if not info.free else None
            # a closure by its qualified name too (Python's arity messages name it so:
            # `K_m_of_dfn_n1.<locals>.fn_() missing 1 required positional argument`)
            closures = [c for c in (ns[info.pyname].__code__.co_consts if info.free else ())
                        if hasattr(c, "co_qualname")]
            for pyname in filter(None, (inner, *(c.co_name for c in closures), *(c.co_qualname for c in closures))):
                self.codemap.arity[pyname] = (info.symbol, fixed, 1, "&" in info.params)   # compiled code takes d
            for i, site in enumerate(info.sites):
                self.sites[ns[site.entry]] = (info, i)
                names[site.entry] = info.symbol
        self.codemap.add(unit.filename, cm.line_spans, names)

    def run_toplevel(self, fn) -> Any:
        return self.run(machine.run, fn, ())

    def run(self, runner, *args):
        """Run on the machine; every error leaves as a TurmericError with a stack."""
        try:
            return runner(*args)
        except TurmericError as e:
            raise attach_stack(e, e, self.codemap) from None
        except (Unwind, KeyboardInterrupt, SystemExit):
            raise
        except RecursionError as e:
            raise attach_stack(python_error(e, self.codemap), e, self.codemap) from None
        except Exception as e:  # noqa: BLE001 - translated: the user never sees a Python traceback
            err = python_error(e, self.codemap)
            err.heap_frames = getattr(e, "heap_frames", None)
            err.__traceback__ = e.__traceback__
            raise attach_stack(err, e, self.codemap) from None

    def call(self, fn, *args, who: str = "a builtin"):
        """Call a Turmeric function from Python (a macro, a comparator): a barrier."""
        return self.run(machine.run, fn, args, None, who)

    # -- evaluating text (REPL, tests) -------------------------------------------------------

    def scratch_module(self, name: str) -> Module:
        """The module `name` that text is evaluated in (the REPL's `user`), created empty the
        first time."""
        mod = self.modules.get(name)
        if mod is None:
            mod = Module(name=name, path=None)
            mod.ns = self.new_namespace(mod)
            self.modules[name] = mod
        return mod

    def eval_string(self, text: str, module: str = "user", file: str | None = None,
                    on_result: Callable | None = None) -> list:
        mod = self.scratch_module(module)
        if file is None:  # each chunk its own name, so its source lines stay findable
            file = f"<{module}-{mod.chunks + 1}>"
        self.sources[file] = text
        results: list = []
        unit = self.compile_unit(text, file, mod, strict=False)

        def collect(v):
            results.append(v)
            if on_result is not None:
                on_result(v)
        self.execute(unit, mod, on_result=collect)
        return results

    # -- the services the serializer and typeclasses use (runtime/services.py) ----------------------------------------------------------------

    def builtin_name(self, f) -> str | None:
        name = getattr(f, "__turmeric_name__", None)
        if name is not None and self.core.get(name) is f:
            return name
        if self._builtin_ids is None:
            self._builtin_ids = {id(v): k for k, v in self.core.items()}
        name = self._builtin_ids.get(id(f))
        return name if name is not None and self.core.get(name) is f else None

    _builtin_ids: dict | None = None

    def function_info(self, code) -> FnInfo | None:
        return self.code_infos.get(code)

    def resume_entry(self, info: FnInfo, site: int):
        name = info.sites[site].entry
        if info.code_hash == "builtin":
            return getattr(higher_order, name, None)
        mod = self._defining_module(info)
        return mod.ns.get(name) if mod is not None else None

    def compiled_function(self, info: FnInfo):
        mod = self._defining_module(info)
        return mod.ns.get(info.pyname) if mod is not None else None

    def _defining_module(self, info: FnInfo) -> Module | None:
        """The module whose namespace holds the function's code (a macro's own, for one)."""
        found = self.symbols.get(info.symbol)
        return found[1] if found is not None and found[0] is info else None

    def core_value(self, name: str):
        return self.core.get(name)

    def module_facts(self, name: str) -> ModuleFacts | None:
        mod = self.modules.get(name)
        return ModuleFacts(mod.version, mod.path) if mod is not None else None

    def define_global(self, module: str, name: str, value) -> None:
        self.modules[module].ns[mangle_global(name)] = value

    def module_state(self, name: str) -> list[tuple[str, object]]:
        """The bound state globals of a module (not core's, which every session runs whole),
        by name, for a saved continuation to carry."""
        mod = self.modules.get(name)
        if mod is None or name == "core":
            return []
        ns = mod.ns
        return [(g, ns[mangle_global(g)]) for g in sorted(mod.state_names) if mangle_global(g) in ns]

    def restore_module_state(self, name: str, global_name: str, value) -> None:
        """Bind a state global that saved data carries, in a module loaded only to resolve
        that data, unless something bound it already: a running program keeps its own."""
        mod = self.modules.get(name)
        if mod is not None and mod.definitions_only and global_name in mod.state_names:
            mod.ns.setdefault(mangle_global(global_name), value)

    def source_line(self, span) -> str | None:
        return source_line(span, self.sources)

    def resolve_symbol(self, module: str, symbol: str, path_hint: str | None):
        """The FnInfo of `symbol`, loading its module (definitions only) if needed."""
        found = self.symbols.get(symbol)
        if found is None and module not in self.modules:
            self.load_for_resolution(module, path_hint)
            found = self.symbols.get(symbol)
        if found is None and module == "core" and symbol.startswith("core."):
            info = self.builtin_infos.get(symbol[5:])
            return info
        return found[0] if found is not None else None

    def require_for_data(self, module: str, path_hint: str | None, version=None) -> None:
        """Load (definitions only) a module that a payload's module table names, so that its
        functions, struct types and typeclass instances are in force before any record is
        built (#9 item 4)."""
        if module not in self.modules:
            self.load_for_resolution(module, path_hint, version)

    def resolution_dirs(self) -> list[Path]:
        """Where a module a payload names is looked for: the folders of the program's modules
        already loaded from files (the script that calls deserialize; for `turmeric resume`,
        the modules loaded so far; not a code store's folder, whose files are found by hash
        only), then the module path (for resume: the checkpoint's folder and the current
        folder), TURMERIC_PATH and the standard library."""
        from turmeric.serialize.codestore import DIRNAME as CODE_DIRNAME   # start-up: only to resolve data
        std = stdlib_dir()
        near = [Path(os.path.abspath(mod.path)).parent for mod in self.modules.values()
                if mod.path and not mod.path.startswith("<")]
        return list(dict.fromkeys([d for d in near if d != std and d.name != CODE_DIRNAME] + self.search_path))

    def load_for_resolution(self, module: str, path_hint: str | None, version=None):
        """Load (definitions only) a module the data names, found only in the resolution
        folders or the checkpoint's code store (#15 item 2, #10 item 4): the path the data
        saved (`path_hint`) never chooses the file, so bytes cannot make the reader compile an
        arbitrary local file; it is only reported when the module is nowhere. A file there
        that now declares another module name is a schema-mismatch (#15 item 6, spec §6)."""
        from turmeric.serialize.decode import missing_module, schema_mismatch   # start-up: only to resolve data
        rel = Path(*module.split(".")).with_suffix(".tm")
        stored = self.stored_source(module, fallback=False)
        dirs = self.resolution_dirs()
        if stored is None:
            found = next((d / rel for d in dirs if (d / rel).is_file()), None)
            if found is None:
                stored = self.stored_source(module, fallback=True)
                if stored is None:
                    raise missing_module(module, str(rel), path_hint, [str(d) for d in dirs], version)
        if stored is not None:
            path, text = stored
        else:
            path = str(found)
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except (OSError, UnicodeDecodeError):
                text = None         # load_file reports what is wrong with the file
        declared = declared_name(text) if text is not None else None
        if declared is not None and declared != module:
            raise schema_mismatch(
                f"module {module} was renamed: {path} declares (module {declared}) now", version,
                hint=f"the checkpoint was saved by module {module}; restore its (module {module}) "
                     f"declaration to resume it")
        self.resolving += 1
        try:
            if text is None:
                self.load_file(path, name=module, definitions_only=True)
            else:
                self.load_source(text, path, module, definitions_only=True)
        finally:
            self.resolving -= 1

    def use_code_store(self, store, code: dict, mode: str = "current") -> None:
        """Resolve modules against the versions a checkpoint names (`code`: module -> source
        hash, from its header) kept in `store` (#10 item 4). mode "saved": those versions load
        instead of the module path's files, and one the store lacks is refused now."""
        from turmeric.serialize.decode import schema_mismatch   # start-up: only to resolve data
        self.saved_code = {name: (h, store) for name, h in code.items() if name != "core"}
        self.code_mode = mode
        if mode == "saved":
            for name, (h, st) in sorted(self.saved_code.items()):
                if st.get(h) is None:
                    raise schema_mismatch(
                        f"module {name}: the version this checkpoint was saved with ({h}) is not in the "
                        f"code store {st.root}", None,
                        hint="turmeric resume --code saved runs only code kept beside the checkpoint; "
                             "resume with --code current to run the module path's code")

    def stored_source(self, module: str, fallback: bool):
        """(path, text) of `module`'s version in the checkpoint's code store, when it is to be
        used: always with code_mode "saved", else only as the fallback for a module found
        nowhere on the module path."""
        hit = self.saved_code.get(module)
        if hit is None or not fallback and self.code_mode != "saved":
            return None
        h, store = hit
        text = store.get(h)
        return (store.path(h), text) if text is not None else None

    def code_versions(self) -> list[tuple[str, str, str]]:
        """(module, source hash, text) of every module loaded from a file: what a checkpoint
        keeps in its code store (#10 item 4), one consistent snapshot."""
        out = []
        for name, mod in self.modules.items():
            if name != "core" and mod.path and not mod.path.startswith("<") and mod.path in self.sources:
                out.append((name, self.source_hashes[mod.path], self.sources[mod.path]))
        return out

    def find_struct_type(self, qualname: str, path_hint: str | None = None):
        """The struct type `module.Name`, its module loaded (definitions only) as for a
        function: from the resolution folders, else the code store (#9 item 5, #15 item 2)."""
        module, _, name = qualname.rpartition(".")
        if module == "core":
            v = self.core.get(name)
            return v if isinstance(v, StructType) else None
        if module not in self.modules:
            self.load_for_resolution(module, path_hint)
        mod = self.modules.get(module)
        v = mod.ns.get(mangle_global(name)) if mod is not None else None
        return v if isinstance(v, StructType) and v.qualname == qualname else None

    def marshal_resource(self, x):
        return marshal_resource(self, x)

    def unmarshal_resource(self, type_name: str, token):
        return unmarshal_resource(self, type_name, token)

    # -- core internals that need the session ------------------------------------------------

    def _register_macro(self, d, name, fn):
        mod = self._module_of(fn)
        (mod.macros if mod is not None else self.core_macros)[name] = fn
        return None

    def _register_migration(self, d, fn_name, old_hash, migrate):
        """(defmigration module.fn OLD-HASH migrate), as its def runs (#10 item 5)."""
        if not callable(migrate):
            raise TurmericError("type", f"defmigration {fn_name}: the migration must be a function of the old frame")
        self.migrations[(fn_name, old_hash)] = migrate
        return migrate

    def _module_of(self, fn):
        qual = getattr(getattr(fn, "__code__", None), "co_filename", "")
        for m in self.modules.values():
            if f"<turmeric:{m.name}" in qual:
                return m
        return None

    def _import_at_runtime(self, d, name, alias):
        """(import x) when its module runs: loaded already at compile time, or from the cache."""
        self.require(name)
        return None

    def _struct_type(self, d, name, module, fields):
        return StructType(name, module, tuple(fields))

    def _defclass(self, d, name, module, methods):
        return TypeClass.define(self, name, module, methods)

    def _instance(self, d, cls, type_name, *methods):
        return add_instance(self, cls, type_name, methods)


class MacroEnv:
    """The expander's view of the session, for one module."""

    def __init__(self, session: Session, mod: Module):
        self.session = session
        self.mod = mod
        self.macro_ns: dict | None = None

    def lookup_macro(self, name: str):
        qualified = split_qualified(name)
        if qualified is not None:
            alias, member = qualified
            target = self.mod.imports.get(alias)
            if target is not None:
                return self.session.modules[target].macros.get(member)
            return None
        m = self.mod.macros.get(name)
        if m is not None:
            return m
        return self.session.core_macros.get(name)

    def define_macro(self, name: str, fn_form):
        """Compile a defmacro's function now, so the rest of the module can use it."""
        from turmeric import pipeline   # start-up: imported on first compile, as in compile_unit
        s = self.session
        filename = f"<turmeric:{self.mod.name}%macro>"
        compiled = pipeline.compile_macro(fn_form, self.mod.name, self.mod.imports, s.core_names(),
                                          frozenset(s.pure), filename)
        tmp = Module(name=self.mod.name, path=None, imports=dict(self.mod.imports))
        tmp.ns = s.new_namespace(tmp)
        for target in tmp.imports.values():
            tmp.ns["M_" + mangle(target)] = s.modules[target].ns
        unit = Unit(compiled.module, compiled.code, filename, None, {}, [])
        exec(unit.code, tmp.ns)  # noqa: S102 - generated from the macro's source
        s.register(unit, tmp)
        self.mod.macros[name] = s.run_toplevel(tmp.ns[compiled.module.toplevel[0]])

    def import_module(self, name: str, alias: str, span):
        self.session.require(name, self.mod.path, span)
        self.mod.imports[alias] = name

    def call_macro(self, fn, args, span):
        info = self.session.function_info(getattr(fn, "__code__", None))
        name = re.split(r"[./]", info.symbol)[-1] if info is not None else "macro"
        _check_macro_arity(name, info, len(args), span)
        try:
            return self.session.call(fn, *args, who="a macro expansion")
        except TurmericError as e:
            if e.kind == "arity" and e.message.startswith(f"{name} takes "):
                # a multi-arity macro's own dispatch refusing the use: an error at the use
                raise TurmericError("arity", f"macro {e.message}", span) from None
            if e.span is None:
                e.span = span
            elif e.kind == "thrown" and Path(e.span.file).parent == stdlib_dir():
                # a core library macro refusing its arguments (with-open, declare, ...): a
                # compile error at the use, not a throw inside core.tm
                raise TurmericError("compile", str(getattr(e.value, "f_message", e.message)), span) from None
            raise


# -- helpers -----------------------------------------------------------------------------

def _check_macro_arity(name: str, info: FnInfo | None, got: int, span) -> None:
    """A use of a one-arity macro with the wrong number of forms is an error at the use,
    showing the parameters (it named the macro's compiled function, at its definition)."""
    if info is None or info.dispatches_arities:
        return   # a multi-arity macro: its dispatch checks (call_macro)
    params = list(info.params)
    rest = "&" in params
    fixed = params.index("&") if rest else len(params)
    if got == fixed or (rest and got > fixed):
        return
    want = f"at least {fixed}" if rest else str(fixed)
    shown = " ".join(p if not p.startswith("p__") else "[...]" for p in params)
    raise TurmericError("arity", f"macro {name} takes {want} argument{'' if want == '1' else 's'}, got {got}",
                        span, hint=f"write ({name} {shown})".replace(" )", ")"))


# Turmeric name -> mangle(name), for the ~1,200 core names every new namespace binds (a
# process-wide cache of a pure function of strings: #14, start-up)
_PY_NAMES: dict[str, str] = {}


def _py_name(name: str) -> str:
    py = _PY_NAMES[name] = mangle(name)
    return py


class SourceHashes(dict):
    """path -> the hash of the source text loaded from it (codestore.source_hash), computed
    the first time a checkpoint asks (Session.code_versions), not for every module loaded:
    the code store's hash needs hashlib, which a start-up does without (#14)."""

    def __init__(self, sources: dict[str, str]):
        super().__init__()
        self.sources = sources

    def __missing__(self, path: str) -> str:
        from turmeric.serialize.codestore import source_hash   # start-up: see the class
        h = self[path] = source_hash(self.sources[path])
        return h


class CodeInfos(dict):
    """code object -> FnInfo, by identity. Code objects compare by value (not by file or
    qualified name), so the same closure typed in two REPL inputs makes two equal code
    objects: a plain dict gave both the second one's info, and :save then named the first
    closure by the second's symbol (found by tests/test_repl_session_file.py, #9 item 2)."""

    def __setitem__(self, code, info):
        super().__setitem__(id(code), (code, info))   # the code is kept, so its id stays its own

    def get(self, code, default=None):
        found = super().get(id(code))
        return found[1] if found is not None and found[0] is code else default

    def __getitem__(self, code):
        found = self.get(code)
        if found is None:
            raise KeyError(code)
        return found

    def __contains__(self, code):
        return self.get(code) is not None


def declared_name(text: str) -> str | None:
    """The name in a leading (module name ...) or (ns name ...) form, read without the parser
    (start-up)."""
    m = re.match(r"(?:\s|,|;[^\n]*\n)*\(\s*(?:module|ns)\s+([^\s()\[\]{}\";]+)", text)
    return m.group(1) if m else None
