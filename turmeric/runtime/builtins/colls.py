"""Making collections and adding to or taking from them: list, vector, vec, hash-set, set,
conj, into, empty, peek, pop, subvec, disj (maps are in maps.py, sequences in seqs.py)."""
from __future__ import annotations

from typing import Callable

from turmeric.data.types import VECTOR_CLASS, describe, type_error, value_error
from turmeric.data.values import (
    EMPTY_LIST, EMPTY_MAP, EMPTY_VECTOR, PList, PMap, PSet, cons as list_cons, plist, vector,
)
from turmeric.runtime.builtins.args import int_arg, plural_count
from turmeric.runtime.builtins.maps import merge
from turmeric.runtime.builtins.predicates import is_coll
from turmeric.runtime.builtins.seqs import items
from turmeric.runtime.lazy import LazySeq, cell
from turmeric.runtime.builtins.sorted import SortedMap, SortedSet, empty_like, into_sorted


def list_(*xs):
    return plist(xs)


_extend_empty = EMPTY_VECTOR.extend


def vector_(*xs):
    # not vector(xs) (one call more) nor pvector(xs) (128 ns against 96): [x k] is built
    # for every element of a generator (#14)
    return _extend_empty(xs)


def vec(x):
    if isinstance(x, VECTOR_CLASS):
        return x
    return vector(items("vec", x))


def hash_set(*xs):
    return PSet(xs)


def set_(x):
    if isinstance(x, PSet):
        return x
    return PSet(items("set", x))


def _conj_one(name, coll, x):
    if isinstance(coll, VECTOR_CLASS):
        return coll.append(x)
    if isinstance(coll, PList):
        return list_cons(x, coll)
    if isinstance(coll, PMap):
        if isinstance(x, VECTOR_CLASS):
            if len(x) != 2:
                raise value_error(name, f"expected a [key value] vector to add to a map, got "
                                        f"{describe(x)}")
            return coll.assoc(x[0], x[1])
        if isinstance(x, PMap):
            return merge(coll, x)
        if x is None:
            return coll
        raise type_error(name, "a [key value] vector to add to a map", x)
    if isinstance(coll, PSet):
        return coll.conj(x)
    if coll is None:
        return list_cons(x, EMPTY_LIST)
    if type(coll) is LazySeq:   # at the front, as on a list, realizing nothing
        return cell(x, coll)
    raise type_error(name, "a collection or nil", coll)


def conj(coll=EMPTY_VECTOR, *xs):
    if len(xs) == 1:            # (conj coll x), the common call: the exact types first
        t = type(coll)
        if t is PSet:
            return coll.conj(xs[0])
        if t is VECTOR_CLASS:
            return coll.append(xs[0])
        if t is PList:
            return list_cons(xs[0], coll)
    for x in xs:
        coll = _conj_one("conj", coll, x)
    if coll is None:
        return None
    if not is_coll(coll):
        raise type_error("conj", "a collection or nil", coll)
    return coll


def into(to, frm):
    xs = items("into", frm)
    if isinstance(to, (SortedMap, SortedSet)):
        return into_sorted(to, xs)
    if isinstance(to, VECTOR_CLASS):
        return to.extend(xs)
    if isinstance(to, PSet):
        if isinstance(xs, PSet):
            return to.union(xs)
        return to.union(PSet(xs)) if len(xs) else to     # O(log n) a member into a large set
    if isinstance(to, PMap):
        if isinstance(frm, PMap):
            return merge(to, frm)
        pairs = []
        for x in xs:
            if not (isinstance(x, VECTOR_CLASS) and len(x) == 2):
                raise type_error("into", "[key value] vectors to add to a map", x)
            pairs.append(x)
        return to.merge(PMap.from_pairs(pairs)) if pairs else to
    if to is None:
        to = EMPTY_LIST
    elif not isinstance(to, PList):
        raise type_error("into", "a collection or nil", to)
    for x in xs:
        to = list_cons(x, to)
    return to


def empty(coll):
    if isinstance(coll, (SortedMap, SortedSet)):
        return empty_like(coll)
    if isinstance(coll, PList):
        return EMPTY_LIST
    if isinstance(coll, VECTOR_CLASS):
        return EMPTY_VECTOR
    if isinstance(coll, PMap):
        return EMPTY_MAP
    if isinstance(coll, PSet):
        return PSet()
    if coll is None:
        return None
    if type(coll) is LazySeq:
        return EMPTY_LIST
    raise type_error("empty", "a collection or nil", coll)


def peek(coll):
    if isinstance(coll, VECTOR_CLASS):
        return coll[-1] if len(coll) else None
    if isinstance(coll, PList):
        return coll.first
    if coll is None:
        return None
    raise type_error("peek", "a list, vector or nil", coll)


def pop(coll):
    if isinstance(coll, VECTOR_CLASS):
        if not len(coll):
            raise value_error("pop", "can't pop an empty vector")
        return coll.delete(len(coll) - 1)
    if isinstance(coll, PList):
        if not coll.count:
            raise value_error("pop", "can't pop an empty list")
        return coll.rest
    if coll is None:
        return None
    raise type_error("pop", "a list, vector or nil", coll)


def subvec(v, start, end=None):
    if not isinstance(v, VECTOR_CLASS):
        raise type_error("subvec", "a vector", v)
    int_arg("subvec", start)
    if end is None:
        end = len(v)
    int_arg("subvec", end)
    if not 0 <= start <= end <= len(v):
        raise value_error("subvec", f"range {start}..{end} out of bounds for a vector of "
                                    f"{plural_count(len(v))}")
    return v[start:end]


def disj(s, *xs):
    if s is None:
        return None
    if not isinstance(s, PSet):
        raise type_error("disj", "a set or nil", s)
    for x in xs:
        s = s.disj(x)
    return s


BUILTINS: dict[str, Callable] = {
    "list": list_, "vector": vector_, "vec": vec, "hash-set": hash_set, "set": set_,
    "conj": conj, "into": into, "empty": empty, "peek": peek, "pop": pop, "subvec": subvec,
    "disj": disj,
}
