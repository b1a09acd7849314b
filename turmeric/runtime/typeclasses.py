"""Typeclasses: defclass and instance (filled in by the serialization work)."""
from __future__ import annotations

from .errors import TurmericError


class TypeClass:
    @staticmethod
    def define(session, name, module, methods):
        raise TurmericError("compile", "defclass is not implemented yet")


def add_instance(session, cls, type_name, methods):
    raise TurmericError("compile", "instance is not implemented yet")
