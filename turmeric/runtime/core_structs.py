"""The struct types the runtime itself makes: what (catch [e]) binds for an error, ex-info,
the schema-mismatch a resume raises, and the Some/None of match."""
from __future__ import annotations

from turmeric.data.values import StructType

ERROR = StructType("error", "core", ("message",))
SOME = StructType("Some", "core", ("value",))
NONE = StructType("None", "core", ())
SCHEMA_MISMATCH = StructType("schema-mismatch", "core", ("detail", "old-version"))
EX_INFO = StructType("ex-info", "core", ("message", "data"))
NONE_VALUE = NONE.cls()
