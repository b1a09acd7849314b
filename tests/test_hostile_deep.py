"""#9 clean-up and #16 item 1 for values a program builds (not read from bytes): a vector
nested 10^6 deep made with reduce prints, hashes (alone, as a struct field, as a map key, in
a set), compares (= and compare) without a RecursionError or a crash; and a value shared by
2^n paths is hashed and compared once per shared value. Each case runs in a subprocess:
a regression is a SIGSEGV (StructValue.__hash__ hashed a tuple of its fields in C)."""
from __future__ import annotations

import subprocess
import sys
import textwrap

from turmeric.data.equality import compare, equals, hash_of
from turmeric.data.values import PSet, plist, vector

SETUP = textwrap.dedent("""
    import sys
    from turmeric.runtime import machine
    machine.allow_deep_python_stack()
    from turmeric.session.session import Session
    s = Session()
    s.eval_string("(struct Node [v])")
    s.eval_string("(def d (reduce (fn [acc _] [acc]) [] (range 1000000)))")
    s.eval_string("(def e (reduce (fn [acc _] [acc]) [] (range 1000000)))")
    s.eval_string("(def l (reduce (fn [acc _] (list acc)) () (range 1000000)))")
    for expr in sys.argv[1:]:
        print(s.eval_string(expr)[-1])
""")

CASES = [
    ("(count (pr-str d))", "2000002"),
    ("(count (str l))", "2000002"),
    ("(= d e)", "True"),
    ("(= (hash d) (hash e))", "True"),
    ("(count {d 1 e 2})", "1"),
    ("(count #{d e l})", "1"),                      # (a list = a vector: () = [])
    ("(= (hash (Node d)) (hash (Node e)))", "True"),
    ("(count {(Node d) 1 (Node e) 2})", "1"),       # SIGSEGV before: a struct key hashed its fields in C
    ("(count #{(Node d) (Node 1)})", "2"),
    ("(compare d e)", "0"),                         # RecursionError before
    ("(compare [d 1] [e 2])", "-1"),
]


def test_clean_up_9_deep_program_values_print_hash_and_compare():
    """All the cases in one process (building the values takes seconds)."""
    out = subprocess.run([sys.executable, "-c", SETUP, *(expr for expr, _ in CASES)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert list(zip((expr for expr, _ in CASES), out.stdout.split())) == CASES


def shared(n: int, leaf, make=vector):
    """[x x] around [y y] around ... n levels: 2^n paths to the leaf, n + 1 objects."""
    x = leaf
    for _ in range(n):
        x = make([x, x])
    return x


def test_clean_up_9_shared_values_are_hashed_and_compared_once():
    """#16 item 2/3 (the class: data with sharing): hash_of, = and compare meet each
    shared value once; 2^200 paths would never finish."""
    a, b = shared(200, 1), shared(200, 1)
    assert a is not b and equals(a, b) and hash_of(a) == hash_of(b) and compare(a, b) == 0
    assert not equals(a, shared(200, 2)) and hash_of(a) != hash_of(shared(200, 2))
    assert len(PSet([a, b, shared(200, 1, plist)])) == 1      # a list = a vector
    assert compare(a, shared(200, 2)) < 0
