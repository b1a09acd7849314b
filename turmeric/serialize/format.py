"""The record tags of the serialized format (spec/serialization.md §4) and the machine's
special frames, which are written by name. Encoder, decoder, blob store and inspect share
these numbers; changing one is a new format version."""
from __future__ import annotations

from turmeric.runtime import machine

# record tags
T_LIST, T_VECTOR, T_MAP, T_SET, T_STRUCT, T_REF, T_BOX, T_FN, T_CONT, T_FRAME, T_TUPLE, \
    T_STYPE, T_RESOURCE, T_BUILTIN, T_CHUNKED, T_SHAPED_MAP, T_LAZY = range(17)
TAG_NAMES = ["list", "vector", "map", "set", "struct", "ref", "box", "fn", "continuation", "frame",
             "tuple", "struct-type", "resource", "builtin", "chunked", "shaped map", "lazy seq"]
CHUNKABLE = (T_LIST, T_VECTOR, T_TUPLE, T_MAP)   # what a blob store may cut into chunks
DATA_TAGS = frozenset({T_LIST, T_VECTOR, T_MAP, T_SHAPED_MAP, T_SET, T_STRUCT, T_TUPLE})   # immutable data
MUTABLE = (T_REF, T_BOX)
CHUNKED_LIST_FROM_END = 17   # a chunked record's sequence tag: a list chunked from its end (format 4)

SPECIAL_FRAMES = {
    machine.prompt_entry: "%prompt", machine.redo_entry: "%redo",
    machine.trywith_entry: "%try-with", machine._call_handler_entry: "%call-handler",
}
