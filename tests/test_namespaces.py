"""Clojure's ns and require (spec/language.md §8, "ns, require"): a file written for Clojure
opens with (ns ...) and reads as module + import. Found by trying a Clojure program: its first
line was `ns is not defined`."""
from __future__ import annotations

import textwrap

import pytest

from conftest import no_python, tm
from turmeric.data.errors import TurmericError
from turmeric.runtime import machine
from turmeric.session.session import Session

machine.allow_deep_python_stack()


def test_ns_names_the_module_and_imports_its_libraries(tm_env, tmp_path):
    (tmp_path / "helpers.tm").write_text("(ns helpers \"Small helpers.\")\n(defn twice [x] (* 2 x))\n")
    (tmp_path / "app.tm").write_text(textwrap.dedent("""\
        (ns my.app
          "The app."
          {:author "someone"}
          (:require [clojure.string :as str]
                    [clojure.set :as set :refer [union]]
                    [helpers :as h]
                    helpers)
          (:import (java.util Date))
          (:gen-class))
        (require '[clojure.string :as string] 'helpers)
        (defn -main [] (cloneable-shift [k] k))
        (println (str/join "," (map h/twice [1 2])) (helpers/twice 5) (set/union #{1} #{2})
                 (string/upper-case "x"))
        (println (current-version) (pr-str -main))
        """))
    out = tm(tm_env, tmp_path, "run", "app.tm")
    no_python(out)
    assert out.returncode == 0, out.stderr
    assert out.stdout == '2,4 10 #{1 2} X\nnil #<fn my.app.-main>\n'


@pytest.mark.parametrize("form, message", [
    ("(ns a (:require [clojure.string :as cs]))", "clojure.string cannot be aliased as cs"),
    ("(ns a (:require [clojure.walk :as w]))", "clojure.walk is not part of Turmeric"),
    ("(require '[helpers :refer [twice]])", "Turmeric imports are qualified"),
    ("(ns a (:use helpers))", "Turmeric imports are qualified"),
    ("(ns a (:requires x))", "ns: unknown clause :requires"),
    ("(ns a (require x))", "an ns clause starts with a keyword"),
    ("(require helpers)", "require takes quoted library specs"),
    ("(require '[helpers :as])", "options come in pairs"),
    ("(require '[helpers :as h :bogus 1])", "unknown library option :bogus"),
    ("(require '\"helpers\")", "a library spec is lib or [lib :as alias]"),
])
def test_mistakes_are_compile_errors_at_the_form(form, message):
    with pytest.raises(TurmericError) as e:
        Session().eval_string(form)
    assert e.value.kind == "compile" and message in e.value.message
    assert e.value.span is not None


def test_require_in_the_repl_imports_a_module_of_the_path(tmp_path, monkeypatch):
    (tmp_path / "tools.tm").write_text("(defn greet [n] (str \"hi \" n))\n")
    monkeypatch.setenv("TURMERIC_PATH", str(tmp_path))
    s = Session()
    assert s.eval_string("(require '[tools :as t])\n(t/greet \"bo\")")[-1] == "hi bo"
