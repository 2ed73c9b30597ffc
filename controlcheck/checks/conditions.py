"""The condition tree of a control, compiled once per policy load.

``all`` / ``any`` / ``not`` / ``each`` and leaves ``{fact, op, value}``. A fact
path is JMESPath; plain dotted paths (most of them) take a fast route that
gives the same answer as JMESPath for dicts. Verdicts:

* ``pass`` / ``fail`` — the fact was there and of a comparable type; an explicit ``null``
  ("not configured", from a source read completely) is a value too
  (:func:`operators.verdict_on_null`);
* ``error`` — the fact is absent (not collected) or of the wrong type. An
  error is never a pass: ``all`` fails if any child fails, otherwise errors if
  any child errors; ``any`` passes if any child passes, otherwise errors if any
  child errors; ``not`` keeps an error an error.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

import jmespath
import jmespath.exceptions
import re2

from .operators import OPERATORS, PHRASES, TypeMismatch, convert, verdict_on_null, version_key

PASS, FAIL, ERROR = "pass", "fail", "error"
_SIMPLE_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_LEADING_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


# Policy regexes run on RE2: matching time is linear in the text, whatever the pattern, so
# '(a+)+$' against a long hostname cannot hang a run (Python's re backtracks exponentially).
# RE2 has no backreferences or lookarounds; a pattern needing them is refused at load.
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False       # the refusal below says what is wrong, once


def compile_regex(pattern: Any):
    """A linear-time compiled ``pattern`` (``fullmatch`` for the ``regex`` operator), or a
    ConditionError saying why the pattern is refused."""
    if not isinstance(pattern, str):
        raise ConditionError(f"regex value {pattern!r} is not a string")
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        try:
            re.compile(pattern)
        except re.error as py_exc:
            raise ConditionError(f"invalid regex {pattern!r}: {py_exc}") from None
        detail = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ConditionError(f"regex {pattern!r} needs backtracking ({detail}): only patterns that match in "
                             f"linear time are allowed (no backreferences or lookarounds)") from None


def full_matcher(compiled) -> Callable[[str], bool]:
    """``text -> bool``: does ``compiled`` (from :func:`compile_regex`) match the whole text?
    google-re2's ``fullmatch`` builds a Match through a Python generator (4.5 us a call, most of
    a regex leaf's time); its C++ ``RE2.Match`` on the same UTF-8 bytes answers in 0.7 us.
    The binding's own ``fullmatch`` where that inner API is not there."""
    raw = getattr(getattr(compiled, "_regexp", None), "Match", None)
    anchor, no_match = getattr(re2, "_Anchor", None), getattr(re2, "_NULL_SPAN", None)
    if raw is None or anchor is None or no_match is None:
        return lambda text: compiled.fullmatch(text) is not None
    both = anchor.ANCHOR_BOTH

    def fullmatch(text: str) -> bool:
        data = text.encode("utf-8")      # as the binding does for a str
        return raw(both, data, 0, len(data))[0] != no_match
    return fullmatch


class ConditionError(Exception):
    """A condition that cannot be compiled (bad JMESPath, bad regex, bad value)."""


UNSET: Any = object()   # Outcome.value not worked out yet


class Outcome:
    """A node's verdict on one asset. A node hands the same Outcome to every asset that shows
    it the same values (``shared``): an Outcome is never changed once returned."""

    __slots__ = ("status", "message", "observed", "error_kind", "seen", "shared", "value")

    def __init__(self, status: str, message: str, observed: list, error_kind: str | None = None,
                 seen: str | None = None):
        self.status = status
        self.message = message
        self.observed = observed          # [(fact path with item label, value), ...]
        self.error_kind = error_kind
        self.seen = seen or message       # what was observed, without the expectation
        self.shared = False               # held by a node's cache, handed out again
        self.value = UNSET                # a finding's "observed": set once by the engine


def _plain(text: str) -> bool:
    return text.isprintable() and '"' not in text and "\\" not in text


def _dump(value: Any) -> str:
    """JSON text of an observed value for a message (short; a fast path for plain scalars
    and short lists of plain strings, which is most of a million evaluations)."""
    t = type(value)
    if t is str:
        if len(value) <= 120 and _plain(value):
            return f'"{value}"'
    elif t is bool:
        return "true" if value else "false"
    elif t is int:
        return str(value)
    elif t is list:
        if not value:
            return "[]"
        if len(value) <= 20 and all(type(v) is str for v in value):
            joined = '","'.join(value)
            if len(joined) <= 196 and _plain("".join(value)):
                return f'["{joined}"]'
    text = json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))
    return text if len(text) <= 200 else text[:197] + "..."


