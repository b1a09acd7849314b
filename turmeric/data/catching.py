"""The class names `(catch Class e ...)` accepts, and what each catches (spec/language.md §7,
"Exception classes"). The expander checks a name against CATCH_CLASSES at compile time and
passes its category to the runtime (runtime/catching.py), which tests a caught error with
`catches`."""
from __future__ import annotations

# class name (with or without its Java package) -> category
_CLASSES = {
    "all": ("Throwable", "Exception", "Object"),
    "runtime": ("RuntimeException",),
    "ex-info": ("ExceptionInfo",),
    "arithmetic": ("ArithmeticException",),
    "illegal-argument": ("IllegalArgumentException",),
    "class-cast": ("ClassCastException",),
    "arity": ("ArityException",),
}
_PACKAGES = {"ExceptionInfo": "clojure.lang.", "ArityException": "clojure.lang."}

CATCH_CLASSES: dict[str, str] = {}
for _category, _names in _CLASSES.items():
    for _name in _names:
        CATCH_CLASSES[_name] = _category
        CATCH_CLASSES[_PACKAGES.get(_name, "java.lang.") + _name] = _category


def catches(category: str, origin: str, kind: str, message: str) -> bool:
    """Whether a catch of `category` catches an error. `origin` is "error" for a runtime
    error a builtin raised, "error-value" for a thrown (error msg), "ex-info" for a thrown
    ex-info value, "value" for any other thrown value; `kind` is the error kind (spec/errors.md)."""
    if category == "all":
        return True
    if category == "runtime":
        return origin != "value"
    if category == "ex-info":
        return origin == "ex-info"
    if origin != "error":
        return False
    if category == "arithmetic":
        return kind == "value" and "division by zero" in message
    if category == "illegal-argument":
        return kind in ("value", "arity")
    if category == "class-cast":
        return kind == "type"
    return kind == category   # arity
