"""Safe YAML loading that remembers line numbers, refuses duplicate keys,
and validates documents against our JSON Schemas with file:line errors."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .errors import InputError


class LineDict(dict):
    """A mapping from YAML that knows the line it started on and the line of each key."""

    line: int = 0
    key_lines: dict


class LineList(list):
    line: int = 0


# Aliases may not expand a document past this many nodes beyond ten times its own size: a
# few hundred bytes of nested aliases (a "billion laughs") would otherwise become billions of
# nodes for the schema validation to walk. Merge keys (<<: *defaults) stay well inside it.
ALIAS_EXPANSION_ALLOWANCE = 100_000
# No document of ours nests deeper than this; a deeper one is refused at load, before any
# recursive code (schema validation, condition compiling) meets it.
MAX_DEPTH = 64


_LOADER_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml's parser when built with it


_RESOLVER = yaml.resolver.Resolver()
_SCALARS = yaml.constructor.SafeConstructor()
_STR, _NULL, _BOOL, _INT, _FLOAT, _TIMESTAMP = (f"tag:yaml.org,2002:{t}" for t in
                                                 ("str", "null", "bool", "int", "float", "timestamp"))
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"


def _scalar(event: yaml.ScalarEvent) -> Any:
    """A scalar as SafeLoader would make it, except that timestamps stay text (the schemas
    speak of ISO strings, and an impossible date such as 2027-02-30 must be reported by us
    with its line, not crash the YAML parser)."""
    tag = event.tag
    if tag is None or tag == "!":
        tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag in (_STR, _TIMESTAMP):
        return event.value
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return _SCALARS.construct_yaml_bool(node)
    if tag == _INT:
        return _SCALARS.construct_yaml_int(node)
    if tag == _FLOAT:
        return _SCALARS.construct_yaml_float(node)
    if tag == _MERGE:
        return _MERGE
    raise yaml.constructor.ConstructorError(None, None, f"could not determine a constructor for the tag {tag!r}",
                                            event.start_mark)


class _Open:
    """A mapping or sequence being built from the event stream."""

    __slots__ = ("value", "anchor", "size", "key", "key_line", "merges")

    def __init__(self, value, anchor):
        self.value, self.anchor, self.size = value, anchor, 1
        self.key = self.key_line = None
        self.merges: list | None = None


_NO_KEY = object()


def _build(text: str) -> Any:
    """The document's objects straight from libyaml's events, as SafeLoader makes them but
    without a node graph (a 100,000-asset inventory kept 1 GB of nodes and marks). The one
    pass also refuses nesting deeper than MAX_DEPTH (composing recursively would crash the
    interpreter), aliases expanding past the allowance (an alias bomb), duplicate and
    non-scalar keys, and any tag other than YAML's plain types (no python objects)."""
    stack: list[_Open] = []
    anchors: dict[str, tuple[Any, int]] = {}
    own = expanded = 0
    document: Any = None

    def add(value, size, mark, anchor=None):
        nonlocal document
        if anchor:
            anchors[anchor] = (value, size)
        if not stack:
            document = value
            return
        top = stack[-1]
        top.size += size
        if isinstance(top.value, list):
            top.value.append(value)
        elif top.key is _NO_KEY:
            if isinstance(value, (dict, list)):
                raise yaml.constructor.ConstructorError(None, None, "mapping keys must be plain scalars", mark)
            top.key, top.key_line = value, mark.line + 1
        else:
            key, top.key = top.key, _NO_KEY
            if key == _MERGE:
                top.merges = (top.merges or []) + (value if isinstance(value, list) else [value])
                return
            if key in top.value:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", mark)
            top.value[key] = value
            top.value.key_lines[key] = top.key_line

    for event in yaml.parse(text, Loader=_LOADER_BASE):
        kind = type(event)
        if kind is yaml.ScalarEvent:
            own += 1
            add(_scalar(event), 1, event.start_mark, event.anchor)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            own += 1
            if event.tag not in (None, "!", _MAP, _SEQ):
                raise yaml.constructor.ConstructorError(
                    None, None, f"could not determine a constructor for the tag {event.tag!r}", event.start_mark)
            value = LineDict() if kind is yaml.MappingStartEvent else LineList()
            value.line = event.start_mark.line + 1
            if kind is yaml.MappingStartEvent:
                value.key_lines = {}
            opened = _Open(value, event.anchor)
            opened.key = _NO_KEY
            if len(stack) >= MAX_DEPTH:
                raise yaml.MarkedYAMLError(None, None, f"nested deeper than {MAX_DEPTH} levels: refused",
                                           event.start_mark)
            stack.append(opened)
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            done = stack.pop()
            for merged in reversed(done.merges or []):     # '<<': keys written here win
                if not isinstance(merged, dict):
                    raise yaml.constructor.ConstructorError(None, None, "'<<' merges mappings only",
                                                            event.start_mark)
                for k, v in merged.items():
                    if k not in done.value:
                        done.value[k] = v
                        done.value.key_lines[k] = merged.key_lines.get(k, done.value.line)
            add(done.value, done.size, event.start_mark, done.anchor)
        elif kind is yaml.AliasEvent:
            if event.anchor not in anchors:
                raise yaml.composer.ComposerError(None, None, f"found undefined alias {event.anchor!r}",
                                                  event.start_mark)
            value, size = anchors[event.anchor]
            expanded += size
            if expanded > ALIAS_EXPANSION_ALLOWANCE + 10 * own:
                raise yaml.MarkedYAMLError(None, None, f"aliases expand this document past {expanded:,} nodes "
                                                       f"(from {own:,} written): refused as an alias bomb",
                                           event.start_mark)
            add(value, size, event.start_mark)
        elif kind is yaml.DocumentStartEvent and document is not None:
            raise yaml.composer.ComposerError(None, None, "expected a single document in the stream",
                                              event.start_mark)
    return document