_SIMPLE_FILTER = re.compile(
    r"^(?P<path>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)"
    r"\[\?(?P<field>[A-Za-z_][A-Za-z0-9_]*)(?:\s*==\s*'(?P<literal>[^'\\]*)')?\]$")


def _dotted_getter(keys: tuple[str, ...]) -> Callable[[Any], Any]:
    # facts are JSON: indexing anything but a dict by a name raises TypeError, a missing
    # name KeyError; both mean "absent", as in the general loop below
    if len(keys) in (1, 2, 3):
        a, b, c = (keys + (None, None))[:3]

        def get1(data: Any) -> Any:
            try:
                return data[a] if type(data) is dict else None
            except KeyError:
                return None

        def get2(data: Any) -> Any:
            try:
                node = data[a]
                return node[b] if type(data) is dict and type(node) is dict else None
            except (KeyError, TypeError):
                return None

        def get3(data: Any) -> Any:
            try:
                node = data[a]
                mid = node[b]
                return mid[c] if type(data) is dict and type(node) is dict and type(mid) is dict else None
            except (KeyError, TypeError):
                return None
        return (get1, get2, get3)[len(keys) - 1]

    def get(data: Any) -> Any:
        for key in keys:
            if not isinstance(data, dict):
                return None
            data = data.get(key)
            if data is None:
                return None
        return data
    return get


def _jmes_truthy(value: Any) -> bool:
    return not (value is None or value is False or value == "" or value == [] or value == {})


def compile_path(expression: str) -> Callable[[Any], Any]:
    """A getter for a fact path. Two common shapes take a direct route that gives the
    same answer as JMESPath (tests/test_conditions.py checks that): dotted names, and
    ``a.b[?field=='text']``; everything else is compiled JMESPath."""
    if _SIMPLE_PATH.match(expression):
        return _dotted_getter(tuple(expression.split(".")))
    m = _SIMPLE_FILTER.match(expression)
    if m:
        get_list = _dotted_getter(tuple(m.group("path").split(".")))
        field, literal = m.group("field"), m.group("literal")

        def get_filtered(data: Any) -> Any:
            items = get_list(data)
            if not isinstance(items, list):
                return None
            return [i for i in items if isinstance(i, dict) and i.get(field) == literal]

        def get_truthy(data: Any) -> Any:
            # JMESPath truthiness: false, null, "", [] and {} are false; 0 is true
            items = get_list(data)
            if not isinstance(items, list):
                return None
            return [i for i in items if isinstance(i, dict) and _jmes_truthy(i.get(field))]

        return get_filtered if literal is not None else get_truthy
    try:
        compiled = jmespath.compile(expression)
    except jmespath.exceptions.ParseError as exc:
        raise ConditionError(f"invalid JMESPath {expression!r}: {exc.msg if hasattr(exc, 'msg') else exc}") from None
    except jmespath.exceptions.JMESPathError as exc:
        raise ConditionError(f"invalid JMESPath {expression!r}: {exc}") from None
    search = compiled.search

    def get_jmespath(data: Any) -> Any:
        try:
            return search(data)
        except jmespath.exceptions.JMESPathTypeError:
            # a function handed an absent or mistyped fact (length(null): the accounts of an
            # unreachable workstation) has nothing to judge; it must not stop the whole run
            return None
    return get_jmespath


def holds_null(data: Any, keys: tuple[str, ...]) -> bool:
    """Is the dotted path ``keys`` present in ``data`` with an explicit null? (A getter
    answers None for absent and null alike; this tells "not configured" from "not collected".)"""
    if not keys:
        return False
    for key in keys[:-1]:
        if not isinstance(data, dict):
            return False
        data = data.get(key)
    return isinstance(data, dict) and keys[-1] in data and data[keys[-1]] is None


def leading_path(expression: str) -> str | None:
    """``network.lines[?type=='vty']`` -> ``network.lines``, and the path a function reads:
    ``length(host.accounts.local_admins)`` -> ``host.accounts.local_admins`` (used to find
    provenance and the collection errors behind an error)."""
    m = _LEADING_PATH.match(expression)
    if m and expression[m.end():m.end() + 1] == "(":
        m = _LEADING_PATH.match(expression, m.end() + 1)
    return m.group(0) if m else None


class Node:
    fact_paths: tuple[str, ...] = ()
    expected: str = ""

    def evaluate(self, data: Any) -> Outcome:  # pragma: no cover - abstract
        raise NotImplementedError


_OUTCOMES_KEPT = 512   # distinct observed values remembered per node (bounded: hostile devices vary)


