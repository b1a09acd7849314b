"""A saved continuation carries its modules' state globals (spec/serialization.md §2, module
state): a global atom, or a def computed by a call, is what it was at the checkpoint when a
fresh process resumes, though loading the module to resolve the data does not run the
forms that made it. Found by trying it: `(def table (atom {}))` then a checkpoint, then
`turmeric resume`, was `table is not defined`."""
from __future__ import annotations

import textwrap

import pytest

from conftest import no_python, tm
from turmeric.data.errors import TurmericError
from turmeric.runtime import machine
from turmeric.serialize import wire
from turmeric.serialize.decode import deserialize
from turmeric.serialize.encode import serialize
from turmeric.session.session import Session

machine.allow_deep_python_stack()


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_a_global_atom_is_resumed_as_it_was_at_the_checkpoint(tm_env, tmp_path):
    write(tmp_path, "counts.tm", """\
        (def table (atom {:a 1}))
        (swap! table assoc :b 2)
        (def total (reduce + (range 10)))
        (defn go []
          (swap! table assoc :c 3)
          (checkpoint "mid" :ok)
          (swap! table update :a inc)
          (println "table" @table "total" total))
        (go)
        """)
    first = tm(tm_env, tmp_path, "run", "counts.tm")
    assert first.returncode == 0, first.stderr
    assert first.stdout == "table {:a 2, :b 2, :c 3} total 45\n"
    again = tm(tm_env, tmp_path, "resume", "checkpoint-mid.bin")
    no_python(again)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout     # the atom as it was at the checkpoint, then inc'ed


def test_resuming_twice_starts_from_the_saved_state_each_time(tm_env, tmp_path):
    write(tmp_path, "twice.tm", """\
        (def seen (atom []))
        (defn go [] (swap! seen conj (checkpoint "k" 1)) (println @seen))
        (go)
        """)
    assert tm(tm_env, tmp_path, "run", "twice.tm").stdout == "[1]\n"
    for value in ("5", "6"):
        out = tm(tm_env, tmp_path, "resume", "checkpoint-k.bin", "--value", value)
        assert out.stdout == f"[{value}]\n", out.stderr


SOURCE = """\
(def table (atom {:n 1}))
(defn f [] (cloneable-shift [k] k) (:n @table))
"""


def captured(tmp_path, name):
    """A session that ran the module `name` (SOURCE), and the continuation of its f."""
    s = Session()
    s.load_file(str(write(tmp_path, f"{name}.tm", SOURCE)))
    mod = s.modules[name]
    return s, mod, s.call(s.core_value("cloneable-reset"), mod.ns["g_f"])


def test_a_running_program_keeps_its_own_globals(tmp_path):
    """Deserializing in a process that ran the module: the data does not overwrite the live
    state (only a module loaded to resolve the data gets the saved values)."""
    s, mod, k = captured(tmp_path, "live")
    data = serialize(s, k)
    s.call(s.core_value("reset!"), mod.ns["g_table"], s.eval_string("{:n 99}")[-1])
    assert s.call(s.core_value("resume"), deserialize(s, data), None) == 99


def test_a_fresh_session_gets_the_saved_state(tmp_path):
    s, mod, k = captured(tmp_path, "fresh")
    s.call(s.core_value("swap!"), mod.ns["g_table"], s.core_value("assoc"), s.eval_string(":n")[-1], 7)
    data = serialize(s, k)
    other = Session()
    other.search_path.insert(0, tmp_path)
    assert other.call(other.core_value("resume"), deserialize(other, data), None) == 7


def forge_state(data: bytes, state) -> bytes:
    header, records, root = wire.unpack(data)
    return wire.pack([dict(header, state=state), list(records), root])


@pytest.mark.parametrize("state", [[[7, "table", 1]], [["0", "table", 1]], [[0, 5, 1]], [[0, "table"]], 3])
def test_a_malformed_state_table_is_a_deserialize_error(tmp_path, state):
    s, _mod, k = captured(tmp_path, "forged")
    data = serialize(s, k)
    assert deserialize(s, forge_state(data, [])) is not None
    with pytest.raises(TurmericError) as e:
        deserialize(s, forge_state(data, state))
    assert e.value.kind == "deserialize"


def test_a_global_that_cannot_be_saved_is_named_in_the_error(tmp_path):
    s, mod, k = captured(tmp_path, "unsaveable")
    mod.ns["g_table"] = object()
    with pytest.raises(TurmericError) as e:
        serialize(s, k)
    assert "the global table of module unsaveable" in e.value.message
