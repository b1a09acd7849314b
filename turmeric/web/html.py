"""HTML written as data, hiccup style (spec/web.md section 3), rendered with escaping.

    [:form {:action url :method "post"} [:input {:name "n" :id "n"}] "text"]

A vector whose first item is a keyword is an element: `:tag`, optionally `:tag#id.class1.class2`,
then an optional map of attributes, then children. A string child is text and is escaped;
numbers and keywords print; nil and false are nothing; a list or any other sequence (what
`map` and `for` return) is spliced in; `[:%raw "..."]` (made by `web/raw`) is written as it
is. Attribute values are escaped (quotes too): true writes the bare attribute, nil and false
leave it out, a vector or list is joined with spaces (classes). Tag and attribute names must
be plain names, so a name that came from a request cannot break out of the tag.

Rendering walks the data with an explicit stack, so a deeply nested page cannot exhaust
Python's recursion.
"""
from __future__ import annotations

import html
import re

from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str
from turmeric.data.values import Keyword, PList, PMap, PSet, is_vector

VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_:.-]*\Z")
SHORTHAND = re.compile(r"[A-Za-z0-9_:-]+\Z")    # an id or class in :tag#id.class
ATTR = re.compile(r"[A-Za-z_:@][A-Za-z0-9_:.@-]*\Z")
RAW = "%raw"


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def _text(x) -> str | None:
    """The text of a leaf child, or None for a child that is a collection."""
    if x is None or x is False:
        return ""
    if isinstance(x, str):
        return escape(x)
    if x is True:
        return "true"
    if type(x) in (int, float):
        return escape(str(x))
    if type(x) is Keyword:
        return escape(x.name)
    return None


def _attr_value(v) -> str:
    if isinstance(v, str):
        return escape(v)
    if type(v) is Keyword:
        return escape(v.name)
    if type(v) in (int, float):
        return str(v)
    if is_vector(v) or type(v) is PList:
        return escape(" ".join(_attr_value(x) for x in v if x is not None and x is not False))
    raise TurmericError("type", f"web: an HTML attribute value is a string, number, keyword or vector, "
                                f"got {pr_str(v)}")


_TAGS: dict[str, tuple] = {}       # keyword name -> (tag, id, classes), for names already checked
_ATTRS: set[str] = set()           # attribute names already checked
_CACHE_MAX = 4096


def _tag_parts(tag_kw: Keyword) -> tuple:
    spec = tag_kw.name
    hit = _TAGS.get(spec)
    if hit is not None:
        return hit
    tag, _, rest = spec.partition("#")
    ident = None
    classes: list[str] = []
    if "." in tag:
        tag, *classes = tag.split(".")
    if rest:
        ident, *more = rest.split(".")
        classes += more
    if not NAME.match(tag) or not all(map(SHORTHAND.match, classes if ident is None else (ident, *classes))):
        raise TurmericError("value", f"web: {pr_str(tag_kw)} is not an HTML tag name",
                            hint="a tag is a keyword such as :div, :input or :div#id.class")
    parts = (tag, ident, tuple(classes), "<" + tag)
    if len(_TAGS) < _CACHE_MAX:
        _TAGS[spec] = parts
    return parts


def _attr_name(k) -> str:
    name = k.name if type(k) is Keyword else k if isinstance(k, str) else None
    if name in _ATTRS:
        return name
    if name is None or not ATTR.match(name):
        raise TurmericError("value", f"web: {pr_str(k)} is not an HTML attribute name")
    if len(_ATTRS) < _CACHE_MAX:
        _ATTRS.add(name)
    return name


def _open_tag(tag_kw: Keyword, attrs: PMap | None) -> tuple[str, str]:
    tag, ident, classes, opening = _tag_parts(tag_kw)
    if attrs is None and ident is None and not classes:
        return tag, opening + ">"
    parts = [opening]
    has_id = has_class = False
    if attrs is not None:
        for k, v in attrs.items():
            name = _attr_name(k)
            if name == "class" and classes:
                has_class = True
                extra = "" if v is None or v is False or v is True else " " + _attr_value(v)
                parts.append(f' class="{escape(" ".join(classes))}{extra}"')
                continue
            if name == "id":
                has_id = True
            if v is None or v is False:
                continue
            if v is True:
                parts.append(" " + name)
            elif type(v) is str:
                parts.append(f' {name}="{escape(v)}"')
            else:
                parts.append(f' {name}="{_attr_value(v)}"')
    if classes and not has_class:
        parts.insert(1, f' class="{escape(" ".join(classes))}"')
    if ident is not None and not has_id:
        parts.insert(1, f' id="{escape(ident)}"')
    parts.append(">")
    return tag, "".join(parts)


def render(value) -> str:
    """The HTML text of hiccup data (a document starts with <!DOCTYPE html> if its root is :html)."""
    out: list[str] = []
    stack = [value]           # items to write; a str pushed as ("close", tag) closes an element
    while stack:
        x = stack.pop()
        if type(x) is tuple:   # a closing tag
            out.append(x[0])
            continue
        t = _text(x)
        if t is not None:
            out.append(t)
            continue
        if is_vector(x):
            if len(x) == 0:
                continue
            head = x[0]
            if type(head) is Keyword:
                if head.name == RAW:
                    for s in x[1:]:
                        if not isinstance(s, str):
                            raise TurmericError("type", f"web/raw: expected a string, got {pr_str(s)}")
                        out.append(s)
                    continue
                attrs = x[1] if len(x) > 1 and type(x[1]) is PMap else None
                tag, opening = _open_tag(head, attrs)
                if tag == "html" and not out:
                    out.append("<!DOCTYPE html>\n")
                out.append(opening)
                children = list(x[2:] if attrs is not None else x[1:])
                if tag in VOID:
                    if any(_text(c) != "" for c in children):
                        raise TurmericError("value", f"web: <{tag}> is a void element: it cannot have children")
                    continue
                stack.append((f"</{tag}>",))
                stack.extend(reversed(children))
                continue
            stack.extend(reversed(list(x)))    # a vector of nodes: a fragment
            continue
        if type(x) is PList:
            stack.extend(reversed(list(x)))
            continue
        if type(x) in (PMap, PSet):
            raise TurmericError("type", f"web: a map or set cannot be HTML content: {pr_str(x)[:80]}",
                                hint="attributes go right after the tag: [:a {:href url} \"text\"]")
        raise TurmericError("type", f"web: a value of this type cannot be HTML content: {pr_str(x)[:80]}")
    return "".join(out)
