"""Web continuations (spec/web.md): `turmeric.web:app_for("app.tm")` is the WSGI callable of an
app whose pages are continuations (stdlib/web.tm)."""
from turmeric.web.app import WebApp, app_for

__all__ = ["WebApp", "app_for"]
