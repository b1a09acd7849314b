"""Typeclasses: defclass and instance (filled in by the serialization work)."""
from __future__ import annotations

from .errors import TurmericError


class TypeClass:
    @staticmethod
    def define(session, name, module, methods):
        raise TurmericError("compile", "defclass is not implemented yet")


def add_instance(session, cls, type_name, methods):
    raise TurmericError("compile", "instance is not implemented yet")


def marshal_resource(session, x):
    return None


def unmarshal_resource(session, type_name, token):
    from .errors import TurmericError
    raise TurmericError("deserialize", f"no Resource-Serializable instance for {type_name}")
