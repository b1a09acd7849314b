"""`cloneable-shift` call sites (issue #14, the generator row).

The analyzer makes `(cloneable-shift [k] body...)` a call of the core `%shift` with the body
as a fn literal. Compiled as any call, that is a closure made at every capture (a new
function object that refers to itself, so a garbage cycle each time) and a call of the
machine's `shift`, one more Python frame for the capture to unwind. Instead:

* the body is lambda-lifted (lift.py): a module function F_BODY taking its captured
  variables first, then k; the Capture carries F_BODY and the captured values, and the
  prompt calls F_BODY(d, *captured, k) (runtime/machine.py). The body keeps its symbol,
  code hash and sites; no value of it exists at run time (a depth unwind at its first
  line records the plain module function, as for any lifted fn);
* in tail position the function raises `Capture(F_BODY, (captured...))` itself;
  elsewhere the site calls `%shift` as before, with F_BODY and the captured values as its
  arguments, so the frame is recorded by the site's `except Unwind` like any call's.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from turmeric.analyzer import ir
from turmeric.cps.form import Raw

if TYPE_CHECKING:
    from turmeric.cps.lower import FnLowering

ENABLED = True   # tests compile the same programs with it off and compare (test_generator_speed.py)


def direct(n: ir.Call) -> bool:
    """n is a (cloneable-shift [k] ...): %shift of a one-parameter fn literal that does not
    name itself."""
    if not ENABLED or type(n.fn) is not ir.Core or n.fn.name != "%shift" or len(n.args) != 1:
        return False
    fn = n.args[0]
    return type(fn) is ir.Fn and len(fn.params) == 1 and fn.rest is None and fn.self_var is None


def capture(lw: "FnLowering", n: ir.Call, out: list, tail: bool):
    """Lower the shift n: in tail position append the raise and return None; else return
    (text, reads) of the call the site makes."""
    fn = n.args[0]
    mod = lw.mod
    # lifted as lift.py lifts a loop (module.py lowers it later, taking mod.passed(fn) first)
    mod.lifted_ids.add(id(fn))
    mod.pending.append(fn)
    captured = mod.lifted_call(fn, lw)      # ", a, b": the captured values, each after a comma
    body = f"F_{mod.base_of(fn)}"
    if tail:
        values = f"({captured.text[2:]}, )" if captured.text else "()"
        out.append(Raw(n.span, f"raise Capture({body}, {values})", captured.reads))
        return None
    return f"C__cshift(d + 1, {body}{captured.text})", captured.reads | {"d"}
