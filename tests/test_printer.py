"""The printer (pr_str, str_of) and equality (equals, compare)."""
import math

import pytest

from test_reader import L, M, V
from turmeric.data.equality import compare, equals
from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str, str_of
from turmeric.data.values import (EMPTY_LIST, Box, Continuation, Keyword, PSet, Ref, StructType, Symbol, plist, vector)

K, S = Keyword, Symbol
POINT = StructType("point", "main", ("x", "y"))
PAIR = StructType("pair", "main", ("x", "y"))
UNIT = StructType("unit", "main", ())


def g_valid_horder_q(d, x):  # a compiled global, mangled as the compiler names them
    return x


def named(d):
    return d


named.__turmeric_name__ = "main.fib"


# ---- pr_str and str_of -----------------------------------------------------------------

PRINT_TABLE = [
    # value, pr_str, str_of
    (None, "nil", "nil"), (True, "true", "true"), (False, "false", "false"),
    (42, "42", "42"), (-7, "-7", "-7"), (1.5, "1.5", "1.5"), (1.0, "1.0", "1.0"),
    (-0.0, "-0.0", "-0.0"), (1e16, "1e+16", "1e+16"), (2.5e-7, "2.5e-07", "2.5e-07"),
    (math.inf, "##Inf", "##Inf"), (-math.inf, "##-Inf", "##-Inf"), (math.nan, "##NaN", "##NaN"),
    ("hi", '"hi"', "hi"), ("", '""', ""),
    ('a"b\\c\nd\te\rf\0g', '"a\\"b\\\\c\\nd\\te\\rf\\0g"', 'a"b\\c\nd\te\rf\0g'),
    ("\x01\x7f\u2028é😀", '"\\u{1}\\u{7f}\\u{2028}é😀"', "\x01\x7f\u2028é😀"),
    (K("a"), ":a", ":a"), (K("a/b"), ":a/b", ":a/b"), (S("valid-order?"), "valid-order?", "valid-order?"),
    (EMPTY_LIST, "()", "()"), (L(1, 2, 3), "(1 2 3)", "(1 2 3)"), (V(), "[]", "[]"),
    (V(1, "a", K("b")), '[1 "a" :b]', "[1 a :b]"),
    (M(), "{}", "{}"), (M(K("a"), 1, K("b"), 2), "{:a 1, :b 2}", "{:a 1, :b 2}"),
    (M("k", V("v")), '{"k" ["v"]}', "{k [v]}"),
    (PSet(), "#{}", "#{}"), (PSet([1, 2]), "#{1 2}", "#{1 2}"), (PSet(["s"]), '#{"s"}', "#{s}"),
    (L(S("quote"), S("x")), "(quote x)", "(quote x)"),
    (V(L(V(None, True)), M(None, False)), "[([nil true]) {nil false}]", "[([nil true]) {nil false}]"),
    (b"hello", '#bytes "68656c6c6f"', '#bytes "68656c6c6f"'), (b"", '#bytes ""', '#bytes ""'),
    (Ref(42), "#<ref 42>", "#<ref 42>"), (Ref("s"), '#<ref "s">', "#<ref s>"),
    (Box(V(1)), "#<box [1]>", "#<box [1]>"),
    (POINT.cls(1, 2), "(point 1 2)", "(point 1 2)"), (POINT.cls("a", V()), '(point "a" [])', "(point a [])"),
    (UNIT.cls(), "(unit)", "(unit)"), (POINT, "#<struct-type main.point>", "#<struct-type main.point>"),
    (g_valid_horder_q, "#<fn valid-order?>", "#<fn valid-order?>"),
    (named, "#<fn main.fib>", "#<fn main.fib>"), (len, "#<fn len>", "#<fn len>"),
    (Continuation(()), "#<continuation>", "#<continuation>"),
    (object(), "#<python object>", "#<python object>"), ([1], "#<python list>", "#<python list>"),
]


@pytest.mark.parametrize("value,readable,plain", PRINT_TABLE)
def test_print_table(value, readable, plain):
    assert pr_str(value) == readable
    assert str_of(value) == plain


def test_huge_integers_print_in_full():
    n = 7 * 10 ** 9000 + 12345
    assert pr_str(n) == "7" + "0" * 8995 + "12345"
    assert pr_str(-n) == "-" + pr_str(n)
    assert pr_str(10 ** 4000) == "1" + "0" * 4000


def test_refs_that_contain_themselves():
    r = Ref(None)
    r.value = r
    assert pr_str(r) == "#<ref #<ref ...>>"
    a, b = Ref(None), Ref(None)
    a.value, b.value = V(b), M(K("back"), a)
    assert pr_str(a) == "#<ref [#<ref {:back #<ref ...>}>]>"
    shared = Ref(1)
    assert pr_str(V(shared, shared)) == "[#<ref 1> #<ref 1>]"  # sharing is not a cycle


def test_refs_nested_deeply_are_cut():
    r = Ref(0)
    for _ in range(10):
        r = Ref(r)
    assert pr_str(r) == "#<ref " * 4 + "#<ref ...>" + ">" * 4


def test_deep_nesting_prints_without_recursion():
    x = EMPTY_LIST
    for _ in range(100_000):
        x = plist([x])
    assert pr_str(x) == "(" * 100_000 + "()" + ")" * 100_000
    v = V()
    for _ in range(100_000):
        v = V(M(K("k"), v))
    assert str_of(v).startswith("[{:k [{:k ")


