"""Leaf operators, typed (after Cloud Custodian's value filters).

Every operator returns True/False, or raises :class:`TypeMismatch` when the
observed value and the policy value are of types that cannot be compared
honestly (a string ``"2"`` against the number ``2``): such a finding is an
``error``, never a pass.
"""

from __future__ import annotations

import re
from typing import Any, Callable


class TypeMismatch(Exception):
    pass


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    if value is None:
        return "null"
    return type(value).__name__


def _same_type(a: Any, b: Any) -> bool:
    return type_name(a) == type_name(b)


def _require_same(observed: Any, value: Any) -> None:
    if not _same_type(observed, value):
        raise TypeMismatch(f"observed {type_name(observed)} {_short(observed)} cannot be compared "
                           f"with {type_name(value)} {_short(value)}")


def _short(value: Any) -> str:
    import json
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def op_eq(observed, value):
    _require_same(observed, value)
    return observed == value


def op_ne(observed, value):
    _require_same(observed, value)
    return observed != value


def _ordered(observed, value):
    if type_name(observed) not in ("number", "string"):
        raise TypeMismatch(f"observed {type_name(observed)} {_short(observed)} has no order")
    _require_same(observed, value)


def op_lt(observed, value):
    _ordered(observed, value)
    return observed < value


def op_le(observed, value):
    _ordered(observed, value)
    return observed <= value


def op_gt(observed, value):
    _ordered(observed, value)
    return observed > value


def op_ge(observed, value):
    _ordered(observed, value)
    return observed >= value


def op_in(observed, value):
    if not any(_same_type(observed, v) for v in value):
        raise TypeMismatch(f"observed {type_name(observed)} {_short(observed)} cannot be one of "
                           f"{_short(value)} (no {type_name(observed)} in the list)")
    return observed in value


def op_not_in(observed, value):
    return not op_in(observed, value)


def op_contains(observed, value):
    if isinstance(observed, list):
        if observed and not any(_same_type(item, value) for item in observed):
            raise TypeMismatch(f"observed list {_short(observed)} holds no {type_name(value)} "
                               f"to compare with {_short(value)}")
        return value in observed
    if isinstance(observed, str):
        if not isinstance(value, str):
            raise TypeMismatch(f"observed string {_short(observed)} cannot contain {type_name(value)} {_short(value)}")
        return value in observed
    if isinstance(observed, dict):
        if not isinstance(value, str):
            raise TypeMismatch(f"observed object cannot contain {type_name(value)} {_short(value)}")
        return value in observed
    raise TypeMismatch(f"observed {type_name(observed)} {_short(observed)} is not a list, string or object")


def op_not_contains(observed, value):
    return not op_contains(observed, value)


def op_regex(observed, pattern):   # a compiled RE2 pattern (conditions.compile_regex)
    if not isinstance(observed, str):
        raise TypeMismatch(f"observed {type_name(observed)} {_short(observed)} is not a string for regex")
    return pattern.fullmatch(observed) is not None


def op_not_regex(observed, pattern):
    return not op_regex(observed, pattern)


def op_empty(observed, _value=None):
    if isinstance(observed, (list, dict, str)):
        return len(observed) == 0
    raise TypeMismatch(f"observed {type_name(observed)} {_short(observed)} has no length")


def op_not_empty(observed, _value=None):
    return not op_empty(observed)


_VERSION_TOKEN = re.compile(r"\d+|[A-Za-z]+")


