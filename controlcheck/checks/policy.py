"""Load policy files: schema-first validation, then compile every condition once."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..yamlio import line_of, load_yaml, validate
from .conditions import ConditionError, Node, compile_condition


@dataclass
class Control:
    id: str
    title: str
    severity: str
    check: Node
    description: str = ""
    applies_to: dict = field(default_factory=dict)
    mitigates: list[str] = field(default_factory=list)
    frameworks: dict[str, list[str]] = field(default_factory=dict)
    remediation: str = ""
    references: list[str] = field(default_factory=list)
    source_file: str = ""
    source_line: int | None = None
    raw_check: Any = None

    def applies(self, asset: dict) -> bool:
        a = self.applies_to
        if not a:
            return True
        if "kinds" in a and asset.get("kind") not in a["kinds"]:
            return False
        if "platforms" in a and asset.get("platform") not in a["platforms"]:
            return False
        if "sites" in a and asset.get("site") not in a["sites"]:
            return False
        if "tags" in a and not set(a["tags"]) & set(asset.get("tags") or ()):
            return False
        return True

    def to_dict(self) -> dict:
        return {
            "id": self.id, "title": self.title, "description": self.description, "severity": self.severity,
            "applies_to": _plain(self.applies_to), "mitigates": list(self.mitigates),
            "frameworks": {k: list(v) for k, v in self.frameworks.items()},
            "remediation": self.remediation, "references": list(self.references),
            "check": _plain(self.raw_check),
            "source": {"file": self.source_file, "line": self.source_line},
        }


def _plain(data: Any) -> Any:
    """LineDict/LineList -> plain dict/list (for JSON output)."""
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data


@dataclass
class PolicySet:
    controls: list[Control]
    files: list[Path]

    def get(self, control_id: str) -> Control | None:
        return next((c for c in self.controls if c.id == control_id), None)


def builtin_policy_dir() -> Path:
    """The library shipped in the wheel (``policies/`` in the repository)."""
    return Path(str(resources.files("controlcheck.policies")))


def policy_files(path: Path) -> list[Path]:
    if not path.exists():
        raise InputError("policy path does not exist", file=str(path))
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    if not files:
        raise InputError("no policy files (*.yaml) in this directory", file=str(path))
    return files


def load_policy_file(path: Path) -> list[Control]:
    data = load_yaml(path)
    if data is None:
        raise InputError("empty policy file, expected 'controls:'", file=str(path))
    try:
        validate(data, "policy", str(path))
    except InputError as exc:
        # name the control the error is in
        idx = _control_index(data, exc.line)
        if idx is not None:
            cid = data["controls"][idx].get("id", f"#{idx + 1}") if isinstance(data["controls"][idx], dict) else idx
            exc.message = f"control {cid}: {exc.message}"
        raise
    controls = []
    for i, raw in enumerate(data["controls"]):
        try:
            check = compile_condition(raw["check"])
        except ConditionError as exc:
            raise InputError(f"control {raw['id']}: {exc}", file=str(path),
                             line=_first_bad_line(data, i, str(exc))) from None
        controls.append(Control(
            id=raw["id"], title=raw["title"], severity=raw["severity"], check=check,
            description=raw.get("description", ""), applies_to=dict(raw.get("applies_to") or {}),
            mitigates=list(raw.get("mitigates") or []),
            frameworks={k: list(v) for k, v in (raw.get("frameworks") or {}).items()},
            remediation=raw.get("remediation", ""), references=list(raw.get("references") or []),
            source_file=str(path), source_line=line_of(data, ["controls", i]), raw_check=raw["check"],
        ))
    return controls


def _control_index(data: Any, line: int | None) -> int | None:
    if not isinstance(data, dict) or not isinstance(data.get("controls"), list) or line is None:
        return None
    best = None
    for i, c in enumerate(data["controls"]):
        start = getattr(c, "line", None)
        if start is not None and start <= line:
            best = i
    return best


def _first_bad_line(data: Any, index: int, message: str) -> int | None:
    """Line of the leaf whose fact/value appears in the error message, else the check's line."""
    def walk(node: Any):
        if isinstance(node, dict):
            for key in ("fact", "over", "value"):
                value = node.get(key)
                if isinstance(value, str) and repr(value) in message:
                    return node.key_lines.get(key) if hasattr(node, "key_lines") else None
            for v in node.values():
                found = walk(v)
                if found:
                    return found
        elif isinstance(node, list):
            for v in node:
                found = walk(v)
                if found:
                    return found
        return None
    return walk(data["controls"][index]["check"]) or line_of(data, ["controls", index, "check"])


def load_policies(paths: list[Path] | None = None) -> PolicySet:
    """Load every policy file under ``paths`` (default: the built-in library).
    A control id defined twice, in one file or across files, is an error."""
    roots = [Path(p) for p in paths] if paths else [builtin_policy_dir()]
    files: list[Path] = []
    for root in roots:
        files.extend(policy_files(root))
    controls: list[Control] = []
    seen: dict[str, Control] = {}
    for f in files:
        for control in load_policy_file(f):
            if control.id in seen:
                first = seen[control.id]
                raise InputError(f"duplicate control id {control.id} (first defined in "
                                 f"{first.source_file}:{first.source_line})",
                                 file=control.source_file, line=control.source_line)
            seen[control.id] = control
            controls.append(control)
    return PolicySet(controls=controls, files=files)
