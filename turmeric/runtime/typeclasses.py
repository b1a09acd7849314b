"""Typeclasses: (defclass Name [a] (method [x : a] : type) ...) and
(instance Name Type [constraints]? (method [args] body...) ...).

A method is a function that dispatches on the runtime type of its first argument to the
instance for that type, and falls back to the class's default (a builtin) when there is none.
Type names: int (also int64), float, string, bool, nil, keyword, symbol, list, vector, map,
set, fn, bytes, ref, continuation, and struct names. An instance whose body is `...` declares
that the built-in behaviour is the instance.

Serializable (serialize / deserialize) and Resource-Serializable (marshal / unmarshal) are
classes like any other, defined in stdlib/core.tm. The serializer asks them for a value's
token when it meets a type with a user instance, and hands the token back on load.
"""
from __future__ import annotations

from turmeric.data.errors import TurmericError
from turmeric.runtime.resources import BUILTIN_RESOURCES
from turmeric.data.values import (
    Continuation, Keyword, PList, PMap, PSet, Ref, StructValue, Symbol, is_vector,
)

TYPE_ALIASES = {"int64": "int", "int32": "int", "integer": "int", "str": "string", "boolean": "bool",
                "float64": "float", "double": "float", "any": "any"}

# class name -> (method that makes the token, method that rebuilds the value)
TOKEN_METHODS = {"Serializable": ("serialize", "deserialize"),
                 "Resource-Serializable": ("marshal", "unmarshal")}


def instance_type(x) -> str:
    """The type name an (instance Class Type ...) is found by for x. It is not data/types.py's
    type_key (what type-of says), on purpose, in two cases: a struct type is called like a
    function, so it dispatches as fn (type-of says struct-type); a foreign Python object goes
    by its bare class name, which is also the type name a marshalled token carries in the
    serialized format (type-of refuses it, type_key says python:NAME)."""
    t = type(x)
    if x is None:
        return "nil"
    if t is bool:
        return "bool"
    if t is int:
        return "int"
    if t is float:
        return "float"
    if t is str:
        return "string"
    if t is bytes:
        return "bytes"
    if t is Keyword:
        return "keyword"
    if t is Symbol:
        return "symbol"
    if t is PList:
        return "list"
    if is_vector(x):
        return "vector"
    if t is PMap:
        return "map"
    if t is PSet:
        return "set"
    if t is Ref:
        return "ref"
    if t is Continuation:
        return "continuation"
    if isinstance(x, StructValue):
        return x.stype.name
    name = getattr(t, "turmeric_type", None)
    if name is not None:
        return name
    if callable(x):
        return "fn"
    return t.__name__


class TypeClass:
    """A class: its methods and, per type name, the instance's implementations."""
    turmeric_type = "class"   # what type-of and the printer call it (#<class Show>)

    def __init__(self, name: str, module: str, methods: tuple[str, ...]):
        self.name = name
        self.module = module
        self.methods = methods
        self.instances: dict[str, dict] = {}
        self.defaults: dict[str, object] = {}
        self.dispatchers = {m: self._dispatcher(m) for m in methods}

    def __repr__(self):
        return f"#<class {self.name}>"

    def _dispatcher(self, method: str):
        cls = self

        def dispatch(d, *args):
            impl = None
            if args:
                inst = cls.instances.get(instance_type(args[0]))
                if inst is None:     # an instance for any (Clojure's Object) covers every type
                    inst = cls.instances.get("any")
                if inst is not None:
                    impl = inst.get(method)
            if impl is None:
                impl = cls.defaults.get(method)
            if impl is None:
                key = instance_type(args[0]) if args else "no argument"
                raise TurmericError("type", f"{method}: no instance of {cls.name} for {key}",
                                    hint=f"define one with (instance {cls.name} {key} ({method} [x] ...))")
            return impl(d + 1, *args)
        dispatch.__turmeric_name__ = method
        dispatch.__qualname__ = f"{self.module}.{method}"
        return dispatch

    @staticmethod
    def define(session, name, module, methods):
        """(defclass ...): a class of that name that already exists in core is reopened, so a
        program may restate a stdlib class (the design note restates Serializable)."""
        existing = session.core_value(name)
        if isinstance(existing, TypeClass) and set(methods) <= set(existing.methods):
            cls = existing
        else:
            cls = TypeClass(name, module, tuple(methods))
        if session.module_facts(module) is not None:
            for m in methods:
                session.define_global(module, m, cls.dispatchers[m])
        return cls


def add_instance(session, cls, type_name, methods):
    """(instance Class Type (method [args] body) ...): methods come as name, fn pairs."""
    if not isinstance(cls, TypeClass):
        raise TurmericError("type", f"instance: {cls!r} is not a class made by defclass")
    tname = TYPE_ALIASES.get(type_name, type_name)
    impls = {}
    for name, fn in zip(methods[0::2], methods[1::2]):
        if name not in cls.methods:
            raise TurmericError("compile", f"instance: {name} is not a method of {cls.name} "
                                           f"(its methods: {' '.join(cls.methods)})")
        impls[name] = fn
    if impls or tname not in cls.instances:
        cls.instances[tname] = impls
    return None


def _classes(session):
    for name in TOKEN_METHODS:
        cls = session.core_value(name)
        if isinstance(cls, TypeClass):
            yield name, cls


def marshal_resource(session, x):
    """(type name, token, module) for a value whose type has a user instance that makes a
    token (module: the one that defines the instance's method, which a reader must load to
    rebuild the value; None for a built-in resource)."""
    key = instance_type(x)
    for name, cls in _classes(session):
        impl = cls.instances.get(key, {}).get(TOKEN_METHODS[name][0])
        if impl is not None:
            token = session.call(impl, x, who=f"{TOKEN_METHODS[name][0]} of {key}")
            code = getattr(impl, "__code__", None)
            info = session.function_info(code) if code is not None else None
            return key, token, info.module if info is not None else None
    resource = getattr(x, "tm_marshal", None)
    if resource is not None:
        return instance_type(x), resource(), None
    return None


# the built-in resources that stand for something outside the process: what
# (deserialize b :resources :closed | :refuse) keeps closed or refuses (#15 item 1)
EXTERNAL_RESOURCES = frozenset({"FileHandle", "Socket"})
RESOURCE_POLICIES = ("reopen", "closed", "refuse")


def unmarshal_resource(session, type_name: str, token, policy: str = "reopen"):
    """Rebuild a resource from its token. `policy` (spec/serialization.md §8): "reopen" reopens
    a file without truncating or creating it, and a socket connects when first used;
    "closed" rebuilds files and sockets closed; "refuse" makes them a `deserialize` error."""
    if type_name in EXTERNAL_RESOURCES and policy == "refuse":
        raise TurmericError("deserialize", f"the data holds a {type_name}, and resources are refused here",
                            hint="(deserialize b :resources :refuse) reads no file handle or socket; use "
                                 ":resources :closed to get them back closed")
    for name, cls in _classes(session):
        impl = cls.instances.get(type_name, {}).get(TOKEN_METHODS[name][1])
        if impl is not None:
            return session.call(impl, token, who=f"{TOKEN_METHODS[name][1]} of {type_name}")
    rebuild = BUILTIN_RESOURCES.get(type_name)
    if rebuild is not None:
        return rebuild(token, closed=True) if type_name in EXTERNAL_RESOURCES and policy == "closed" \
            else rebuild(token)
    raise TurmericError("schema-mismatch", f"no instance of Serializable or Resource-Serializable "
                                           f"rebuilds a {type_name} here")

