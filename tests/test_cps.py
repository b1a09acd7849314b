"""The CPS stage and the code generator as stages (#8): pure functions of their input, in
packages that depend only on the data and the IR."""
from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from turmeric import codegen, cps, pipeline
from turmeric.session.session import MacroEnv, Session

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.usefixtures("scratch_cache")

PROGRAM = """
(defn total [xs] (reduce (fn [a x] (+ a x)) 0 xs))
(defn walk [n] (if (= n 0) (cloneable-shift [k] k) (let [y (* n 2)] (+ (walk (- n 1)) y))))
(defn loop-to [n acc] (if (= n 0) acc (loop-to (- n 1) (+ acc n))))
(defn guarded [f] (try (f) (catch [e] :caught)))
(println (total [1 2 3]) :done)
"""


def test_cps_and_codegen_import_only_data_and_ir():
    for package in ("cps", "codegen"):
        allowed = ("turmeric.data.", "turmeric.analyzer.ir", "turmeric.cps.", f"turmeric.{package}.")
        for f in (ROOT / "turmeric" / package).glob("*.py"):
            for node in ast.walk(ast.parse(f.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("turmeric"):
                    names = [node.module + "." + a.name + "." for a in node.names]
                    assert all(n.startswith(allowed) for n in names), (f, names)
                    if node.module == "turmeric.analyzer":
                        assert [a.name for a in node.names] == ["ir"], f
                    if package == "cps":
                        assert not node.module.startswith("turmeric.codegen"), f


def ir_of(text: str):
    s = Session()
    mod = s.scratch_module("user")
    out = pipeline.compile_text(text, "<t>", mod, MacroEnv(s, mod), s.core_names(), frozenset(s.pure),
                                False, "<t>", until="ir")
    return out.tops, frozenset(s.pure)


def test_lowering_leaves_the_ir_as_it_was_and_is_repeatable():
    tops, pure = ir_of(PROGRAM)
    before = [repr(dataclasses.astuple(t.fn.info)) for t in tops]
    first = codegen.emit(cps.lower("user", tops, pure, 1))
    second = codegen.emit(cps.lower("user", tops, pure, 1))
    assert first.source == second.source
    assert [repr(dataclasses.astuple(t.fn.info)) for t in tops] == before
    assert all(t.fn.info.sites == () and t.fn.info.pyname == "" for t in tops)


def test_the_cps_form_numbers_sites_and_marks_tail_calls():
    tops, pure = ir_of(PROGRAM)
    m = cps.lower("user", tops, pure, 1)
    walk = next(f for f in m.functions if f.info.symbol == "user.walk")
    assert [s.number for s in walk.sites] == [1]
    assert walk.info.sites[0].live == ("l_y",)
    loop = next(f for f in m.functions if f.info.symbol == "user.loop-to")
    assert loop.loops and not loop.sites
    guarded = next(f for f in m.functions if f.info.symbol == "user.guarded")
    assert guarded.info.sites[0].in_try
    with pytest.raises(dataclasses.FrozenInstanceError):
        walk.sites[0].number = 2


def test_constant_names_carry_the_unit():
    tops, pure = ir_of("(prn [:a :b])")
    assert [name for name, _ in cps.lower("user", tops, pure, 7).constants] == ["Q_7_0"]