def _keep(cache: dict, key: Any, outcome: Outcome) -> Outcome:
    if len(cache) < _OUTCOMES_KEPT:
        outcome.shared = True
        cache[key] = outcome
    return outcome


def _shared_key(outcomes: list[Outcome]) -> tuple | None:
    """The children's outcomes as a cache key (by identity), when every one of them is shared:
    a parent's verdict and sentence depend on nothing else. None when one is not (its
    identity would never come back)."""
    for o in outcomes:
        if not o.shared:
            return None
    return tuple(outcomes)


class Leaf(Node):
    def __init__(self, spec: dict):
        self.fact = spec["fact"]
        self.op = spec["op"]
        self.value_type = spec.get("value_type")
        self.get = compile_path(self.fact)
        lead = leading_path(self.fact)
        self.fact_paths = (lead,) if lead else ()
        self.lead_keys = tuple(lead.split(".")) if lead else ()
        value = spec.get("value")
        if self.value_type and "value" in spec and self.op not in ("in", "not-in"):
            try:
                value = convert(value, self.value_type)
            except TypeMismatch as exc:
                raise ConditionError(f"value of {self.fact!r}: {exc}") from None
        elif self.value_type and self.op in ("in", "not-in"):
            try:
                value = [convert(v, self.value_type) for v in value]
            except TypeMismatch as exc:
                raise ConditionError(f"value of {self.fact!r}: {exc}") from None
        self.value = value
        if self.op in ("regex", "not-regex"):
            self.operand = compile_regex(value)
        else:
            self.operand = value
        self.func = OPERATORS.get(self.op)
        phrase = PHRASES[self.op]
        self.expected = spec.get("expect") or phrase.format(v=value if self.op in ("regex", "not-regex")
                                                            else _dump(value))
        # compiled once: the operator's fast test and the fixed parts of every message
        self.test = _fast_test(self.op, self.operand, self.func) if self.func else None
        self._pass_tail = f", as expected ({self.expected})"
        self._fail_tail = f"; expected {self.expected}"
        self._missing_tail = f" was not collected; cannot judge (expected {self.expected})"
        # A fleet is built from templates: the same observed value comes back asset after
        # asset. The verdict and its sentence depend only on (label, value), so a scalar
        # value's outcome is built once and shared (outcomes are never changed after).
        self._seen_before: dict[tuple, Outcome] = {}

    def evaluate(self, data: Any, label: str = "") -> Outcome:
        observed = self.get(data)
        kind = type(observed)
        if kind is str or kind is bool or kind is int:
            key = (label, kind, observed)
        elif observed is None:      # absent, or an explicit null ("not configured")
            key = (label, kind, bool(self.lead_keys) and holds_null(data, self.lead_keys))
        elif kind is list and len(observed) <= 8 and all(type(v) is str for v in observed):
            key = (label, kind, tuple(observed))      # short lists of names (transports, hosts)
        else:
            return self._judge(observed, label)
        outcome = self._seen_before.get(key)
        if outcome is None:
            outcome = _keep(self._seen_before, key,
                            self._null(label) if observed is None and key[2] else self._judge(observed, label))
        return outcome

    def _null(self, label: str) -> Outcome:
        """An explicit null ("not configured"): a value, so the verdict is pass or fail."""
        name = f"{label}{self.fact}" if label else self.fact
        seen = f"{name} is null (not configured)"
        if verdict_on_null(self.op, self.operand):
            return Outcome(PASS, f"{seen}{self._pass_tail}", [(name, None)], seen=seen)
        return Outcome(FAIL, f"{seen}{self._fail_tail}", [(name, None)], seen=seen)

    def _judge(self, observed: Any, label: str) -> Outcome:
        name = f"{label}{self.fact}" if label else self.fact
        test = self.test
        if test is None:                         # present / absent: judge the absence itself
            if observed is None:
                seen = f"{name} is absent"
                if self.op == "present":
                    return Outcome(FAIL, f"{seen}; expected present", [(name, None)], seen=seen)
                return Outcome(PASS, f"{seen}, as expected", [(name, None)], seen=seen)
            seen = f"{name} is {_dump(observed)}"
            if self.op == "present":
                return Outcome(PASS, f"{seen}, present as expected", [(name, observed)], seen=seen)
            return Outcome(FAIL, f"{seen}; expected absent", [(name, observed)], seen=seen)
        if observed is None:
            return Outcome(ERROR, name + self._missing_tail, [(name, None)], "missing-fact")
        try:
            if self.value_type:
                observed = convert(observed, self.value_type)
            ok = test(observed)
        except TypeMismatch as exc:
            return Outcome(ERROR, f"{name}: {exc}", [(name, observed)], "type-mismatch")
        seen = f"{name} is {_dump(observed)}"
        if ok:
            return Outcome(PASS, seen + self._pass_tail, [(name, observed)], seen=seen)
        return Outcome(FAIL, seen + self._fail_tail, [(name, observed)], seen=seen)


