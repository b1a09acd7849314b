"""The one driver: every way of compiling Turmeric (`turmeric run`, `import`, a `defmacro`'s
compile-time evaluation, a REPL input, `turmeric compile --dump`) goes through `compile_text`
or `compile_macro`.

    forms    = read_string(text, path)                      reader/     text -> data with spans
    expanded = [expander.expand_toplevel(f) for f in forms]  expander/   macros -> core forms
    tops     = [analyzer.analyze_toplevel(f, n) ...]         analyzer/   core forms -> IR
    cps      = cps.lower(name, tops, pure, unit)             cps/        IR -> numbered sites
    compiled = codegen.emit(cps)                             codegen/    -> Python source
    code     = compile(compiled.source, filename, "exec")

The stages do not run code: macros and imports reach the session only through the
`MacroEnv` the caller passes (expander/expander.py). What the driver updates is the module's
own compile state (`ModuleState`): its globals, top-level numbering and declared version.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from types import CodeType

from turmeric import codegen, cps
from turmeric.analyzer.analyzer import Analyzer, ModuleContext
from turmeric.analyzer.toplevel import ModuleState, module_version, prescan_globals, split_definition_group
from turmeric.cps.form import CpsModule
from turmeric.data.code import CompiledModule
from turmeric.data.values import PList, is_sym
from turmeric.expander.expander import NOTHING, Expander, MacroEnv
from turmeric.reader.reader import read_string

STAGES = ("read", "expand", "ir", "cps", "python")


@dataclass
class Compiled:
    """What the stages made of one unit, as far as they ran (`until`)."""
    forms: list
    expanded: list | None = None
    tops: list | None = None                 # ir.TopLevel per expanded form
    cps: CpsModule | None = None
    module: CompiledModule | None = None
    code: CodeType | None = None
    new_globals: frozenset = frozenset()


def compile_text(text: str, path: str, state: ModuleState, env: MacroEnv, core_names: frozenset,
                 pure_names: frozenset, strict: bool, filename: str, until: str = "code") -> Compiled:
    """Run the stages on a unit's text, up to and including `until` (a name of STAGES, or
    "code" for all of them and compile())."""
    forms = read_string(text, path)
    out = Compiled(forms)
    if until == "read":
        return out
    if forms and type(forms[0]) is PList and forms[0].count and is_sym(forms[0].first, "module"):
        state.version = module_version(forms[0])
    expander = Expander(env)
    out.expanded, shows = [], []
    for f in forms:
        e = expander.expand_toplevel(f)
        if e is not NOTHING:
            parts = split_definition_group(e)
            out.expanded += parts
            shows += [False] * (len(parts) - 1) + [True]   # the group's value is its last part's
    if until == "expand":
        return out
    out.new_globals = frozenset(prescan_globals(out.expanded))
    state.globals |= out.new_globals
    ctx = ModuleContext(state.name, state.globals, state.imports, core_names, strict,
                        state.counters, state.version)
    analyzer = Analyzer(ctx)
    unit = state.top_count + 1      # the number of the unit's first form: unique in its module
    out.tops = []
    for form, shows_result in zip(out.expanded, shows):
        state.top_count += 1
        out.tops.append(analyzer.analyze_toplevel(form, shows_result=shows_result))
    if until == "ir":
        return out
    out.cps = cps.lower(state.name, out.tops, pure_names, unit)
    if until == "cps":
        return out
    out.module = codegen.emit(out.cps)
    if until == "python":
        return out
    out.code = compile_python(out.module.source, filename)
    return out


def compile_macro(fn_form, module: str, imports: dict, core_names: frozenset,
                  pure_names: frozenset, filename: str) -> Compiled:
    """A defmacro's function, compiled on its own as soon as it is expanded so the rest of its
    module can use it. It sees the module's imports and the core, not the module's globals
    (they do not exist yet when the module is being compiled)."""
    ctx = ModuleContext(module, set(), dict(imports), core_names, False, {}, None)
    top = replace(Analyzer(ctx).analyze_toplevel(fn_form, f"{module}/top#0"), is_definition=True)
    lowered = cps.lower(module, [top], pure_names, 0)
    compiled = codegen.emit(lowered)
    return Compiled([fn_form], [fn_form], [top], lowered, compiled,
                    compile_python(compiled.source, filename))


def compile_python(source: str, filename: str) -> CodeType:
    """compile() of generated source. Python's SyntaxWarnings about it ("'int' object is not
    callable" for a call of a literal, which is the program's business at run time) speak of
    Python, not of the user's Turmeric, so they are not shown."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return compile(source, filename, "exec")