def load_yaml(path: str | Path) -> Any:
    """Load one YAML file safely; a syntax error becomes an InputError with its line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a YAML file", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=str(path)) from None
    try:
        return _build(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem and exc.context_mark and exc.context_mark is not mark:
            problem += f" ({exc.context} started on line {exc.context_mark.line + 1})"
        raise InputError(f"invalid YAML: {problem}", file=str(path), line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", file=str(path)) from None


def check_depth(data: Any, file: str, limit: int = MAX_DEPTH, what: str = "document") -> None:
    """Refuse ``data`` nested deeper than ``limit`` (walked without recursion), so no
    recursive validator or evaluator ever meets it."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise InputError(f"{what} nested deeper than {limit} levels: refused", file=file,
                             line=getattr(node, "line", None))
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, (dict, list)))


def line_of(data: Any, path: list) -> int | None:
    """The line of the deepest node along ``path`` (keys / indexes) that knows its line."""
    line = getattr(data, "line", None)
    node = data
    for step in path:
        if isinstance(node, LineDict) and step in node:
            line = node.key_lines.get(step, line)
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
            line = getattr(node, "line", line)
        else:
            break
    return line


def load_schema(name: str) -> dict:
    """A JSON Schema shipped in controlcheck/schemas/ (``name`` without .json)."""
    text = resources.files("controlcheck.schemas").joinpath(f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


_VALIDATORS: dict[str, jsonschema.protocols.Validator] = {}


def validator_for(name: str):
    if name not in _VALIDATORS:
        schema = load_schema(name)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _VALIDATORS[name] = cls(schema)
    return _VALIDATORS[name]


def describe_schema_error(err: jsonschema.ValidationError) -> str:
    """A short sentence for a schema violation, naming the key that is wrong."""
    where = "/".join(str(p) for p in err.absolute_path)
    if err.validator == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        allowed = ", ".join(sorted(err.schema.get("properties", {})))
        msg = f"unknown key {', '.join(repr(e) for e in extra)}"
        if allowed:
            msg += f" (allowed: {allowed})"
    elif err.validator == "enum":
        msg = f"{err.instance!r} is not one of {', '.join(map(str, err.validator_value))}"
    elif err.validator == "required":
        msg = err.message.replace("is a required property", "is required")
    elif err.validator == "type":
        msg = f"{err.instance!r} should be of type {err.validator_value}"
    elif err.validator in ("oneOf", "anyOf") and err.context:
        best = jsonschema.exceptions.best_match(err.context)
        return describe_schema_error(best)
    else:
        msg = err.message
    return f"{where}: {msg}" if where else msg


# Keywords fastjsonschema checks as jsonschema does; a schema using any other keyword is
# validated by jsonschema alone (an unknown keyword must never be skipped silently).
_FAST_KEYWORDS = {"$schema", "$id", "$ref", "$defs", "$comment", "title", "description", "type", "properties",
                  "additionalProperties", "required", "items", "enum", "const", "pattern", "minLength",
                  "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minItems",
                  "maxItems", "uniqueItems", "not", "anyOf", "oneOf", "allOf", "default", "examples",
                  "patternProperties", "propertyNames", "minProperties", "maxProperties"}
_FAST: dict[str, Any] = {}


def _schema_keywords(schema: Any, found: set) -> set:
    if isinstance(schema, dict):
        for key, value in schema.items():
            found.add(key)
            if key in ("properties", "$defs", "patternProperties"):
                for sub in value.values():
                    _schema_keywords(sub, found)
            elif key not in ("enum", "const", "default", "examples", "required"):
                _schema_keywords(value, found)
    elif isinstance(schema, list):
        for item in schema:
            _schema_keywords(item, found)
    return found


def _fast_validator(name: str):
    """A compiled validator (fastjsonschema: tens of times faster on 100,000 assets) when every
    keyword of the schema is one it checks; else None. It only says valid or not: the
    message for an invalid document always comes from jsonschema."""
    if name not in _FAST:
        _FAST[name] = None
        schema = load_schema(name)
        if _schema_keywords(schema, set()) <= _FAST_KEYWORDS:
            try:
                import fastjsonschema
                _FAST[name] = fastjsonschema.compile(schema)
            except Exception:   # a schema it cannot compile is validated by jsonschema alone
                _FAST[name] = None
    return _FAST[name]


def validate(data: Any, schema_name: str, file: str) -> None:
    """Validate ``data`` against a schema; the first error becomes InputError with file:line."""
    fast = _fast_validator(schema_name)
    if fast is not None:
        try:
            fast(data)
            return
        except Exception:   # invalid (or not checkable fast): jsonschema says what is wrong
            pass
    validator = validator_for(schema_name)
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.absolute_path), str(e.absolute_path)))
    if not errors:
        return
    err = jsonschema.exceptions.best_match(errors)
    path = list(err.absolute_path)
    raise InputError(describe_schema_error(err), file=file, line=line_of(data, path))
