"""The reader: every token kind, reader macros, syntax errors, spans, and round trips
through the printer."""
import math
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from turmeric.reader.reader import read_one, read_string
from turmeric.data.equality import equals
from turmeric.data.errors import TurmericError, format_error
from turmeric.data.printer import pr_str
from turmeric.data.values import (
    EMPTY_LIST, EMPTY_VECTOR, CollectionSpan, Keyword, PList, PMap, PSet, Regex, Symbol, plist,
    spans_of_items, vector,
)
from turmeric.data.span import Span

PVECTOR = type(EMPTY_VECTOR)
K, S = Keyword, Symbol


def L(*xs):
    return plist(xs)


def V(*xs):
    return vector(xs)


def M(*kvs):
    return PMap.from_pairs(zip(kvs[::2], kvs[1::2]))


def same(a, b) -> bool:
    """Equal and of the same types all the way down (a vector stays a vector, 1 != 1.0)."""
    if type(a) is not type(b):
        return False
    if type(a) is float and math.isnan(a):
        return math.isnan(b)
    if type(a) in (PList, PVECTOR, PSet):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if type(a) is PMap:
        return len(a) == len(b) and all(same(k1, k2) and same(v1, v2)
                                        for (k1, v1), (k2, v2) in zip(a.items(), b.items()))
    return equals(a, b)


# ---- every token kind ------------------------------------------------------------------

READ_TABLE = [
    # integers
    ("0", 0), ("42", 42), ("-42", -42), ("+7", 7), ("007", 7), ("0x1F", 31), ("0X1f", 31),
    ("-0x10", -16), ("123456789012345678901234567890", 123456789012345678901234567890),
    # floats
    ("1.5", 1.5), ("-2.0e10", -2.0e10), ("1e3", 1000.0), ("1E-3", 0.001), ("+0.25", 0.25),
    ("2.5e+2", 250.0), ("-0.0", -0.0), ("1e999", math.inf),
    ("##Inf", math.inf), ("##-Inf", -math.inf),
    # strings
    ('""', ""), ('"abc"', "abc"), (r'"a\nb\tc\rd"', "a\nb\tc\rd"), (r'"q\"q"', 'q"q'),
    (r'"back\\slash"', "back\\slash"), (r'"nul\0"', "nul\0"), (r'"\u00e9"', "é"),
    (r'"\u{1F600}"', "😀"), (r'"\u{41}"', "A"), (r'"\ud83d\ude00"', "😀"),
    ('"λ→😀 raw"', "λ→😀 raw"), ('"two\nlines"', "two\nlines"), ('";not a comment"', ";not a comment"),
    # booleans and nil
    ("#t", True), ("#f", False), ("true", True), ("false", False), ("nil", None),
    # keywords
    (":action", K("action")), (":a/b", K("a/b")), (":valid?", K("valid?")), (":1", K("1")),
    (":true", K("true")),
    # symbols
    ("valid-order?", S("valid-order?")), ("set!", S("set!")), ("->", S("->")),
    ("flow/step", S("flow/step")), ("order.payment-info", S("order.payment-info")),
    ("+", S("+")), ("-", S("-")), ("/", S("/")), ("a.b.c", S("a.b.c")), ("*x*", S("*x*")),
    ("<=", S("<=")), ("&", S("&")), ("%1", S("%1")), ("$x", S("$x")), ("x'", S("x'")),
    ("_", S("_")), ("x#", S("x#")), ("λx", S("λx")), ("nil?", S("nil?")), (":", S(":")),
    ("truex", S("truex")), ("-a", S("-a")), ("+.", S("+.")),
    # collections
    ("()", EMPTY_LIST), ("(1 2 3)", L(1, 2, 3)), ("[]", V()), ("[1 [2] ()]", V(1, V(2), EMPTY_LIST)),
    ("{}", M()), ("{:a 1, :b 2}", M(K("a"), 1, K("b"), 2)), ("{[1 2] #{3}}", M(V(1, 2), PSet([3]))),
    ("#{}", PSet()), ("#{1 :a \"s\"}", PSet([1, K("a"), "s"])),
    ("(a,b,,c)", L(S("a"), S("b"), S("c"))), ("[x : int64]", V(S("x"), S(":"), S("int64"))),
    ("(serialize [x : a] : bytes)", L(S("serialize"), V(S("x"), S(":"), S("a")), S(":"), S("bytes"))),
    ("(f(g)[h]{:k v}#{s})", L(S("f"), L(S("g")), V(S("h")), M(K("k"), S("v")), PSet([S("s")]))),
    # reader macros
    ("'x", L(S("quote"), S("x"))), ("'(1 2)", L(S("quote"), L(1, 2))), ("' x", L(S("quote"), S("x"))),
    ("`x", L(S("quasiquote"), S("x"))), ("~x", L(S("unquote"), S("x"))),
    ("~@xs", L(S("unquote-splicing"), S("xs"))), ("@r", L(S("deref"), S("r"))),
    ("''x", L(S("quote"), L(S("quote"), S("x")))),
    ("`(a ~b ~@c)", L(S("quasiquote"), L(S("a"), L(S("unquote"), S("b")),
                                          L(S("unquote-splicing"), S("c"))))),
    ("'()", L(S("quote"), EMPTY_LIST)), ("x@y", None),  # placeholder, replaced below
    # comments and discard
    ("; comment\n42 ; more", 42), ("[1 #_ 2 3]", V(1, 3)), ("[#_ #_ 1 2 3]", V(3)),
    ("'#_ x y", L(S("quote"), S("y"))), ("{:a #_ :b 1}", M(K("a"), 1)), ("(#_(a b))", EMPTY_LIST),
    ("#_ x 5", 5), ("#bytes \"68656c6c6f\"", b"hello"), ("#bytes \"\"", b""),
    ('#"a+\\d"', Regex("a+\\d")), ('#"say \\"hi\\""', Regex('say \\"hi\\"')), ('[#"x" 1]', V(Regex("x"), 1)),
]
READ_TABLE = [(src, want) for src, want in READ_TABLE if src != "x@y"]


