"""`turmeric compile --dump STAGE FILE`: print what each stage makes of a module."""
from __future__ import annotations

import re
from pathlib import Path

from turmeric import pipeline
from turmeric.analyzer import ir
from turmeric.cps import form as cps
from turmeric.data.errors import InternalError, TurmericError
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
        return "\n".join(show_top(t) for t in out.tops)
    if stage == "cps":
        return show_cps(out.cps)
    return out.module.source


def show_top(t: ir.TopLevel) -> str:
    facts = (["definition"] if t.is_definition else []) + ([f"defines {t.def_name}"] if t.def_name else [])
    return f"; {t.fn.info.symbol}{': ' + ', '.join(facts) if facts else ''}\n{show_ir(t.fn)}"


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
        elif isinstance(v, (list, tuple)):
            parts += [show_ir(x, indent + 1) if isinstance(x, ir.Node) else f"{pad}  {x.pyname if isinstance(x, ir.Var) else x}" for x in v]
        elif isinstance(v, ir.Var):
            parts.append(f"{pad}  {v.pyname}")
        else:
            parts.append(f"{pad}  {v!r}")
    return f"{pad}({t.__name__.lower()}\n" + "\n".join(parts) + ")"


# -- the CPS form -----------------------------------------------------------------------------

MARKS = re.compile("\x01\\d+\x02")


def show_cps(m: cps.CpsModule) -> str:
    """Each function's statement tree: sites numbered with their live variables and resume
    entry, tail calls marked."""
    out = [f"; module {m.name}: top-level forms {' '.join(m.toplevel)}"]
    out += [f"; constant {name} = {pr_str(value)}" for name, value in m.constants]
    for f in m.functions:
        params = " ".join(f.params) + (f" & {f.rest}" if f.rest else "")
        free = f" free=[{' '.join(f.free)}]" if f.free else ""
        out.append(f"(fn {f.info.symbol} {f.info.pyname} [{params}]{free}"
                   f"{' loops' if f.loops else ''}")
        for i, site in enumerate(f.info.sites, 1):
            out.append(f"  ; site {i}: live [{' '.join(site.live)}] -> {site.entry}"
                       f"{' (in try)' if site.in_try else ''}")
        out += show_stmts(f.body, 1)
        out[-1] += ")"
    return "\n".join(out)


def show_stmts(stmts, indent: int) -> list[str]:
    pad = "  " * indent
    if not stmts:
        return [f"{pad}pass"]
    lines = []
    for s in stmts:
        t = type(s)
        if t is cps.Assign:
            lines.append(f"{pad}{s.target} = {text(s.expr)}")
        elif t is cps.Evaluate:
            lines.append(f"{pad}{text(s.expr)}")
        elif t is cps.Site:
            lines.append(f"{pad}site {s.number}: {s.target} = {text(s.call)}")
        elif t is cps.Return:
            lines.append(f"{pad}{'tail ' if s.tail_call else ''}return {text(s.expr)}")
        elif t is cps.SelfTailCall:
            args = [text(a) for a in s.args] + ([text(s.rest)] if s.rest is not None else [])
            lines.append(f"{pad}tail self-call ({', '.join(args)})")
        elif t is cps.If:
            lines.append(f"{pad}if {text(s.test)}:")
            lines += show_stmts(s.then, indent + 1)
            if s.else_:
                lines.append(f"{pad}else:")
                lines += show_stmts(s.else_, indent + 1)
        elif t is cps.Try:
            lines.append(f"{pad}try:")
            lines += show_stmts(s.body, indent + 1)
            lines.append(f"{pad}catch {s.var}{' (boxed)' if s.boxed else ''}:")
            lines += show_stmts(s.handler, indent + 1)
        elif t is cps.For:
            lines.append(f"{pad}for {s.var} in {text(s.iter)}:")
            lines += show_stmts(s.body, indent + 1)
        elif t is cps.Raw:
            lines.append(f"{pad}{s.text}")
        else:
            raise InternalError(f"dump: no case for {t.__name__} at {s.span}")
    return lines


def text(e: cps.Expr) -> str:
    return MARKS.sub("", e.text)
