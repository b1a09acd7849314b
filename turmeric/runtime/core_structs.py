"""The struct types the runtime itself makes: what (catch [e]) binds for an error, ex-info,
the schema-mismatch a resume raises, the Some/None of match, and the (reduced x) that stops
a reduce."""
from __future__ import annotations

from turmeric.data.values import StructType

ERROR = StructType("error", "core", ("message",))
SOME = StructType("Some", "core", ("value",))
NONE = StructType("None", "core", ())
SCHEMA_MISMATCH = StructType("schema-mismatch", "core", ("detail", "old-version"))
EX_INFO = StructType("ex-info", "core", ("message", "data"))
REDUCED = StructType("reduced", "core", ("value",))    # (reduced x): reduce and transduce stop
REDUCED_CLS = REDUCED.cls


def unreduced(x):
    """The x of a (reduced x), else x itself (core.tm's unreduced, for the runtime's reduce)."""
    return x.field_values()[0] if type(x) is REDUCED_CLS else x
NONE_VALUE = NONE.cls()