@pytest.mark.parametrize("src,want", READ_TABLE)
def test_read_table(src, want):
    got = read_one(src)
    assert same(got, want), (pr_str(got), pr_str(want))


def test_nan_and_empty_list_identity():
    assert math.isnan(read_one("##NaN"))
    assert read_one("()") is EMPTY_LIST
    assert read_one("'()")[1] is EMPTY_LIST


def test_huge_integers():
    digits = "9" * 10000
    assert read_one(digits) == 10 ** 10000 - 1  # beyond Python's 4300-digit int() limit
    assert read_one("-" + digits) == -(10 ** 10000 - 1)
    assert read_one("0x" + "f" * 5000) == 16 ** 5000 - 1


def test_read_string_returns_all_forms():
    assert [pr_str(x) for x in read_string("1 :a\n(b) ; c\n[d]")] == ["1", ":a", "(b)", "[d]"]
    assert read_string("") == [] and read_string("  ; only a comment\n,,") == []


def test_terminators():
    # ~ @ ` end a token, as in Clojure
    assert same(read_string("x@y"), [S("x"), L(S("deref"), S("y"))])
    assert same(read_string("a~b"), [S("a"), L(S("unquote"), S("b"))])
    assert same(read_string('a"s"'), [S("a"), "s"])
    assert same(read_string("1(2)"), [1, L(2)])


# ---- syntax errors ---------------------------------------------------------------------

