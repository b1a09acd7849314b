"""The REPL's commands: `:help`, `:doc NAME`, `:time EXPR`, `:quit`, and `:save PATH`,
`:restore PATH`, `:inspect EXPR`, which call repl/session_file.py.

A command is one line starting with `:NAME` where NAME is in COMMANDS; any other `:word`
is a keyword and evaluates to itself. `Command.run(repl, arg)` gets the text after the name.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from turmeric.analyzer.analyzer import (
    CLOJURE_NAMESPACES, CLOJURE_STRING_ALIASES, CLOJURE_STRING_NAMES, SPECIAL, Analyzer,
)
from turmeric.data.errors import TurmericError
from turmeric.data.names import mangle_global, split_qualified
from turmeric.data.printer import pr_str
from turmeric.data.values import Continuation, PList, StructType, Symbol, is_vector
from turmeric.expander.expander import CORE_FORMS, Expander
from turmeric.reader.reader import read_one
from turmeric.serialize.inspect import frames_of, preview, render_frames
from turmeric.repl.builtin_docs import DOCS
from turmeric.repl.session_file import restore_session, save_session
from turmeric.repl.state import USER, Quit, ReplState, clock, elapsed_text


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    summary: str
    run: Callable[[Any, str], None]
    takes_expr: bool = False  # the argument is Turmeric input (may span lines)


# -- :help ------------------------------------------------------------------------------------

KEYS = [
    ("Enter", "evaluate the input if it is complete, else start a new line"),
    ("Esc Enter", "start a new line even if the input is complete"),
    ("Tab", "complete the name before the cursor"),
    ("Up / Down", "move through the lines, then through the history"),
    ("Ctrl-R", "search the history"),
    ("Ctrl-C", "drop the current input, or interrupt a running evaluation"),
    ("Ctrl-D", "leave the REPL (on an empty input)"),
]


def cmd_help(repl, arg: str) -> None:
    lines = ["Type Turmeric forms to evaluate them in the module user. Each result is numbered",
             "and stays available as $1, $2, ...", "", "Commands:"]
    width = max(len(c.usage) for c in COMMANDS.values())
    for c in COMMANDS.values():
        lines.append(f"  {c.usage.ljust(width)}  {c.summary}")
    if repl.interactive:
        lines += ["", "Keys:"]
        kw = max(len(k) for k, _ in KEYS)
        lines += [f"  {k.ljust(kw)}  {what}" for k, what in KEYS]
    repl.say("\n".join(lines))


# -- :quit ------------------------------------------------------------------------------------

def cmd_quit(repl, arg: str) -> None:
    raise Quit(0)


# -- :time ------------------------------------------------------------------------------------

def cmd_time(repl, arg: str) -> None:
    if not arg:
        repl.say("usage: :time EXPR")
        return
    values: list = []
    start = clock()
    ok = repl.evaluate(arg, on_value=values.append)
    elapsed = clock() - start
    for v in values:
        repl.print_result(repl.record(v), v)
    if ok:
        repl.say(f"time: {elapsed_text(elapsed)}")


# -- :save, :restore, :inspect (turmeric/repl_state.py) ----------------------------------------

def load_repl_state(path: str):
    """(session, ReplState, [(name, reason) not restored]) from the session saved in `path`."""
    session, state, unsaved = restore_session(path, state_factory=ReplState)
    return session, state if state is not None else ReplState(), list(unsaved or ())


def report_unsaved(repl, what: str, unsaved) -> None:
    for name, reason in unsaved or ():
        repl.say(f"{what}: {name}: {reason}")


def cmd_save(repl, arg: str) -> None:
    if not arg:
        repl.say("usage: :save PATH")
        return
    try:
        unsaved = save_session(repl.session, repl.state, arg)
    except TurmericError as e:
        repl.show_error(e)
        return
    report_unsaved(repl, "not saved", unsaved)
    repl.say(f"saved to {arg}")


def cmd_restore(repl, arg: str) -> None:
    if not arg:
        repl.say("usage: :restore PATH")
        return
    try:
        session, state, unsaved = load_repl_state(arg)
    except TurmericError as e:
        repl.show_error(e)
        return
    repl.replace(session, state)
    report_unsaved(repl, "not restored", unsaved)
    repl.say(f"restored {arg}")


def cmd_inspect(repl, arg: str) -> None:
    """`:inspect EXPR` shows the value shortened as `turmeric inspect` does (#9 clean-up);
    `:inspect :full EXPR` shows it whole."""
    full = arg == FULL or arg.startswith(FULL) and arg[len(FULL)].isspace()
    if full:
        arg = arg[len(FULL):].strip()
    if not arg:
        repl.say("usage: :inspect [:full] EXPR")
        return
    values: list = []
    if not repl.evaluate(arg, on_value=values.append) or not values:
        return
    try:
        repl.say(inspect_text(repl.session, values[-1], full))
    except TurmericError as e:
        repl.show_error(e)


FULL = ":full"


def inspect_text(session, value, full: bool = False) -> str:
    """What :inspect prints: the frames of a continuation (at most inspect's MAX_FRAMES, their
    locals shortened, unless `full`), or the value (shortened unless `full`)."""
    if type(value) is not Continuation:
        return preview(value, full)[0]
    return "\n".join(render_frames(frames_of(session, value, full), len(value.frames)))


# -- :doc -------------------------------------------------------------------------------------

def cmd_doc(repl, arg: str) -> None:
    name = arg.strip()
    if not name or len(name.split()) != 1:
        repl.say("usage: :doc NAME")
        return
    text = describe(repl.session, name)
    repl.say(text if text is not None else f"nothing is named {name} here")


# usage lines of the forms the expander rewrites into core forms
DERIVED_USAGE = {
    "defn": "(defn name \"doc\"? [params] body...)",
    "defmacro": "(defmacro name \"doc\"? [params] body...)",
    "when": "(when test body...)", "unless": "(unless test body...)",
    "cond": "(cond test expr ... :else expr)", "and": "(and x...)", "or": "(or x...)",
    "->": "(-> x (f a) ...): x as the first argument of each", "->>": "(->> x (f a) ...): x "
    "as the last argument of each", "quasiquote": "`form, with ~x and ~@xs",
    "match": "(match value pattern expr ...)", "if-let": "(if-let [name test] then else?)",
    "when-let": "(when-let [name test] body...)", "loop": "(loop [name init ...] body...) "
    "with (recur ...)", "dotimes": "(dotimes [i n] body...)",
    "doseq": "(doseq [x coll] body...)", "comment": "(comment ...): ignored, evaluates to "
    "nothing", "case": "(case value constant expr ... default?)",
    "recur": "(recur args...): jump back to the enclosing loop or fn, in tail position",
    "catch": "(try body (catch [e] handler...))",
}


def describe(session, name: str) -> str | None:
    """What :doc prints about `name` as the module user sees it, or None."""
    if name in special_forms():
        return f"{name}  special form\n  {special_usage(name)}"
    mod = session.modules.get(USER)
    if mod is not None:
        if name in mod.macros:
            return describe_fn(session, name, mod.macros[name], "macro")
        key = mangle_global(name)
        if name in mod.globals and key in mod.ns:
            return describe_value(session, name, mod.ns[key], USER)
        qualified = split_qualified(name)
        if qualified is not None:
            alias, member = qualified
            target = mod.imports.get(alias)
            other = session.modules.get(target) if target else None
            if other is not None:
                if member in other.macros:
                    return describe_fn(session, member, other.macros[member], "macro")
                if member in other.globals and mangle_global(member) in other.ns:
                    return describe_value(session, member, other.ns[mangle_global(member)],
                                          target)
    core_name = core_alias_member(mod, name)
    if core_name is not None:
        name = core_name
    if name in session.core_macros:
        return describe_fn(session, name, session.core_macros[name], "macro")
    if name in session.core and not name.startswith("%"):
        return describe_value(session, name, session.core[name], "core")
    return None


def core_alias_member(mod, name: str) -> str | None:
    """The core name that `alias/member` means when alias is `core` or one of the Clojure
    namespaces the analyzer maps to the core (`str/join`, `clojure.string/join`) and no
    import took the alias; else None."""
    qualified = split_qualified(name)
    if qualified is None:
        return None
    alias, member = qualified
    if mod is not None and alias in mod.imports:
        return None
    if alias == "core":
        return member
    if alias in CLOJURE_NAMESPACES:
        return CLOJURE_STRING_NAMES.get(member, member) if alias in CLOJURE_STRING_ALIASES else member
    return None


def special_usage(name: str) -> str:
    method = SPECIAL.get(name)
    doc = getattr(Analyzer, method, None).__doc__ if method else None
    return (doc or DERIVED_USAGE.get(name) or "(a form the compiler rewrites)").strip()


def describe_value(session, name: str, value, module: str) -> str:
    if callable(value) and not isinstance(value, StructType) and \
            (fn_info(session, value) is not None or module == "core"):
        return describe_fn(session, name, value, "function")
    if isinstance(value, StructType):
        return f"{module}.{name}  struct\n  ({name} {' '.join(value.fields)})"
    shown = pr_str(value)
    if len(shown) > 200:
        shown = shown[:200] + "..."
    return f"{module}.{name}  value\n  {shown}"


def fn_info(session, f):
    code = getattr(f, "__code__", None)
    return session.code_infos.get(code) if code is not None else None


def describe_fn(session, name: str, f, kind: str) -> str:
    info = fn_info(session, f)
    if info is not None:
        arities = source_arities(session, info.span) if info.dispatches_arities else []
        lines = [f"{info.symbol}  {kind}",
                 *("  " + signature(name, params) for params in (arities or [info.params]))]
        doc = source_docstring(session, info.span)
        if doc:
            lines += ["  " + line for line in inspect.cleandoc(doc).splitlines()]
        if info.span is not None and info.span.line > 0:
            lines.append(f"  defined at {info.span}")
        return "\n".join(lines)
    spec = DOCS.get(name)
    lines = [f"core.{name}  builtin {kind}"]
    if spec:
        lines += ["  " + line for line in spec.splitlines()]
        return "\n".join(lines)
    py = getattr(f, "tm_pure", None) or f
    sig = python_signature(name, py, takes_depth=py is f)
    if sig:
        lines.append("  " + sig)
    doc = inspect.getdoc(py)
    if doc:
        lines += ["  " + line for line in doc.splitlines()]
    return "\n".join(lines)


def signature(name: str, params) -> str:
    return "(" + " ".join([name, *params]) + ")"


def python_signature(name: str, f, takes_depth: bool) -> str | None:
    """A Turmeric signature from a Python function's parameters: `*xs` is `& xs`, a default
    makes `[x]`; the calling convention's depth argument is left out."""
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return None
    if takes_depth and params:
        params = params[1:]
    out = []
    for p in params:
        pname = p.name.rstrip("_").replace("_", "-")
        if p.kind is p.VAR_POSITIONAL:
            out += ["&", pname]
        elif p.kind is p.VAR_KEYWORD or p.kind is p.KEYWORD_ONLY:
            continue
        elif p.default is not p.empty:
            out.append(f"[{pname}]")
        else:
            out.append(pname)
    return signature(name, out)


def source_form(session, span):
    """The (defn ...) or (defmacro ...) form at `span`, read back from its source (the
    expander drops docstrings, and a multi-arity fn's parameters are its dispatcher's)."""
    if span is None or span.line <= 0 or not span.end_line:
        return None
    text = session.sources.get(span.file)
    if text is None:
        try:
            text = Path(span.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
    lines = text.splitlines(keepends=True)
    if span.end_line > len(lines):
        return None
    start = sum(len(x) for x in lines[:span.line - 1]) + span.col - 1
    end = sum(len(x) for x in lines[:span.end_line - 1]) + span.end_col - 1
    try:
        form = read_one(text[start:end])
    except TurmericError:
        return None
    if type(form) is not PList or form.count < 3:
        return None
    items = list(form)
    if type(items[0]) is Symbol and items[0].name in ("defn", "defmacro"):
        return items
    return None


def source_docstring(session, span) -> str | None:
    items = source_form(session, span)
    if items is not None and len(items) >= 4 and isinstance(items[2], str):
        return items[2]
    return None


def source_arities(session, span) -> list[list[str]]:
    """The parameter lists of a multi-arity (defn name doc? ([a] ...) ([a b] ...)), printed."""
    items = source_form(session, span)
    if items is None:
        return []
    body = items[3:] if isinstance(items[2], str) else items[2:]
    return [[pr_str(p) for p in arity.first] for arity in body
            if type(arity) is PList and arity.count and is_vector(arity.first)]


COMMANDS: dict[str, Command] = {c.name: c for c in [
    Command("help", ":help", "show this help", cmd_help),
    Command("doc", ":doc NAME", "what NAME is: signature, docstring, where it is defined",
            cmd_doc),
    Command("time", ":time EXPR", "evaluate EXPR and print how long it took", cmd_time,
            takes_expr=True),
    Command("inspect", ":inspect EXPR", "evaluate EXPR and show its value in detail",
            cmd_inspect, takes_expr=True),
    Command("save", ":save PATH", "save the whole session to the file PATH", cmd_save),
    Command("restore", ":restore PATH", "replace the session with the one saved in PATH",
            cmd_restore),
    Command("quit", ":quit", "leave the REPL (Ctrl-D does too)", cmd_quit),
]}


def special_forms() -> frozenset:
    """The names the compiler treats specially at the head of a list."""
    names = set(CORE_FORMS) | {"recur", "catch"}
    try:
        names |= set(Expander(None).derived)
    except Exception:  # noqa: BLE001 - only for highlighting and completion
        pass
    return frozenset(n for n in names if not n.startswith("%"))