def version_key(value: Any) -> tuple:
    """A comparable key for vendor version strings: ``15.5(3)S`` -> (15, 5, 3, 'S');
    ``9.7(1)24`` -> (9, 7, 1, 24); ``10.0.22631`` -> (10, 0, 22631).
    Numbers compare numerically; a release suffix (letters) sorts after the bare number."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeMismatch(f"observed {type_name(value)} {_short(value)} is not a version")
    tokens = _VERSION_TOKEN.findall(str(value))
    if not tokens or not tokens[0].isdigit():
        raise TypeMismatch(f"{_short(value)} is not a version string")
    return tuple((0, int(t), "") if t.isdigit() else (1, 0, t.lower()) for t in tokens)


def _cmp_versions(observed, value) -> int:
    a, b = version_key(observed), version_key(value)
    # pad the shorter with zeros so 16.9 == 16.9.0
    n = max(len(a), len(b))
    a += ((0, 0, ""),) * (n - len(a))
    b += ((0, 0, ""),) * (n - len(b))
    return (a > b) - (a < b)


def op_version_lt(observed, value):
    return _cmp_versions(observed, value) < 0


def op_version_le(observed, value):
    return _cmp_versions(observed, value) <= 0


def op_version_gt(observed, value):
    return _cmp_versions(observed, value) > 0


def op_version_ge(observed, value):
    return _cmp_versions(observed, value) >= 0


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": op_eq, "ne": op_ne, "lt": op_lt, "le": op_le, "gt": op_gt, "ge": op_ge,
    "in": op_in, "not-in": op_not_in, "contains": op_contains, "not-contains": op_not_contains,
    "regex": op_regex, "not-regex": op_not_regex, "empty": op_empty, "not-empty": op_not_empty,
    "version-lt": op_version_lt, "version-le": op_version_le,
    "version-gt": op_version_gt, "version-ge": op_version_ge,
}

# How an expectation reads in a finding's sentence.
PHRASES = {
    "eq": "{v}", "ne": "anything but {v}", "lt": "less than {v}", "le": "at most {v}",
    "gt": "more than {v}", "ge": "at least {v}", "in": "one of {v}", "not-in": "none of {v}",
    "contains": "to contain {v}", "not-contains": "not to contain {v}",
    "regex": "to match /{v}/ (full match)", "not-regex": "not to match /{v}/",
    "present": "present", "absent": "absent", "empty": "empty", "not-empty": "not empty",
    "version-lt": "a version below {v}", "version-le": "a version at most {v}",
    "version-gt": "a version above {v}", "version-ge": "version {v} or later",
}

# An explicit null ("not configured", docs/facts-model.md) is a value: each operator's verdict
# on it, so such a finding passes or fails. Nothing compares below, above or like null; it
# equals only null, is empty, and is in a list only if the list holds null.
_NULL_VERDICTS: dict[str, Callable[[Any], bool]] = {
    "eq": lambda v: v is None, "ne": lambda v: v is not None,
    "lt": lambda v: False, "le": lambda v: False, "gt": lambda v: False, "ge": lambda v: False,
    "in": lambda v: None in v, "not-in": lambda v: None not in v,
    "contains": lambda v: False, "not-contains": lambda v: True,
    "regex": lambda v: False, "not-regex": lambda v: True,
    "empty": lambda v: True, "not-empty": lambda v: False,
    "present": lambda v: False, "absent": lambda v: True,
    "version-lt": lambda v: False, "version-le": lambda v: False,
    "version-gt": lambda v: False, "version-ge": lambda v: False,
}


def verdict_on_null(op: str, value: Any) -> bool:
    """Does an explicit null satisfy ``op value``?"""
    return _NULL_VERDICTS[op](value)


_TRUE = {"true", "yes", "on", "1", "enabled"}
_FALSE = {"false", "no", "off", "0", "disabled"}


def convert(value: Any, value_type: str) -> Any:
    """Explicit conversion asked for by a leaf's ``value_type``; failure is a TypeMismatch."""
    try:
        if value_type == "int":
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(value)
        if value_type == "float":
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if value_type in ("str", "version"):
            if isinstance(value, (list, dict)) or value is None:
                raise ValueError
            return str(value)
        if value_type == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValueError
    except (TypeError, ValueError):
        raise TypeMismatch(f"{type_name(value)} {_short(value)} cannot be read as {value_type}") from None
    raise TypeMismatch(f"unknown value_type {value_type}")