ERROR_TABLE = [
    (")", "f.tm:1:1", "unexpected ')': no list is open here"),
    ("(a) ]", "f.tm:1:5", "unexpected ']': no vector is open here"),
    ("}", "f.tm:1:1", "unexpected '}': no map or set is open here"),
    ("(a ]", "f.tm:1:4", "unexpected ']': expected ')' to close the '(' opened at 1:1"),
    ("[a\n  )", "f.tm:2:3", "unexpected ')': expected ']' to close the '[' opened at 1:1"),
    ("#{1 )", "f.tm:1:5", "unexpected ')': expected '}' to close the '#{' opened at 1:1"),
    ("(a b", "f.tm:1:1", "unclosed '(' opened at 1:1: reached the end of the file"),
    ("(a\n  (b\n    [c d", "f.tm:3:5", "unclosed '[' opened at 3:5: reached the end of the file"),
    ("(ok)\n(a\n  (b c)", "f.tm:2:1", "unclosed '(' opened at 2:1: reached the end of the file"),
    ("{:a 1", "f.tm:1:1", "unclosed '{' opened at 1:1: reached the end of the file"),
    ("#{", "f.tm:1:1", "unclosed '#{' opened at 1:1: reached the end of the file"),
    ("'", "f.tm:1:1", "expected a form after ''': reached the end of the file"),
    ("(a ')", "f.tm:1:4", "expected a form after ''', found ')'"),
    ("[`]", "f.tm:1:2", "expected a form after '`', found ']'"),
    ("(~)", "f.tm:1:2", "expected a form after '~', found ')'"),
    ("(~@ )", "f.tm:1:2", "expected a form after '~@', found ')'"),
    ("@", "f.tm:1:1", "expected a form after '@': reached the end of the file"),
    ("(x #_)", "f.tm:1:4", "expected a form after '#_', found ')'"),
    ("'#_x)", "f.tm:1:1", "expected a form after ''', found ')'"),
    ("{:a 1 :b}", "f.tm:1:1", "a map needs an even number of forms (keys and values), this one has 3"),
    ("(f {1})", "f.tm:1:4", "a map needs an even number of forms (keys and values), this one has 1"),
    ("{:a 1 :a 2}", "f.tm:1:1", "duplicate key :a in a map"),
    ("#{1 2 1}", "f.tm:1:1", "duplicate element 1 in a set"),
    # keys are compared with = (#9 item 6): 1 and true are two keys, [1] and (1) one
    ("{[1] :a (1) :b}", "f.tm:1:1", "duplicate key (1) in a map"),
    ("#{1 true 1.0 [1.0] (1.0)}", "f.tm:1:1", "duplicate element (1.0) in a set"),
    ('(a "abc', "f.tm:1:4", "unclosed string opened at 1:4: reached the end of the file"),
    ('"ab\\"', "f.tm:1:1", "unclosed string opened at 1:1: reached the end of the file"),
    ('"a\\qb"', "f.tm:1:3", "unknown escape '\\q' in a string"),
    ('"line\nthen \\x"', "f.tm:2:6", "unknown escape '\\x' in a string"),
    ('"\\u12"', "f.tm:1:2",
     "a \\u escape needs 4 hex digits (\\u00e9) or 1 to 6 in braces (\\u{1F600})"),
    ('"\\u{}"', "f.tm:1:2",
     "a \\u escape needs 4 hex digits (\\u00e9) or 1 to 6 in braces (\\u{1F600})"),
    ('"\\u{110000}"', "f.tm:1:2", "\\u{110000} is beyond the last Unicode character \\u{10FFFF}"),
    ("-42abc", "f.tm:1:1", "invalid number '-42abc'"),
    ("(+ 1.)", "f.tm:1:4", "invalid number '1.'"),
    ("0x", "f.tm:1:1", "invalid number '0x'"),
    ("#foo", "f.tm:1:1", "unknown reader syntax '#foo'"),
    ("#(+ 1 2", "f.tm:1:1", "unclosed '#(' opened at 1:1: reached the end of the file"),
    ("##Info", "f.tm:1:1", "unknown reader syntax '##Info'"),
    ("::a", "f.tm:1:1", "invalid keyword '::a': ':' cannot appear in a keyword"),
    ("a\\b", "f.tm:1:1", "invalid symbol 'a\\b': '\\' cannot appear in a symbol"),
    ("x😀", "f.tm:1:1", "invalid symbol 'x😀': '😀' cannot appear in a symbol"),
    ("\\a", "f.tm:1:1", "unexpected '\\': Turmeric has no character literals"),
    ("^x", "f.tm:1:1", "unexpected character '^'"),
    ('#bytes "abc"', "f.tm:1:1", '#bytes needs an even number of hex digits, as in #bytes "68690a"'),
    ('(a #"(")', "f.tm:1:4", "invalid regular expression: missing ), unterminated subpattern at position 0"),
]


