"""Making and locating forms: the small helpers every part of the expander shares."""
from __future__ import annotations

from turmeric.data.errors import TurmericError
from turmeric.data.span import Span
from turmeric.data.values import PList, PMap, Symbol, plist, spans_of_items


def sym(name: str, span: Span | None = None) -> Symbol:
    return Symbol(name, span)


def core(name: str, span: Span | None = None) -> Symbol:
    """A reference to a core builtin that user definitions cannot shadow."""
    return Symbol("core/" + name, span)


def form_list(span: Span | None, *items) -> PList:
    """A list the expander makes, with the span of the form it replaces."""
    return plist(items, span=span)


def span_of(x, default: Span | None = None) -> Span | None:
    """The span a form carries (symbols and lists do), else `default`."""
    return getattr(x, "span", None) or default


def item_spans(x, span: Span | None) -> list:
    """One span per item of the collection `x` (whose own span is `span`): where the reader
    saw it, else the item's own span, else `span`."""
    known = spans_of_items(x, span)
    flat = [y for kv in x.items() for y in kv] if type(x) is PMap else list(x)
    return [(known[i] if i < len(known) else None) or span_of(y, span) for i, y in enumerate(flat)]


def fail(message: str, form, span: Span | None = None, hint: str | None = None):
    raise TurmericError("compile", message, span_of(form, span), hint)


def import_names(form: PList) -> tuple[str, str]:
    """(module name, alias) of an import form whose shape was checked: (import flow) is
    ("flow", "flow"), (import flow :as f) is ("flow", "f")."""
    items = list(form)
    name = items[1].name
    return name, (items[3].name if len(items) == 4 else name)
