"""Issue #9 item 11: `turmeric inspect` shortens long values (and --full prints them whole).

Each regression test names its item; the property test checks the class behind it."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from turmeric.data.printer import pr_str
from turmeric.data.values import PList, PMap, PSet, Keyword, Ref, StructValue, is_vector, plist, vector
from turmeric.serialize.inspect import MAX_CHARS, MAX_DEPTH, MAX_ITEMS, MAX_TEXT, preview
from conftest import tm

pytestmark = pytest.mark.usefixtures("scratch_cache")


# -- #9 item 11: inspect elides long values ------------------------------------------------------

BIG = """
(defn keep [v s m]
  (cloneable-shift [k] (write-file "big.bin" (serialize k)) nil)
  [(count v) (count s) (count m)])
(cloneable-reset (fn [] (keep (vec (range 5000)) (apply str (repeat 600 "ab"))
                              (into {} (map (fn [i] [i i]) (range 50))))))
"""


def test_item11_inspect_elides_long_values_and_full_prints_them(tmp_path, tm_env):
    """#9 item 11: a 5,000-element vector was one 24,000-character line."""
    (tmp_path / "big.tm").write_text(BIG, encoding="utf-8")
    assert tm(tm_env, tmp_path, "run", "big.tm").returncode == 0
    text = tm(tm_env, tmp_path, "inspect", "big.bin")
    assert text.returncode == 0, text.stderr
    assert max(map(len, text.stdout.splitlines())) < 300
    assert "     v = [0 1 2 3 4 5 6 7 8 9 ... (4,990 more)]\n" in text.stdout
    assert f'     s = "{"ab" * 100}..." (1,200 chars)\n' in text.stdout
    assert "     m = {0 0, 1 1, 2 2, 3 3, 4 4, 5 5, 6 6, 7 7, 8 8, 9 9, ... (40 more)}" in text.stdout
    full = tm(tm_env, tmp_path, "inspect", "--full", "big.bin")
    assert f"     v = {pr_str(vector(range(5000)))}\n" in full.stdout
    assert f'     s = "{"ab" * 600}"\n' in full.stdout
    report = json.loads(tm(tm_env, tmp_path, "inspect", "--json", "big.bin").stdout)
    assert report["truncated"] is True and sorted(report["frames"][0]["truncated"]) == ["m", "s", "v"]
    assert report["frames"][0]["locals"]["v"] == "[0 1 2 3 4 5 6 7 8 9 ... (4,990 more)]"
    whole = json.loads(tm(tm_env, tmp_path, "inspect", "--json", "--full", "big.bin").stdout)
    assert "truncated" not in whole and "truncated" not in whole["frames"][0]
    assert whole["frames"][0]["locals"]["v"] == pr_str(vector(range(5000)))


def test_item11_a_long_plain_value_is_elided_too(tmp_path, tm_env):
    (tmp_path / "v.tm").write_text('(write-file "v.bin" (serialize (vec (range 100))))\n', encoding="utf-8")
    assert tm(tm_env, tmp_path, "run", "v.tm").returncode == 0
    out = tm(tm_env, tmp_path, "inspect", "v.bin").stdout
    assert out.splitlines()[-1] == "value: [0 1 2 3 4 5 6 7 8 9 ... (90 more)]"


def within_limits(x, depth=0) -> bool:
    """Whether preview must show x exactly as pr_str (no collection, string or atom too long,
    not too deep)."""
    if type(x) is str:
        return len(x) <= MAX_TEXT
    if isinstance(x, StructValue):
        parts = list(x.field_values())
    elif type(x) is PMap:
        parts = [p for kv in x.items() for p in kv]
        if len(x) > MAX_ITEMS:
            return False
    elif type(x) in (PList, PSet) or is_vector(x):
        parts = list(x)
    elif type(x) is Ref:
        return within_limits(x.value, depth)
    else:
        return len(pr_str(x)) <= MAX_TEXT
    if parts and depth >= MAX_DEPTH or type(x) is not PMap and len(parts) > MAX_ITEMS:
        return False
    return all(within_limits(p, depth + 1) for p in parts)


atoms = st.one_of(st.none(), st.booleans(), st.integers(-(10 ** 250), 10 ** 250), st.floats(),
                  st.text(max_size=260), st.binary(max_size=120), st.sampled_from([Keyword("a"), Keyword("b/c")]))
values = st.recursive(atoms, lambda kids: st.one_of(
    st.lists(kids, max_size=14).map(vector), st.lists(kids, max_size=14).map(plist),
    st.lists(st.tuples(st.integers(0, 30), kids), max_size=14).map(lambda ps: PMap.from_pairs(ps)),
    st.lists(st.integers(-5, 40), max_size=14).map(PSet), kids.map(Ref)), max_leaves=60)


@settings(max_examples=300, deadline=None)
@given(values)
def test_item11_class_preview_is_pr_str_unless_it_says_it_cut(x):
    """The differential: preview is pr_str exactly for a value within the limits, and
    whenever it does not say it cut something; it never prints much more than MAX_CHARS."""
    text, cut = preview(x)
    full = pr_str(x)
    if not cut:
        assert text == full
    if within_limits(x) and len(full) <= MAX_CHARS:
        assert not cut and text == full
    else:
        assert cut or text == full
    assert len(text) <= MAX_CHARS + MAX_TEXT + 40
    assert preview(x, full=True) == (full, False)


def test_item11_deep_nesting_is_cut_without_recursion():
    x = 1
    for _ in range(50_000):
        x = vector([x])
    text, cut = preview(x)
    assert cut and text == "[" * MAX_DEPTH + "[...]" + "]" * MAX_DEPTH


