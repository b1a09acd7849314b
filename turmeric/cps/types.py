"""Type facts the CPS stage knows without a guard (issue #14, the compute rows): a value is an
`INT` (a Python int, never a bool) when it is an integer literal, the result of an inlined
operation on ints (inc, dec, +, -, *, abs, mod by a nonzero literal, unary -), a local
let-bound to one, or a parameter of a lifted fn (lift.py) that every call and every recur
gives one. An inlined operator whose operands are known ints needs no type guard; one whose
operand is a guarded expression `(fast if guard else slow)` with an int fast branch goes into
both branches (Expr.split), so the guard is tested once (expressions.py).

A fact is about the value, not about how it was computed, so a resumed frame, a depth unwind
and a frame read back from bytes hold the same ints the compiled code made."""
from __future__ import annotations

INT = "int"
ENABLED = True   # tests compile the same programs with it off and compare (test_compiler_speed.py)