def _fast_test(op: str, operand: Any, func: Callable[[Any, Any], bool]) -> Callable[[Any], bool]:
    """``observed -> bool`` for one leaf, resolved at compile time. The common case (the
    observed value has exactly the operand's type) is tested directly; anything else goes
    through the full operator, which decides comparability (and raises TypeMismatch)."""
    if op in ("eq", "ne") and type(operand) in (str, bool, int):
        same = type(operand)
        if op == "eq":
            return lambda observed: observed == operand if type(observed) is same else func(observed, operand)
        return lambda observed: observed != operand if type(observed) is same else func(observed, operand)
    if op in ("in", "not-in") and isinstance(operand, list) and all(type(v) in (str, bool, int) for v in operand):
        types = frozenset(type(v) for v in operand)
        want = op == "in"
        return lambda observed: (observed in operand) is want if type(observed) in types else func(observed, operand)
    if op in ("empty", "not-empty"):
        want = op == "empty"
        return lambda observed: (len(observed) == 0) is want if type(observed) in (list, dict, str) \
            else func(observed, operand)
    if op in ("regex", "not-regex"):
        want = op == "regex"
        fullmatch = full_matcher(operand)
        return lambda observed: fullmatch(observed) is want if type(observed) is str else func(observed, operand)
    if op.startswith("version-"):
        want = {"version-lt": (-1,), "version-le": (-1, 0), "version-gt": (1,), "version-ge": (1, 0)}[op]
        try:
            operand_key = version_key(operand)
        except TypeMismatch:
            return lambda observed: func(observed, operand)

        def version_test(observed: Any) -> bool:
            key = version_key(observed)
            a, b = key, operand_key
            if len(a) != len(b):     # pad the shorter with zeros so 16.9 == 16.9.0
                n = max(len(a), len(b))
                a += ((0, 0, ""),) * (n - len(a))
                b += ((0, 0, ""),) * (n - len(b))
            return ((a > b) - (a < b)) in want
        return version_test
    return lambda observed: func(observed, operand)


def _combine(outcomes: list[Outcome], status: str, chosen: list[Outcome]) -> Outcome:
    msgs = [o.message for o in chosen[:6]]
    if len(chosen) > 6:
        msgs.append(f"... and {len(chosen) - 6} more")
    observed = [ob for o in chosen for ob in o.observed]
    kind = next((o.error_kind for o in chosen if o.error_kind), None) if status == ERROR else None
    seen = "; ".join(o.seen for o in chosen[:6])
    return Outcome(status, "; ".join(msgs), observed, kind, seen=seen)


class _Composite(Node):
    """A node whose verdict and sentence depend only on its children's outcomes: worked out
    once per combination of shared child outcomes (a fleet shows few), kept by identity."""

    def __init__(self, children: list[Node]):
        self.children = children
        self.fact_paths = tuple(p for c in children for p in c.fact_paths)
        self._seen_before: dict[tuple, Outcome] = {}

    def evaluate(self, data: Any, label: str = "") -> Outcome:
        outcomes = [c.evaluate(data, label) for c in self.children]
        key = _shared_key(outcomes)
        if key is None:
            return self._decide(outcomes)
        outcome = self._seen_before.get(key)
        if outcome is None:
            outcome = _keep(self._seen_before, key, self._decide(outcomes))
        return outcome

    def _decide(self, outcomes: list[Outcome]) -> Outcome:  # pragma: no cover - abstract
        raise NotImplementedError


class All(_Composite):
    def __init__(self, children: list[Node]):
        super().__init__(children)
        self.expected = " and ".join(c.expected for c in children)

    def _decide(self, outcomes: list[Outcome]) -> Outcome:
        fails = [o for o in outcomes if o.status == FAIL]
        if fails:
            return _combine(outcomes, FAIL, fails)
        errors = [o for o in outcomes if o.status == ERROR]
        if errors:
            return _combine(outcomes, ERROR, errors)
        return _combine(outcomes, PASS, outcomes)