def test_repr_uses_the_printer():
    assert repr(L(1, V("a"))) == '(1 ["a"])'
    assert repr(M(K("a"), PSet([1]))) == "{:a #{1}}"


# ---- equals ----------------------------------------------------------------------------

r1 = Ref(1)
EQUAL = [
    (1, 1), (1.5, 1.5), ("a", "a"), (None, None), (True, True), (K("a"), K("a")),
    (S("x"), S("x")), (V(1, 2), L(1, 2)), (L(1, 2), V(1, 2)), (EMPTY_LIST, V()),
    (M(K("a"), 1, K("b"), 2), M(K("b"), 2, K("a"), 1)), (PSet([1, 2]), PSet([2, 1])),
    (POINT.cls(1, V(2)), POINT.cls(1, L(2))), (b"ab", b"ab"), (r1, r1),
    (V(L(1, V(2)), M("k", PSet([K("z")]))), L(V(1, L(2)), M("k", PSet([K("z")])))),
    (M(V(1, 2), "v"), M(L(1, 2), "v")), (0.0, -0.0), (10 ** 50, 10 ** 50),
]
NOT_EQUAL = [
    (1, 1.0), (1.0, 1), (True, 1), (1, True), (False, 0), (0, False), (None, False),
    (math.nan, math.nan), ("a", K("a")), (K("a"), S("a")), (S("a"), "a"), (V(1), V(1.0)),
    (V(1, 2), V(1, 2, 3)), (L(1), PSet([1])), (V(), M()), (M(K("a"), 1), M(K("a"), 1.0)),
    (M(1, K("x")), M(1.0, K("x"))), (M(1, K("x")), M(True, K("x"))), (PSet([1]), PSet([1.0])),
    (PSet([1]), PSet([True])), (PSet([V(1)]), PSet([V(True)])), (M(K("a"), 1), M(K("b"), 1)),
    (POINT.cls(1, 2), PAIR.cls(1, 2)), (POINT.cls(1, 2), POINT.cls(1, 3)),
    (Ref(1), Ref(1)), (V(1), (1,)), ("1", 1), (b"a", "a"), (M(K("a"), None), M(K("b"), None)),
]


@pytest.mark.parametrize("a,b", EQUAL)
def test_equal(a, b):
    assert equals(a, b) and equals(b, a)


@pytest.mark.parametrize("a,b", NOT_EQUAL)
def test_not_equal(a, b):
    assert not equals(a, b) and not equals(b, a)


def test_equals_long_and_deep():
    n = 1_000_000
    assert equals(plist(range(n)), vector(range(n)))
    assert not equals(plist(range(n)), vector(list(range(n - 1)) + [0]))
    a, b = EMPTY_LIST, V()
    for _ in range(100_000):
        a, b = plist([a, 1]), V(b, 1)
    assert equals(a, b)


def test_python_eq_on_lists_and_maps_follows_equals():
    assert L(1, 2) == V(1, 2)
    assert L(1) != L(1.0)
    assert M(K("a"), 1) != M(K("a"), True)


# ---- compare ---------------------------------------------------------------------------

COMPARE = [
    (1, 2, -1), (2, 1, 1), (1, 1, 0), (1, 1.5, -1), (2.0, 2, 0), (-math.inf, 10 ** 100, -1),
    ("a", "b", -1), ("b", "a", 1), ("", "a", -1), ("abc", "abc", 0),
    (K("a"), K("b"), -1), (K("b"), K("a"), 1), (S("x"), S("y"), -1),
    (False, True, -1), (True, True, 0),
    (None, 1, -1), (1, None, 1), (None, None, 0), (None, "a", -1),
    (V(1, 2), V(1, 3), -1), (V(1, 2), V(1, 2), 0), (V(1, 2), V(1), 1), (V(), V(0), -1),
    (L(1, 2), V(1, 2), 0), (V(2), L(1, 5), 1), (V(V("a")), V(V("b")), -1),
]


@pytest.mark.parametrize("a,b,want", COMPARE)
def test_compare(a, b, want):
    assert compare(a, b) == want


@pytest.mark.parametrize("a,b,message", [
    (1, "a", 'compare: cannot compare integer 1 with string "a"'),
    (True, 1, "compare: cannot compare boolean true with integer 1"),
    (K("a"), "a", 'compare: cannot compare keyword :a with string "a"'),
    (K("a"), S("a"), "compare: cannot compare keyword :a with symbol a"),
    (M(), M(), "compare: cannot compare map {} with map {}"),
    (V(1), V("a"), 'compare: cannot compare integer 1 with string "a"'),
    (POINT.cls(1, 2), 1, "compare: cannot compare struct point (point 1 2) with integer 1"),
    ("x" * 100, 1, 'compare: cannot compare string "' + "x" * 56 + "... with integer 1"),
])
def test_compare_errors(a, b, message):
    with pytest.raises(TurmericError) as info:
        compare(a, b)
    assert info.value.kind == "type"
    assert info.value.message == message


def test_sorting_with_compare():
    from functools import cmp_to_key
    items = [V(2), V(1, 5), V(1), V()]
    assert sorted(items, key=cmp_to_key(compare)) == [V(), V(1), V(1, 5), V(2)]


def test_hash_agrees_with_equals_for_lists_and_vectors():
    assert hash(L(1, V(2, L(3)))) == hash(V(1, L(2, V(3))))
    assert PSet([L(1, 2)]) == PSet([V(1, 2)])
    assert PSet([1]) != PSet([1.0])
