"""Clojure's defprotocol, defrecord, extend-type, extend-protocol, defmulti and defmethod
(stdlib/core.tm over defclass, instance and struct; spec/language.md §9). The golden program
tests/golden/forms/protocols_records_multimethods.tm shows what they print; these tests cover
a resume in a fresh process and the mistakes."""
from __future__ import annotations

import textwrap

import pytest

from conftest import no_python, tm
from turmeric.data.errors import TurmericError
from turmeric.runtime import machine
from turmeric.session.session import Session

machine.allow_deep_python_stack()

PROGRAM = """\
(defprotocol Priced (price [x]))
(defrecord Item [name cents] Priced (price [_] cents))
(defmulti tax (fn [item country] country) :default :other)
(defmethod tax :fr [item _] (quot (* 20 (price item)) 100))
(defmethod tax :other [item _] 0)
(defn bill [items country]
  (let [net (reduce + (map price items))]
    (checkpoint "priced" net)
    (println "net" net "tax" (reduce + (map (fn [i] (tax i country)) items)))))
(bill [(->Item "pen" 150) (Item. "ink" 350)] :fr)
"""


def test_records_and_multimethods_resume_in_a_fresh_process(tm_env, tmp_path):
    (tmp_path / "shop.tm").write_text(PROGRAM)
    first = tm(tm_env, tmp_path, "run", "shop.tm")
    assert first.returncode == 0, first.stderr
    assert first.stdout == "net 500 tax 100\n"
    again = tm(tm_env, tmp_path, "resume", "checkpoint-priced.bin")
    no_python(again)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout


@pytest.mark.parametrize("program, kind, message", [
    ("(defprotocol P (m [x]))\n(extend-type string P (n [x] 1))", "compile", "n is not a method of P"),
    ("(defmulti f :k)\n(f {:k 1})", "error", "no method in multimethod f for dispatch value 1"),
    ("(defrecord R [a])\n(assoc (->R 1) :b 2)", "value", "struct R has no field :b"),
    ("(defrecord R [a])\n(R. 1 2)", "arity", "R takes 1 field(s)"),
])
def test_mistakes_are_turmeric_errors(program, kind, message):
    with pytest.raises(TurmericError) as e:
        Session().eval_string(textwrap.dedent(program))
    assert message in e.value.message, e.value.message
    assert e.value.kind == kind or kind == "error"


def test_a_record_method_sees_its_fields_unless_a_parameter_has_the_name():
    out = Session().eval_string(textwrap.dedent("""\
        (defprotocol Sized (size [x]) (scaled [x k]))
        (defrecord Box [w h] Sized (size [b] (* w h)) (scaled [b w] (* w h)))
        [(size (->Box 2 3)) (scaled (->Box 2 3) 10) (:w (map->Box {:w 7 :h 1}))]"""))
    assert list(out[-1]) == [6, 30, 7]


def test_a_definition_group_is_split_and_the_repl_prints_its_last_part():
    """A top-level do of definitions is compiled as its parts (spec/language.md §9), so each
    is a definition or a state global on its own; the REPL shows one value for it."""
    shown = []
    s = Session()
    s.eval_string("(defrecord P [x])\n(defmulti m :k)\n(do 1 2)\n(do (def a 1) (def b (atom a)))",
                  on_result=shown.append)
    assert [type(v).__name__ for v in shown[:2]] == ["StructType", "function"]
    assert shown[2] == 2 and s.eval_string("@b")[-1] == 1 and len(shown) == 4


def test_a_do_with_an_expression_stays_one_top_level_form(tm_env, tmp_path):
    """(do (def ...) (checkpoint ...) (println ...)) is not a definition group: resuming its
    checkpoint still runs the rest of the do."""
    (tmp_path / "grp.tm").write_text('(do (def a 1) (println "got" (checkpoint "g" a)) (println "end"))\n')
    assert tm(tm_env, tmp_path, "run", "grp.tm").stdout == "got 1\nend\n"
    again = tm(tm_env, tmp_path, "resume", "checkpoint-g.bin", "--value", "9")
    assert again.stdout == "got 9\nend\n", again.stderr
