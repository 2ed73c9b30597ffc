"""ciscoconfparse2 without its per-call logging wrappers.

ciscoconfparse2 (0.9) decorates nearly every method and property with loguru's
``@logger.catch(reraise=True)``: each call enters a context manager that, on an
exception, logs a traceback to loguru's stderr sink and re-raises it. Parsing a
config makes ~1,300 such calls per line, and the wrappers were about 45 % of
parsing time (cProfile, rtr-branch-07: 97,680 wrapper calls for 20 parses).

:func:`unwrap` puts the undecorated functions (``__wrapped__``, kept by
``functools.wraps``) back, once, at import. Behaviour is the same, since every
wrapper re-raises; only loguru's traceback on stderr goes (our parsers never let a
library exception reach the user anyway). A wrapper is recognised by its code
(loguru's ``catch_wrapper``), so a later ciscoconfparse2 that drops or changes the
decorator is left as it is.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

_SKIP = {"__main__", "cli_script"}


def _is_catch_wrapper(obj: Any) -> bool:
    code = getattr(obj, "__code__", None)
    return (code is not None and code.co_name == "catch_wrapper" and "loguru" in code.co_filename
            and getattr(obj, "__wrapped__", None) is not None)


def _inner(obj: Any) -> Any:
    while _is_catch_wrapper(obj):
        obj = obj.__wrapped__
    return obj


def _unwrap_class(cls: type) -> int:
    count = 0
    for name, attr in list(vars(cls).items()):
        if isinstance(attr, property):
            parts = tuple(_inner(f) if f is not None else None for f in (attr.fget, attr.fset, attr.fdel))
            if parts != (attr.fget, attr.fset, attr.fdel):
                setattr(cls, name, property(*parts, attr.__doc__))
                count += 1
        elif isinstance(attr, (staticmethod, classmethod)):
            if _is_catch_wrapper(attr.__func__):
                setattr(cls, name, type(attr)(_inner(attr.__func__)))
                count += 1
        elif _is_catch_wrapper(attr):
            setattr(cls, name, _inner(attr))
            count += 1
    return count


def unwrap(package: str = "ciscoconfparse2") -> int:
    """Remove loguru catch wrappers from ``package``'s modules; returns how many."""
    root = importlib.import_module(package)
    count = 0
    for info in pkgutil.iter_modules(root.__path__):
        if info.name in _SKIP:
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        for name, value in list(vars(module).items()):
            if _is_catch_wrapper(value):
                setattr(module, name, _inner(value))
                count += 1
            elif isinstance(value, type) and value.__module__ == module.__name__:
                count += _unwrap_class(value)
    return count