class Any_(_Composite):
    def __init__(self, children: list[Node]):
        super().__init__(children)
        self.expected = "(" + " or ".join(c.expected for c in children) + ")"

    def _decide(self, outcomes: list[Outcome]) -> Outcome:
        passes = [o for o in outcomes if o.status == PASS]
        if passes:
            return _combine(outcomes, PASS, passes[:1])
        errors = [o for o in outcomes if o.status == ERROR]
        if errors:
            return _combine(outcomes, ERROR, errors)
        out = _combine(outcomes, FAIL, outcomes)
        out.message = "none of the alternatives holds: " + out.message
        return out


class Not(Node):
    def __init__(self, child: Node):
        self.child = child
        self.fact_paths = child.fact_paths
        self.expected = f"not {child.expected}"
        self._seen_before: dict[Outcome, Outcome] = {}

    def evaluate(self, data: Any, label: str = "") -> Outcome:
        o = self.child.evaluate(data, label)
        if o.status == ERROR:
            return o
        if not o.shared:
            return self._negate(o)
        outcome = self._seen_before.get(o)
        if outcome is None:
            outcome = _keep(self._seen_before, o, self._negate(o))
        return outcome

    def _negate(self, o: Outcome) -> Outcome:
        if o.status == PASS:
            return Outcome(FAIL, f"{o.seen}; expected {self.expected}", o.observed, seen=o.seen)
        return Outcome(PASS, f"{o.seen}, as expected ({self.expected})", o.observed, seen=o.seen)


class Each(Node):
    """``each: {over: <path to a list>, require: <condition>, label?: <field>, min?: 1}``.

    Passes when the list has at least ``min`` items (default 1: an empty list
    is no proof) and every item meets ``require`` (paths relative to the item)."""

    def __init__(self, spec: dict, require: Node):
        self.over = spec["over"]
        self.get = compile_path(self.over)
        self.label_get = compile_path(spec["label"]) if spec.get("label") else None
        self.minimum = spec.get("min", 1)
        self.require = require
        self.expected = f"every item of {self.over} to meet: {require.expected}"
        lead = leading_path(self.over)
        self.fact_paths = (lead,) if lead else ()
        self.lead_keys = tuple(lead.split(".")) if lead else ()
        self._seen_before: dict[tuple, Outcome] = {}

    def evaluate(self, data: Any, label: str = "") -> Outcome:
        items = self.get(data)
        if items is None and holds_null(data, self.lead_keys):
            items = []                      # not configured: a list with no items
        if items is None:
            outcome = self._seen_before.get((label, None))
            if outcome is None:
                name = f"{label}{self.over}"
                outcome = _keep(self._seen_before, (label, None),
                                Outcome(ERROR, f"{name} was not collected; cannot judge each item", [(name, None)],
                                        "missing-fact"))
            return outcome
        name = f"{label}{self.over}"
        if not isinstance(items, list):
            return Outcome(ERROR, f"{name} is a {type(items).__name__}, expected a list", [(name, items)],
                           "type-mismatch")
        if len(items) < self.minimum:
            return Outcome(FAIL, f"{name} has {len(items)} item(s); expected at least {self.minimum}", [(name, items)])
        outcomes = []
        for index, item in enumerate(items):
            item_label = None
            if self.label_get is not None and isinstance(item, dict):
                item_label = self.label_get(item)
            prefix = f"{item_label if item_label is not None else f'item {index}'}: "
            outcomes.append(self.require.evaluate(item, prefix))
        key = _shared_key(outcomes)
        if key is None:
            return self._decide(outcomes, name)
        key = (label, key)
        outcome = self._seen_before.get(key)
        if outcome is None:
            outcome = _keep(self._seen_before, key, self._decide(outcomes, name))
        return outcome

    def _decide(self, outcomes: list[Outcome], name: str) -> Outcome:
        fails = [o for o in outcomes if o.status == FAIL]
        errors = [o for o in outcomes if o.status == ERROR]
        passes = [o for o in outcomes if o.status == PASS]
        if fails:
            return _combine([], FAIL, fails)
        if errors:
            return _combine([], ERROR, errors)
        out = _combine([], PASS, passes)
        out.message = f"all {len(outcomes)} item(s) of {name} comply: " + out.message
        return out


def compile_condition(spec: dict) -> Node:
    """Compile a schema-valid condition dict (see controlcheck/schemas/policy.json)."""
    if "all" in spec:
        return All([compile_condition(c) for c in spec["all"]])
    if "any" in spec:
        return Any_([compile_condition(c) for c in spec["any"]])
    if "not" in spec:
        return Not(compile_condition(spec["not"]))
    if "each" in spec:
        return Each(spec["each"], compile_condition(spec["each"]["require"]))
    return Leaf(spec)