@pytest.mark.parametrize("src,where,message", ERROR_TABLE)
def test_syntax_errors(src, where, message):
    with pytest.raises(TurmericError) as info:
        read_string(src, "f.tm")
    err = info.value
    assert err.kind == "syntax"
    assert err.message == message
    assert str(err.span) == where
    assert format_error(err).startswith(f"{where}: error[syntax]: {message}")


def test_errors_come_in_text_order():
    # the bad escape comes before the stray ')', so it is reported
    with pytest.raises(TurmericError, match="unknown escape"):
        read_string('"\\q" )')
    with pytest.raises(TurmericError, match="invalid number"):
        read_string("(1x")


def test_read_one_errors():
    with pytest.raises(TurmericError) as info:
        read_one("  ", "f.tm")
    assert info.value.message == "expected a form, found nothing"
    with pytest.raises(TurmericError) as info:
        read_one("(a b)\n  'c", "f.tm")
    assert info.value.message == "expected one form, found 2: another one starts at 2:3"
    assert str(info.value.span) == "f.tm:2:3"
    assert read_one("#_ skipped ; comment\n kept") == S("kept")


def test_format_error_shows_the_source_line():
    text = "(defn f [x]\n  (g x]\n"
    with pytest.raises(TurmericError) as info:
        read_string(text, "mem.tm")
    shown = format_error(info.value, {"mem.tm": text})
    assert shown == ("mem.tm:2:7: error[syntax]: unexpected ']': expected ')' to close the '(' "
                     "opened at 2:3\n 2 |   (g x]\n   |       ^")


# ---- spans -----------------------------------------------------------------------------

def test_spans_of_nested_forms():
    text = "(defn f [x]\n  (foo 'x\n       \"s\"))\n:k 'y"
    form = read_string(text, "s.tm")[0]
    assert form.span == Span("s.tm", 1, 1, 3, 13)
    assert form[0].span == Span("s.tm", 1, 2, 1, 6)          # defn
    assert form[1].span == Span("s.tm", 1, 7, 1, 8)          # f
    assert form[2][0].span == Span("s.tm", 1, 10, 1, 11)     # x inside the vector
    call = form[3]
    assert call.span == Span("s.tm", 2, 3, 3, 12)
    assert call[0].span == Span("s.tm", 2, 4, 2, 7)          # foo
    quoted = call[1]
    assert quoted.span == Span("s.tm", 2, 8, 2, 10)          # 'x
    assert quoted[0].span == Span("s.tm", 2, 8, 2, 9)        # the quote symbol: the ' itself
    assert quoted[1].span == Span("s.tm", 2, 9, 2, 10)
    assert read_string(text, "s.tm")[2].span == Span("s.tm", 4, 4, 4, 6)


def test_span_of_prefixed_forms_ends_with_their_form():
    q = read_one("'(a\n b)")
    assert q.span == Span("<string>", 1, 1, 2, 4)
    assert read_one("@ #_ skipped [x]").span == Span("<string>", 1, 1, 1, 17)
    assert read_one("'5").span == Span("<string>", 1, 1, 1, 3)


def test_every_item_keeps_its_span():
    """Regression (#8): literals and the items of vectors, maps and sets have spans too; a
    list keeps its items' spans, a vector, map or set has them in its CollectionSpan."""
    form = read_one('(let [x 1\n      {:k "s"} #{2}] (f [3]))', "s.tm")
    spans = form.item_spans
    assert [(sp.line, sp.col) for sp in spans] == [(1, 2), (1, 6), (2, 22)]
    binding = spans[1]
    assert type(binding) is CollectionSpan
    assert [(sp.line, sp.col) for sp in binding.items] == [(1, 7), (1, 9), (2, 7), (2, 16)]
    assert [(sp.line, sp.col) for sp in binding.items[2].items] == [(2, 8), (2, 11)]
    assert [(sp.line, sp.col) for sp in spans_of_items(form[1][3], binding.items[3])] == [(2, 18)]
    assert spans_of_items(form[2][1], form[2].item_spans[1])[0] == Span("s.tm", 2, 26, 2, 27)
    assert read_one("'[1]").item_spans[1].items[0] == Span("<string>", 1, 3, 1, 4)
    assert read_one("(())").item_spans == (Span("<string>", 1, 2, 1, 4),)


