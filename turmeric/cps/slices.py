"""The resume slices of a lowered body: what runs after a site returns, and whether a
Turmeric try encloses it. A resume entry is the first kind of slice, printed."""
from __future__ import annotations

from turmeric.cps.form import If, Site, Try


def continuation_after(body, site: Site, first: list) -> list | None:
    """The statements that run after `site` returns: `first` (which receives the value), the
    rest of its block, then the rest of every enclosing block, with a Turmeric try re-wrapped
    around the part that was inside it."""
    for i, s in enumerate(body):
        if s is site:
            return first + list(body[i + 1:])
        t = type(s)
        if t is If:
            for part in (s.then, s.else_):
                inner = continuation_after(part, site, first)
                if inner is not None:
                    return inner + list(body[i + 1:])
        elif t is Try:
            inner = continuation_after(s.body, site, first)
            if inner is not None:
                return [Try(s.span, tuple(inner), s.var, s.boxed, s.handler)] + list(body[i + 1:])
            inner = continuation_after(s.handler, site, first)
            if inner is not None:
                return inner + list(body[i + 1:])
    return None


def site_in_try(body, site: Site, inside=False) -> bool | None:
    """True if a Turmeric try's body encloses `site` (None if the site is not in `body`)."""
    for s in body:
        if s is site:
            return inside
        t = type(s)
        if t is If:
            for part in (s.then, s.else_):
                r = site_in_try(part, site, inside)
                if r is not None:
                    return r
        elif t is Try:
            r = site_in_try(s.body, site, True)
            if r is not None:
                return r
            r = site_in_try(s.handler, site, inside)
            if r is not None:
                return r
    return None
