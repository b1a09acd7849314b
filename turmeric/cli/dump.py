"""`turmeric compile --dump STAGE FILE`: print what each stage makes of a module."""
from __future__ import annotations

from pathlib import Path

from turmeric import pipeline
from turmeric.analyzer import ir
from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str
from turmeric.session.session import MacroEnv, Module, Session, declared_name


def dump(path: str, stage: str) -> str:
    """What the stages make of the module file at `path`, up to `stage` (pipeline.STAGES),
    compiled exactly as `turmeric run` compiles it."""
    session = Session()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TurmericError("no-input", f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise TurmericError("io", f"cannot read {path}: {e}") from None
    name = declared_name(text) or Path(path).stem   # as `turmeric run` names a program
    mod = Module(name=name, path=path)
    mod.ns = session.new_namespace(mod)
    out = pipeline.compile_text(text, path, mod, MacroEnv(session, mod), session.core_names(),
                                frozenset(session.pure), True, f"<turmeric:{name}>", until=stage)
    if stage == "read":
        return "\n".join(pr_str(f) for f in out.forms)
    if stage == "expand":
        return "\n".join(pr_str(f) for f in out.expanded)
    if stage == "ir":
        return "\n".join(show_ir(t) for t in out.tops)
    return out.module.source


def show_ir(n, indent: int = 0) -> str:
    pad = "  " * indent
    t = type(n)
    if t is ir.Fn:
        params = " ".join(v.pyname for v in n.params) + (f" & {n.rest.pyname}" if n.rest else "")
        free = f" free=[{' '.join(v.pyname for v in n.free)}]" if n.free else ""
        return f"{pad}(fn {n.info.symbol} [{params}]{free} #{n.info.code_hash}\n{show_ir(n.body, indent + 1)})"
    if t is ir.Const:
        return f"{pad}{pr_str(n.value)}"
    if t is ir.Local:
        return f"{pad}{n.var.pyname}{' (boxed)' if n.var.boxed else ''}"
    if t is ir.Global:
        return f"{pad}(global {n.name})"
    if t is ir.Core:
        return f"{pad}(core {n.name})"
    if t is ir.ModuleRef:
        return f"{pad}(module-ref {n.module}/{n.name})"
    fields = [f for f in t.__dataclass_fields__ if f != "span"]
    parts = []
    for f in fields:
        v = getattr(n, f)
        if isinstance(v, ir.Node):
            parts.append(show_ir(v, indent + 1))
        elif isinstance(v, list):
            parts += [show_ir(x, indent + 1) if isinstance(x, ir.Node) else f"{pad}  {x.pyname if isinstance(x, ir.Var) else x}" for x in v]
        elif isinstance(v, ir.Var):
            parts.append(f"{pad}  {v.pyname}")
        else:
            parts.append(f"{pad}  {v!r}")
    return f"{pad}({t.__name__.lower()}\n" + "\n".join(parts) + ")"