def test_readers_keep_their_own_state():
    """A Reader holds one read's file and text: reads in threads do not mix them up."""
    from concurrent.futures import ThreadPoolExecutor
    texts = {f"f{i}.tm": "(a [b {:c d}])\n" * 200 for i in range(8)}

    def files(name):
        forms = read_string(texts[name], name)
        return {sp.file for f in forms for sp in (f.span, f[1][0].span, *f.item_spans)}
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(files, texts)) == [{name} for name in texts]


def test_columns_count_characters_not_bytes():
    form = read_one('("é😀" x)')
    assert form[1].span.col == 7


# ---- robustness ------------------------------------------------------------------------

def test_deep_nesting_reads_without_recursion():
    n = 30000
    data = read_one("(" * n + "x" + ")" * n)
    depth = 0
    while isinstance(data, PList):
        data, depth = data.first, depth + 1
    assert depth == n and data == S("x")
    with pytest.raises(TurmericError, match=r"unclosed '\[' opened at 1:30000"):
        read_one("[" * n)


def test_importing_the_reader_does_not_import_lark():
    code = "import sys, turmeric.reader.reader; print('lark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---- properties ------------------------------------------------------------------------

SYMBOL_START = "abcxyzXYZ_λé-?!*<>=/+.&%$"
SYMBOL_REST = SYMBOL_START + "0123456789'#"


def _symbol_ok(name: str) -> bool:
    return name not in ("true", "false", "nil") and not re.match(r"[+-][0-9]", name)


symbols = st.builds(lambda a, b: S(a + b), st.sampled_from(SYMBOL_START),
                    st.text(SYMBOL_REST, max_size=6)).filter(lambda s: _symbol_ok(s.name))
keywords = st.text(SYMBOL_REST, min_size=1, max_size=6).map(K)
strings = st.text(st.one_of(st.characters(), st.sampled_from('\\"\n\t\r\0\x7f\u2028\x01 ')),
                  max_size=12)
ints = st.one_of(st.integers(), st.integers(-10 ** 6000, 10 ** 6000))
floats = st.floats(allow_nan=False)
scalars = st.one_of(st.none(), st.booleans(), ints, floats, strings, keywords, symbols)


def _unique(items):
    """Drop items that a dict would merge (1, 1.0 and true; a list and an equal vector)."""
    return list(dict.fromkeys(items))


def _map(pairs):
    d = {}
    for k, v in pairs:
        d.setdefault(k, v)
    return PMap(d)


data = st.recursive(
    scalars,
    lambda kids: st.one_of(
        st.lists(kids, max_size=4).map(plist),
        st.lists(kids, max_size=4).map(vector),
        st.lists(st.tuples(kids, kids), max_size=4).map(_map),
        st.lists(kids, max_size=4).map(lambda xs: PSet(_unique(xs))),
    ),
    max_leaves=16)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(data)
def test_read_of_pr_str_round_trips(x):
    back = read_one(pr_str(x))
    assert equals(back, x)
    assert same(back, x)


@given(st.floats(allow_nan=True))
def test_floats_round_trip(x):
    back = read_one(pr_str(x))
    assert type(back) is float
    assert (math.isnan(back) and math.isnan(x)) or (back == x and math.copysign(1, back) == math.copysign(1, x))


@given(strings)
def test_strings_round_trip(s):
    assert read_one(pr_str(s)) == s


LISPY = st.text(st.one_of(st.sampled_from(list("()[]{}#_\"\\';`~@:^,.+-0123456789exuU{} \n\tabλ😀")),
                          st.characters()), max_size=40)


@settings(max_examples=500)
@given(st.one_of(LISPY, st.text(max_size=40)))
def test_reading_arbitrary_text_raises_only_turmeric_errors(text):
    try:
        read_string(text, "any.tm")
    except TurmericError as e:
        assert e.kind == "syntax"
        assert e.span is not None and e.span.file == "any.tm" and e.span.line >= 1
        assert "Token" not in e.message and "lark" not in e.message.lower()
